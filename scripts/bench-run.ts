/**
 * One timed process run for the flows benchmark, in a fresh Node process (so every engine and code version
 * starts from the same cold state): prints one JSON line {seconds, steps, gradients, hvps, thirds, calls}.
 *
 *   node --import tsx scripts/bench-run.ts --process central --model small --steps 1000 [--engine f64|tfjs]
 *   ... [--dist /path/to/old/dist]     run an older build's compiled code instead of src/ (the baseline column)
 *
 * The run uses only APIs that exist in both (tfDerivatives or derivatives, FLOWS[process], gd, mlp,
 * supervisedObjective, initParams, gaussianRegression, loadMnist), loaded by path from src/ or the build.
 */
import { createRequire } from "node:module";
import { join } from "node:path";

const load_ = createRequire(__filename);

interface Counters {
  gradients: number;
  hvps: number;
  thirds: number;
  calls: number;
}
interface Spec {
  widths: number[];
  activation: string;
  bias: boolean;
}
interface Lib {
  initBackend(): Promise<unknown>;
  makeDerivatives(objective: unknown): unknown;
  FLOWS: Record<string, (problem: { D: unknown; rule: unknown; w0: Float64Array }, o: { steps: number; k: number }) => { seconds: number; counters: Counters }>;
  gd(lr: number): unknown;
  mlp(spec: Spec): { layout: unknown; spec: Spec };
  supervisedObjective(model: unknown, loss: string, data: unknown): { dispose(): void };
  initParams(layout: unknown, init: { scheme: string }, seed: number): Float64Array;
  gaussianRegression(o: { n: number; d: number; out: number; seed: number }): unknown;
  loadMnist(o: { n: number; pool: number; standardize: boolean; seed: number }): unknown;
}

function tryReq(root: string, p: string): Record<string, unknown> | null {
  try {
    return load_(join(root, p)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function load(root: string, engine: string | undefined): Lib {
  const req = (p: string): Record<string, unknown> => load_(join(root, p)) as Record<string, unknown>;
  const derivs = req("autodiff/derivatives");
  let makeDerivatives: (o: unknown) => unknown;
  if (engine === undefined) makeDerivatives = derivs.tfDerivatives as (o: unknown) => unknown;
  else {
    const select = req("autodiff/select").derivatives as (o: unknown, opts: { engine: string }) => unknown;
    makeDerivatives = (o) => select(o, { engine });
  }
  return {
    // src/runtime.ts since issue 14 (it registers the exact gradients too); src/backend.ts before.
    initBackend: (tryReq(root, "runtime")?.initBackend ?? req("backend").initBackend) as Lib["initBackend"],
    makeDerivatives,
    FLOWS: req("flows/index").FLOWS as Lib["FLOWS"],
    gd: req("optim/gd").gd as Lib["gd"],
    mlp: req("models/mlp").mlp as Lib["mlp"],
    supervisedObjective: req("models/objective").supervisedObjective as Lib["supervisedObjective"],
    initParams: req("models/init").initParams as Lib["initParams"],
    gaussianRegression: req("data/synthetic").gaussianRegression as Lib["gaussianRegression"],
    loadMnist: req("data/mnist").loadMnist as Lib["loadMnist"],
  };
}

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const process_ = flag(argv, "process") ?? "discrete";
  const model = flag(argv, "model") ?? "small";
  const steps = Number(flag(argv, "steps") ?? 100);
  const dist = flag(argv, "dist");
  const engine = flag(argv, "engine");
  const mnistN = Number(flag(argv, "n") ?? 1000);
  const lib = load(dist ?? join(__dirname, "..", "src"), dist ? undefined : (engine ?? "auto"));
  await lib.initBackend();
  const small = model === "small";
  const net = lib.mlp(small ? { widths: [8, 16, 16, 1], activation: "swish", bias: true } : { widths: [196, 64, 64, 10], activation: "tanh", bias: true });
  const data = small ? lib.gaussianRegression({ n: 128, d: 8, out: 1, seed: 0 }) : lib.loadMnist({ n: mnistN, pool: 2, standardize: true, seed: 0 });
  const objective = lib.supervisedObjective(net, "mse", data);
  const w0 = lib.initParams(net.layout, { scheme: "lecun_normal" }, 1);
  const D = lib.makeDerivatives(objective);
  const t0 = performance.now();
  const r = lib.FLOWS[process_]({ D, rule: lib.gd(0.1), w0 }, { steps, k: 5 });
  const seconds = (performance.now() - t0) / 1000;
  objective.dispose();
  const { gradients, hvps, thirds, calls } = r.counters;
  const info = D as { engine?: string; dtype?: string };
  console.log(JSON.stringify({ process: process_, model, steps, seconds, gradients, hvps, thirds, calls, engine: info.engine ?? "tfjs", dtype: info.dtype ?? "float32" }));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
