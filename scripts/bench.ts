/**
 * `npm run bench [-- --quick] [-- --json] [-- --micro] [-- --steps N --large-steps N]`: what the curvature machinery
 * costs on this machine (--steps: steps per process on the small model, default 1000, --quick 100; --large-steps:
 * on the large model, default 20, --quick 3, 0 skips it).
 *
 * Default: the flows table (scripts/bench-flows.ts: three processes × engines f64 / tfjs / the b28268a baseline,
 * with s total, ms/step, HVPs, calls per step and the speed-up over the baseline; set FLOWLAB_BENCH_BASELINE to
 * a compiled dist/ of b28268a), the large-model rows, and the engine crossover (the measurement behind
 * F64_MAX_MULTIPLY_ADDS in src/autodiff/select.ts). `--micro` adds the per-call benchmarks below for both engines.
 *
 * Each benchmark is a function (BenchCase, BenchOptions) → Row[], so more (e.g. flow steps) can be added to
 * BENCHMARKS. Times are medians over `reps` runs after `warmup` runs; every batched number is one tfjs call.
 *   gradient        ms per gradient
 *   hvp             one HVP ÷ one gradient; k vectors in one call vs k single calls (ms per vector, ratio)
 *   eigs            HVPs (and ms) for the top-k eigensolver, cold vs warm-started after a GD-sized move of w
 *   third           ∇(uᵀHv) for p pairs in one call vs p single calls
 */
import { backendInfo } from "../src/backend";
import { initBackend } from "../src/runtime";
import { type Derivatives, type EngineName, type Vec } from "../src/autodiff/derivatives";
import { derivatives, F64_MAX_MULTIPLY_ADDS, forwardMultiplyAdds } from "../src/autodiff/select";
import { loadavg } from "node:os";
import { effectiveHessian, topEigs } from "../src/curvature";
import { gaussianRegression } from "../src/data/synthetic";
import { loadMnist } from "../src/data/mnist";
import { norm } from "../src/linalg/vec";
import { initParams } from "../src/models/init";
import { mlp, type MlpSpec } from "../src/models/mlp";
import type { LossName } from "../src/models/losses";
import { supervisedObjective, type Dataset } from "../src/models/objective";
import { Rng } from "../src/random";
import { benchFlowRuns, formatFlowTable } from "./bench-flows";

export interface Row {
  model: string;
  measure: string;
  value: number;
  unit: string;
}

export interface BenchOptions {
  warmup: number;
  reps: number;
  /** Vector counts for the batched-HVP benchmark. */
  hvpBlocks: number[];
  /** Pair counts for the third-derivative benchmark. */
  thirdPairs: number[];
  /** Eigenpairs for the eigensolver benchmark. */
  k: number;
  /** Milliseconds of mixed calls before measuring each case (see burnIn). */
  burnInMs: number;
}

export interface BenchCase {
  name: string;
  D: Derivatives;
  w: Vec;
  dispose(): void;
}

export type Benchmark = (c: BenchCase, o: BenchOptions) => Row[];

/** Median wall time (ms) of fn over o.reps runs after o.warmup runs. */
export function timeMedian(fn: () => void, o: Pick<BenchOptions, "warmup" | "reps">): number {
  for (let i = 0; i < o.warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < Math.max(1, o.reps); i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  const m = ts.length >> 1;
  return ts.length % 2 ? ts[m] : 0.5 * (ts[m - 1] + ts[m]);
}

function randomBlock(rng: Rng, count: number, dim: number): Vec[] {
  return Array.from({ length: count }, () => rng.normals(dim));
}

/**
 * Runs a mix of every kind of call for `ms` milliseconds: V8 keeps optimizing tfjs's JS for hundreds of calls
 * (a 1-vector HVP on the small MLP drops from ≈25 ms to ≈4 ms), far beyond a few warm-up runs per measure.
 */
export function burnIn(c: BenchCase, ms: number): void {
  const rng = new Rng(0);
  const vs = randomBlock(rng, 8, c.D.dim);
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    c.D.lossAndGrad(c.w);
    c.D.hvp(c.w, vs.slice(0, 1));
    c.D.hvp(c.w, vs);
    c.D.third(c.w, vs.slice(0, 1), vs.slice(1, 2));
    c.D.third(c.w, vs.slice(0, 4), vs.slice(4, 8));
  }
}

export const benchGradient: Benchmark = (c, o) => [
  { model: c.name, measure: "gradient", value: timeMedian(() => c.D.lossAndGrad(c.w), o), unit: "ms" },
];

export const benchHvp: Benchmark = (c, o) => {
  const rng = new Rng(1);
  const grad = timeMedian(() => c.D.lossAndGrad(c.w), o);
  const rows: Row[] = [];
  for (const k of o.hvpBlocks) {
    const vs = randomBlock(rng, k, c.D.dim);
    const batched = timeMedian(() => c.D.hvp(c.w, vs), o) / k;
    const looped = timeMedian(() => vs.forEach((v) => c.D.hvp(c.w, [v])), o) / k;
    if (k === 1) rows.push({ model: c.name, measure: "HVP ÷ gradient", value: batched / grad, unit: "×" });
    rows.push({ model: c.name, measure: `HVP ×${k} batched`, value: batched, unit: "ms/vector" });
    if (k > 1) {
      rows.push({ model: c.name, measure: `HVP ×${k} looped`, value: looped, unit: "ms/vector" });
      rows.push({ model: c.name, measure: `HVP ×${k} looped ÷ batched`, value: looped / batched, unit: "×" });
    }
  }
  return rows;
};

/**
 * Cold solve at w, then at w' = w + ξ with ‖ξ‖ = ‖g‖/λ₁ (one GD step at half the stability threshold, in a
 * random direction): cold again vs warm from the first solve's block.
 */
export const benchEigs: Benchmark = (c, o) => {
  const { D, w } = c;
  const k = o.k;
  const first = topEigs(effectiveHessian(D, w), { k });
  const g = D.lossAndGrad(w).grad;
  const xi = new Rng(2).normals(D.dim);
  const step = norm(g) / Math.abs(first.values[0]) / norm(xi);
  const w1 = w.map((x, i) => x + step * xi[i]);
  const op = effectiveHessian(D, w1);
  const cold = topEigs(op, { k, seed: 5 });
  const warm = topEigs(op, { k, init: first.block });
  const reps = { warmup: 0, reps: Math.min(o.reps, 3) };
  const row = (measure: string, value: number, unit: string): Row => ({ model: c.name, measure, value, unit });
  return [
    row(`top-${k} eigs cold: HVPs`, cold.matvecs, "HVPs"),
    row(`top-${k} eigs warm: HVPs`, warm.matvecs, "HVPs"),
    row(`top-${k} eigs cold: time`, timeMedian(() => topEigs(op, { k, seed: 5 }), reps), "ms"),
    row(`top-${k} eigs warm: time`, timeMedian(() => topEigs(op, { k, init: first.block }), reps), "ms"),
    row(`top-${k} eigs warm vs cold |Δλ₁|/λ₁`, Math.abs(warm.values[0] - cold.values[0]) / Math.abs(cold.values[0]), ""),
  ];
};

export const benchThird: Benchmark = (c, o) => {
  const rng = new Rng(3);
  const rows: Row[] = [];
  for (const p of o.thirdPairs) {
    const us = randomBlock(rng, p, c.D.dim);
    const vs = randomBlock(rng, p, c.D.dim);
    const batched = timeMedian(() => c.D.third(c.w, us, vs), o) / p;
    rows.push({ model: c.name, measure: `third ×${p} batched`, value: batched, unit: "ms/pair" });
    if (p > 1) {
      const looped = timeMedian(() => us.forEach((u, i) => c.D.third(c.w, [u], [vs[i]])), o) / p;
      rows.push({ model: c.name, measure: `third ×${p} looped`, value: looped, unit: "ms/pair" });
      rows.push({ model: c.name, measure: `third ×${p} looped ÷ batched`, value: looped / batched, unit: "×" });
    }
  }
  return rows;
};

export const BENCHMARKS: Record<string, Benchmark> = { gradient: benchGradient, hvp: benchHvp, eigs: benchEigs, third: benchThird };

function mlpCase(name: string, spec: MlpSpec, loss: LossName, data: Dataset, init: "lecun_normal" | "torch", seed: number, engine: EngineName): BenchCase {
  const model = mlp(spec);
  const objective = supervisedObjective(model, loss, data);
  const D = derivatives(objective, { engine });
  return { name: `${name} ${engine}`, D, w: initParams(model.layout, { scheme: init }, seed), dispose: () => objective.dispose() };
}

/** (a) the central-flows example: 8→16→16→1 swish, n = 128, x, y ~ N(0, 1), LeCun-normal init. */
export function centralFlowsCase(engine: EngineName = "tfjs"): BenchCase {
  const data = gaussianRegression({ n: 128, d: 8, out: 1, seed: 0 });
  return mlpCase("swish 8-16-16-1 n128", { widths: [8, 16, 16, 1], activation: "swish", bias: true }, "mse", data, "lecun_normal", 1, engine);
}

/** (b) 196→64→64→10 tanh on 1000 MNIST digits, 2×2 average-pooled and standardized. */
export function mnistCase(n = 1000, engine: EngineName = "tfjs"): BenchCase {
  const data = loadMnist({ n, pool: 2, standardize: true, seed: 0 });
  return mlpCase(`tanh 196-64-64-10 mnist${n}`, { widths: [196, 64, 64, 10], activation: "tanh", bias: true }, "mse", data, "lecun_normal", 1, engine);
}

/** MLP sizes for the engine crossover, from the flows example up to the large model. */
const CROSSOVER: { widths: number[]; n: number }[] = [
  { widths: [8, 16, 16, 1], n: 128 },
  { widths: [8, 16, 16, 1], n: 1024 },
  { widths: [32, 64, 64, 1], n: 256 },
  { widths: [32, 64, 64, 1], n: 1024 },
  { widths: [196, 64, 64, 10], n: 250 },
  { widths: [196, 64, 64, 10], n: 1000 },
];

/**
 * One eigensolver-like request at a fresh point (a gradient, then 5 HVPs at it) on each engine, per MLP size:
 * ms for each and the ratio tfjs ÷ f64 (> 1: f64 faster), against multiply-adds per forward pass.
 */
export function benchCrossover(o: Pick<BenchOptions, "warmup" | "reps">): Row[] {
  const rows: Row[] = [];
  for (const { widths, n } of CROSSOVER) {
    const model = mlp({ widths, activation: "tanh", bias: true });
    const objective = supervisedObjective(model, "mse", gaussianRegression({ n, d: widths[0], out: widths[widths.length - 1], seed: 0 }));
    try {
      const madds = forwardMultiplyAdds(objective) as number;
      const name = `[${widths.join("-")}] n${n} (${(madds / 1e6).toFixed(2)}M madds)`;
      const ms: Record<string, number> = {};
      for (const engine of ["f64", "tfjs"] as const) {
        const D = derivatives(objective, { engine });
        const w = initParams(model.layout, { scheme: "lecun_normal" }, 1);
        const vs = randomBlock(new Rng(4), 5, D.dim);
        ms[engine] = timeMedian(() => {
          w[0] += 1e-6; // a new point each time: no cached forward pass
          D.lossAndGrad(w);
          D.hvp(w, vs);
        }, o);
        rows.push({ model: name, measure: `gradient + 5 HVPs, ${engine}`, value: ms[engine], unit: "ms" });
      }
      rows.push({ model: name, measure: "tfjs ÷ f64", value: ms.tfjs / ms.f64, unit: `× (auto picks ${madds <= F64_MAX_MULTIPLY_ADDS ? "f64" : "tfjs"})` });
    } finally {
      objective.dispose();
    }
  }
  return rows;
}

export function formatTable(rows: Row[]): string {
  const fmt = (r: Row): string => (Number.isInteger(r.value) ? String(r.value) : r.value < 0.01 ? r.value.toExponential(1) : r.value.toFixed(2));
  const w0 = Math.max(5, ...rows.map((r) => r.model.length));
  const w1 = Math.max(7, ...rows.map((r) => r.measure.length));
  const w2 = Math.max(5, ...rows.map((r) => fmt(r).length));
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padStart(w2)}  ${d}`;
  return [line("model", "measure", "value", "unit"), line("-".repeat(w0), "-".repeat(w1), "-".repeat(w2), "----"), ...rows.map((r) => line(r.model, r.measure, fmt(r), r.unit))].join("\n");
}

export function benchOptions(quick: boolean): BenchOptions {
  return quick
    ? { warmup: 1, reps: 3, hvpBlocks: [1, 8], thirdPairs: [1, 6], k: 3, burnInMs: 1000 }
    : { warmup: 2, reps: 7, hvpBlocks: [1, 5, 8, 16], thirdPairs: [1, 3, 6, 15], k: 3, burnInMs: 3000 };
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(", ");

async function main(argv: string[]): Promise<void> {
  const allowed = ["--quick", "--json", "--micro"];
  const counts: Record<string, number> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--steps" || argv[i] === "--large-steps") {
      const v = Number(argv[i + 1]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`bench: ${argv[i]} needs a non-negative integer; got ${JSON.stringify(argv[i + 1])}`);
      counts[argv[i]] = v;
      i++;
    } else rest.push(argv[i]);
  }
  const unknown = rest.filter((a) => !allowed.includes(a));
  if (unknown.length > 0) throw new Error(`bench: unknown argument ${unknown[0]}; allowed: ${allowed.join(", ")}, --steps N, --large-steps N`);
  const quick = argv.includes("--quick");
  const json = argv.includes("--json");
  await initBackend();
  const b = backendInfo();
  const o = benchOptions(quick);
  const loadBefore = load();
  const steps = counts["--steps"] ?? (quick ? 100 : 1000);
  const largeSteps = counts["--large-steps"] ?? (quick ? 3 : 20);
  const log = (msg: string): void => void (json ? null : console.error(msg));
  log(`flows: ${steps} steps (large model ${largeSteps}), one child process per run; load average ${loadBefore}`);
  const flows = benchFlowRuns({ steps, largeSteps, onRun: (r) => log(`  ${r.model} ${r.process} ${r.engine}: ${r.seconds.toFixed(2)} s`) });
  const rows: Row[] = benchCrossover(o);
  if (argv.includes("--micro")) {
    const cases: Array<() => BenchCase> = [];
    for (const engine of ["f64", "tfjs"] as const) cases.push(() => centralFlowsCase(engine), () => mnistCase(quick ? 250 : 1000, engine));
    for (const make of cases) {
      const c = make();
      try {
        burnIn(c, o.burnInMs);
        for (const bench of Object.values(BENCHMARKS)) rows.push(...bench(c, o));
      } finally {
        c.dispose();
      }
    }
  }
  const loadAfter = load();
  if (json) console.log(JSON.stringify({ backend: b.backend, quick, load: [loadBefore, loadAfter], flows: flows.runs, rows }));
  else {
    console.log(`backend ${b.backend} (tfjs ${b.tfjsVersion}, ${b.threads} thread(s))${quick ? ", --quick" : ""}; load average before ${loadBefore}, after ${loadAfter}`);
    console.log(`\nProcesses (GD η = 0.1, k = 5; ${steps} steps on the small model, ${largeSteps} on the large one); ${flows.note}\n${formatFlowTable(flows.runs)}`);
    console.log(`\nEngine crossover and per-call costs\n${formatTable(rows)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
}
