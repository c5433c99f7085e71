/** `flowlab flow`: run the discrete optimizer, the stable flow and the central flow on a problem directory. */
import { initBackend } from "../runtime";
import { derivatives } from "../autodiff/select";
import { loadProblem, optimizerSpecOf, problemObjective } from "../data/problem";
import { FLOWS, PROCESSES, validateOptions, type ProcessName } from "../flows/index";
import { ruleFromSpec } from "../optim/spec";
import { writeFlowOutputs } from "../flows/output";
import { Progress } from "../progress";
import { parseFlags, UsageError, type FlagSpec } from "./args";

export const spec: Record<string, FlagSpec> = {
  problem: { kind: "string", help: "problem directory (problem.json, X.npy, y.npy, w0.npy)", required: true },
  which: { kind: "list", help: `processes to run, comma-separated: ${PROCESSES.join(",")} (default all)` },
  steps: { kind: "int", help: "units of time (default: problem.json steps)" },
  k: { kind: "int", help: "eigenvalues to report (default: problem.json k)" },
  out: { kind: "string", help: "output directory for <process>.csv and w_final_<process>.npy", required: true },
};
export const summary = "run discrete / stable / central processes on a problem and write CSV + .npy outputs";

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  const which = (flags.which as string[] | undefined) ?? [...PROCESSES];
  for (const w of which) {
    if (!(PROCESSES as readonly string[]).includes(w)) throw new UsageError(`--which: '${w}' is not a process; allowed: ${PROCESSES.join(", ")}`);
  }
  const problem = loadProblem(flags.problem as string);
  const steps = (flags.steps as number | undefined) ?? problem.spec.steps;
  const k = (flags.k as number | undefined) ?? problem.spec.k;
  // Everything checked before any computation: the flows' options against the number of parameters.
  const dim = problem.w0.length;
  if (!(Number.isInteger(k) && k >= 1 && k <= dim)) throw new UsageError(`--k must be an integer in [1, ${dim}] (the number of parameters), got ${k}`);
  if (!(Number.isInteger(steps) && steps >= 0)) throw new UsageError(`--steps must be an integer ≥ 0, got ${steps}`);
  validateOptions({ steps, k }, dim);
  const rule = ruleFromSpec(optimizerSpecOf(problem.spec.optimizer));
  await initBackend();
  const objective = problemObjective(problem);
  try {
    for (const name of which as ProcessName[]) {
      const D = derivatives(objective);
      const bar = new Progress(name, steps);
      const result = FLOWS[name]({ D, rule, w0: problem.w0 }, {
        steps,
        k,
        onStep: (t, _w, _s, row) => bar.update(t + 1, `loss ${row.loss.toPrecision(5)}  λ1 ${row.eigs[0]?.toFixed(4)}`),
      });
      bar.finish(`${result.seconds.toFixed(1)}s, ${(result.counters.hvps / Math.max(1, steps)).toFixed(1)} HVPs/step, ${(result.counters.thirds / Math.max(1, steps)).toFixed(1)} third-derivative vectors/step`);
      const files = writeFlowOutputs(flags.out as string, result, k);
      console.log(`${name}: wrote ${files.join(", ")}`);
    }
  } finally {
    objective.dispose();
  }
  return 0;
}
