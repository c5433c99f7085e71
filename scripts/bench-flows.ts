/**
 * The three processes on the central-flows example (MLP 8→16→16→1 swish, n = 128, GD η = 0.1, k = 5) and on a
 * large model (196→64→64→10 tanh, 1000 MNIST digits) for each engine, side by side in one bench run:
 *   f64       the float64 MLP engine (src/autodiff/f64)
 *   tfjs      the tfjs engine as it is now
 *   b28268a   the code at commit b28268a, compiled: FLOWLAB_BENCH_BASELINE=/path/to/its/dist (skipped when unset)
 * Each (process, engine) runs in a fresh Node process (scripts/bench-run.ts), engines interleaved per process, so
 * load changes on a shared machine hit all engines alike; only ratios measured in one run mean anything.
 * The authors' JAX code (float32, jit, 2 cores) takes 6.4 s / 7.2 s / 43.3 s for 1000 steps of discrete / stable /
 * central with about 114 / 107 / 332 HVPs per step (issue 14).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const BASELINE_LABEL = "b28268a";
const PROCESSES = ["discrete", "stable", "central"] as const;

export interface FlowRun {
  process: string;
  model: string;
  engine: string;
  dtype: string;
  steps: number;
  seconds: number;
  gradients: number;
  hvps: number;
  thirds: number;
  calls: number;
}

/** Runs one process in a child Node process; `engine` is an engine name or BASELINE_LABEL. */
function runChild(process_: string, model: "small" | "mnist", steps: number, engine: string, baseline: string | null): FlowRun {
  const args = ["--import", "tsx", join(__dirname, "bench-run.ts"), "--process", process_, "--model", model, "--steps", String(steps)];
  if (engine === BASELINE_LABEL) args.push("--dist", baseline as string);
  else args.push("--engine", engine);
  const r = spawnSync(process.execPath, args, { encoding: "utf8", maxBuffer: 1 << 24, env: { ...process.env, FLOWLAB_ENGINE: "" } });
  if (r.status !== 0) throw new Error(`bench run ${process_}/${model}/${engine} failed:\n${r.stderr}`);
  const line = r.stdout.trim().split("\n").pop() as string;
  const out = JSON.parse(line) as Omit<FlowRun, "engine"> & { engine: string };
  return { ...out, engine: engine === BASELINE_LABEL ? BASELINE_LABEL : out.engine };
}

/** The baseline build's dist/ from FLOWLAB_BENCH_BASELINE, or null (with the reason) when absent. */
export function baselineDist(): { dir: string | null; note: string } {
  const dir = process.env.FLOWLAB_BENCH_BASELINE;
  if (!dir) return { dir: null, note: `${BASELINE_LABEL} column skipped: set FLOWLAB_BENCH_BASELINE to the dist/ of a build of ${BASELINE_LABEL}` };
  if (!existsSync(join(dir, "flows", "index.js"))) throw new Error(`FLOWLAB_BENCH_BASELINE=${dir}: no flows/index.js there; point it at a compiled dist/ directory`);
  return { dir, note: `${BASELINE_LABEL} = ${dir}` };
}

export interface FlowBenchOptions {
  steps: number;
  largeSteps: number;
  onRun?: (r: FlowRun) => void;
}

export function benchFlowRuns(o: FlowBenchOptions): { runs: FlowRun[]; note: string } {
  const { dir, note } = baselineDist();
  const engines = ["f64", "tfjs", ...(dir ? [BASELINE_LABEL] : [])];
  const runs: FlowRun[] = [];
  const failures: string[] = [];
  // A failed run (say a child killed on a loaded machine) is reported and the rest still run.
  const run = (p: string, model: "small" | "mnist", steps: number, engine: string): void => {
    try {
      const r = runChild(p, model, steps, engine, dir);
      runs.push(r);
      o.onRun?.(r);
    } catch (e) {
      failures.push((e instanceof Error ? e.message : String(e)).split("\n").slice(0, 3).join(" | "));
    }
  };
  for (const p of PROCESSES) for (const e of engines) run(p, "small", o.steps, e);
  // The large model: both engines against the baseline (the crossover rows show which one auto picks there).
  if (o.largeSteps > 0) for (const p of PROCESSES) for (const e of engines) run(p, "mnist", o.largeSteps, e);
  return { runs, note: failures.length ? `${note}\nFAILED runs:\n  ${failures.join("\n  ")}` : note };
}

export function formatFlowTable(runs: FlowRun[]): string {
  const base = (r: FlowRun): FlowRun | undefined => runs.find((b) => b.engine === BASELINE_LABEL && b.process === r.process && b.model === r.model);
  const header = ["model", "process", "engine", "s total", "ms/step", "HVPs/step", "thirds/step", "calls/step", "× faster than " + BASELINE_LABEL];
  const rows = runs.map((r) => {
    const b = base(r);
    return [
      r.model === "small" ? "swish 8-16-16-1 n128" : "tanh 196-64-64-10 mnist1000",
      r.process,
      `${r.engine}${r.engine === BASELINE_LABEL ? "" : ` (${r.dtype})`}`,
      r.seconds.toFixed(2),
      ((1000 * r.seconds) / r.steps).toFixed(2),
      (r.hvps / r.steps).toFixed(1),
      (r.thirds / r.steps).toFixed(1),
      (r.calls / r.steps).toFixed(1),
      b && r.engine !== BASELINE_LABEL ? (b.seconds / r.seconds).toFixed(2) : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
