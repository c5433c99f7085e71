/**
 * `flowlab flow`: run the discrete optimizer, the stable flow and the central flow on a problem directory.
 * Every input is checked before any computation (flags, the problem files, the output folder); the outputs are
 * written to a temporary folder beside --out and moved into place as a whole with a run.json, so --out never
 * holds a partial set or a mix of two runs.
 */
import { join, resolve } from "node:path";
import { stageDir, writeJsonAtomic } from "../atomic";
import { backendInfo } from "../backend";
import { initBackend } from "../runtime";
import { derivatives } from "../autodiff/select";
import { loadProblem, optimizerSpecOf, problemHash, problemObjective } from "../data/problem";
import { FLOWS, PROCESSES, validateOptions, type ProcessName } from "../flows/index";
import { ruleFromSpec } from "../optim/spec";
import { isFlowOutputFile, RUN_JSON, writeFlowOutputs } from "../flows/output";
import { projectRoot } from "../lab/cache";
import { gitCommit } from "../lab/manifest";
import { Progress } from "../progress";
import { VERSION } from "../version";
import { parseFlags, UsageError, type FlagSpec } from "./args";

export const spec: Record<string, FlagSpec> = {
  problem: { kind: "string", help: "problem directory (problem.json, X.npy, y.npy, w0.npy)", required: true },
  which: { kind: "list", help: `processes to run, comma-separated: ${PROCESSES.join(",")} (default all)` },
  steps: { kind: "int", help: "units of time (default: problem.json steps)" },
  k: { kind: "int", help: "eigenvalues to report, 1..number of parameters (default: problem.json k)" },
  out: {
    kind: "string",
    help: "output folder: <process>.csv, w_final_<process>.npy and run.json, moved into place only when the whole set is complete",
    required: true,
  },
  force: { kind: "boolean", help: "replace an --out that holds a previous run, as a whole (without it, such an --out is refused)" },
  "sdcp-pairs": {
    kind: "string",
    help: "central flow: eigenpairs in each substep's SDCP once one is at the edge: active (default, the pairs above the edge) or tracked (every tracked pair, the float64 reference's discretization)",
  },
};
export const summary = "run discrete / stable / central processes on a problem and write CSV + .npy outputs";
export const extras = {
  notes: [
    "Outputs: <process>.csv and w_final_<process>.npy for each process, and run.json (problem sha256, options, flowlab version and commit, engine and backend, start and end time). " +
      "Everything is checked before the computation starts (flags, problem files, --out). The set is written to a temporary folder beside --out and moved into place only when complete: a failed or interrupted run leaves --out as it was.",
    "An --out holding a previous run is refused unless --force is given; with --force it is replaced as a whole, never mixed with the new run. A folder holding other files is always refused.",
  ],
};

/** Parses --which: known processes, each once, at least one. */
function parseWhich(value: string[] | undefined): ProcessName[] {
  if (value === undefined) return [...PROCESSES];
  if (value.length === 0) throw new UsageError(`--which: no process given; allowed: ${PROCESSES.join(", ")}`);
  const seen = new Set<string>();
  for (const w of value) {
    if (!(PROCESSES as readonly string[]).includes(w)) throw new UsageError(`--which: '${w}' is not a process; allowed: ${PROCESSES.join(", ")}`);
    if (seen.has(w)) throw new UsageError(`--which: '${w}' is given twice`);
    seen.add(w);
  }
  return value as ProcessName[];
}

/**
 * Runs `commit` with SIGINT/SIGTERM deferred: a signal during the final renames is handled after them (the
 * set is then complete), instead of killing the process between moving the old run away and the new one in.
 */
function withSignalsDeferred(commit: () => void): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    process.exitCode = signal === "SIGINT" ? 130 : 143;
    console.error(`flowlab flow: ${signal} after the outputs were complete; they are in place`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    commit();
  } finally {
    setImmediate(() => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  const startedAt = new Date().toISOString();
  const flags = parseFlags(argv, spec);
  const which = parseWhich(flags.which as string[] | undefined);
  const out = flags.out as string;
  if (out.trim() === "") throw new UsageError("--out: empty path; give an output folder");
  const problem = loadProblem(flags.problem as string);
  const sha256 = problemHash(flags.problem as string);
  const steps = (flags.steps as number | undefined) ?? problem.spec.steps;
  const k = (flags.k as number | undefined) ?? problem.spec.k;
  const sdcpPairs = (flags["sdcp-pairs"] as string | undefined) ?? "active";
  if (sdcpPairs !== "active" && sdcpPairs !== "tracked") throw new UsageError(`--sdcp-pairs: '${sdcpPairs}' is not one of active, tracked`);
  const dim = problem.model.numParams;
  if (flags.k !== undefined && (k < 1 || k > dim)) throw new UsageError(`--k: ${k} is out of range; the problem's model has ${dim} parameters, so k must be in 1..${dim}`);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new UsageError(`--steps must be an integer ≥ 0, got ${steps}`);
  // The flows' own option checks (k against the number of parameters, …), before any computation.
  validateOptions({ steps, k }, dim);
  const rule = ruleFromSpec(optimizerSpecOf(problem.spec.optimizer));
  // The output folder last among the checks and before any work: a bad --out costs nothing.
  const staged = stageDir(out, { argument: "--out", replace: flags.force === true, replaceFlag: "--force", ownFile: isFlowOutputFile });
  let committed = false;
  try {
    await initBackend();
    const objective = problemObjective(problem);
    const processes: object[] = [];
    let engine: { name: string; dtype: string } | null = null;
    try {
      for (const name of which) {
        const D = derivatives(objective);
        engine = { name: D.engine, dtype: D.dtype };
        const bar = new Progress(name, steps);
        const result = FLOWS[name]({ D, rule, w0: problem.w0 }, {
          steps,
          k,
          sdcpPairs,
          onStep: (t, _w, _s, row) => bar.update(t + 1, `loss ${row.loss.toPrecision(5)}  λ1 ${row.eigs[0]?.toFixed(4)}`),
        });
        bar.finish(`${result.seconds.toFixed(1)}s, ${(result.counters.hvps / Math.max(1, steps)).toFixed(1)} HVPs/step, ${(result.counters.thirds / Math.max(1, steps)).toFixed(1)} third-derivative vectors/step`);
        const files = writeFlowOutputs(staged.path, result, k).map((f) => f.slice(staged.path.length + 1));
        processes.push({ process: name, seconds: result.seconds, counters: result.counters, files });
        console.log(`${name}: done (${files.join(", ")})`);
      }
    } finally {
      objective.dispose();
    }
    const backend = backendInfo();
    writeJsonAtomic(join(staged.path, RUN_JSON), {
      command: "flowlab flow",
      problem: { dir: resolve(flags.problem as string), sha256, spec: problem.spec },
      options: { which, steps, k, sdcpPairs, force: flags.force === true },
      flowlab: { version: VERSION, gitCommit: gitCommit(projectRoot()) },
      engine: { ...engine, tfjs: backend.tfjsVersion, backend: backend.backend, tfjsBackend: backend.tfjsBackend, threads: backend.threads },
      startedAt,
      finishedAt: new Date().toISOString(),
      processes,
    });
    withSignalsDeferred(() => staged.commit());
    committed = true;
    console.log(`wrote ${staged.target} (${which.map((w) => `${w}.csv`).join(", ")}, w_final_*.npy, ${RUN_JSON})`);
  } finally {
    if (!committed) staged.discard();
  }
  return 0;
}
