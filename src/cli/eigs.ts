/**
 * `flowlab eigs --problem DIR`: the top-k eigenvalues of the effective Hessian P^{-1/2} H P^{-1/2} at w0,
 * in the units of the problem-format CSVs (stable while below 2). The preconditioner is the optimizer's
 * after one update with g(w0), the state every flow starts from:
 *   GD:               P = I/η                        → η·λ(H)
 *   RMSProp:          P = diag((√ν̂ + ε)/η),  ν = (1−β2) g⊙²   (ν̂ = g⊙² with bias correction)
 *   Scalar RMSProp:   P = (√ν̂ + ε)/η · I,     ν = (1−β2) ‖g‖²
 */
import { initBackend } from "../runtime";
import { derivatives } from "../autodiff/select";
import { effectiveHessian, topEigs } from "../curvature";
import { loadProblem, optimizerSpecOf, problemObjective } from "../data/problem";
import { ruleFromSpec } from "../optim/spec";
import { parseFlags, UsageError, type FlagSpec } from "./args";

export const spec: Record<string, FlagSpec> = {
  problem: { kind: "string", arg: "DIR", help: "problem directory (problem.json, X.npy, y.npy, w0.npy)", required: true },
  k: { kind: "int", arg: "K", help: "number of eigenvalues (default: the problem's k)" },
  tol: { kind: "number", arg: "TOL", help: "relative residual tolerance ‖Ax − λx‖ ≤ tol·(|λ| + ‖Ax‖) (default 1e-5)" },
  json: { kind: "boolean", help: 'print one JSON object {"eigenvalues": [...], "hvps": N}' },
};

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  const problem = loadProblem(flags.problem as string);
  const k = (flags.k as number | undefined) ?? problem.spec.k;
  const dim = problem.w0.length;
  if (!(Number.isInteger(k) && k >= 1 && k <= dim)) throw new UsageError(`--k must be an integer in [1, ${dim}] (the number of parameters), got ${k}`);
  const tol = flags.tol as number | undefined;
  if (tol !== undefined && !(tol > 0 && tol < 1)) throw new UsageError(`--tol must be in (0, 1), got ${tol}`);
  const rule = ruleFromSpec(optimizerSpecOf(problem.spec.optimizer));
  await initBackend();

  const objective = problemObjective(problem);
  try {
    const D = derivatives(objective);
    const w0 = problem.w0;
    const state = rule.updateState(rule.init(D.dim), D.lossAndGrad(w0).grad);
    const P = rule.precond(state, D.dim);
    const r = topEigs(effectiveHessian(D, w0, P), { k, tol });
    if (!r.converged) {
      console.error(`flowlab eigs: warning: not converged after ${r.iterations} iterations (residuals ${[...r.residuals].map((x) => x.toExponential(1)).join(", ")})`);
    }
    const eigenvalues = Array.from(r.values);
    if (flags.json) {
      console.log(JSON.stringify({ eigenvalues, hvps: D.counters.hvps }));
    } else {
      console.log(`effective Hessian eigenvalues at w0 (${rule.name}, lr ${rule.lr}; stable below 2):`);
      eigenvalues.forEach((v, i) => console.log(`  eig_${i + 1}  ${v.toPrecision(10)}`));
      console.log(`hvps ${D.counters.hvps} (${r.iterations} iterations, residuals ≤ ${Math.max(...r.residuals).toExponential(1)})`);
    }
    return 0;
  } finally {
    objective.dispose();
  }
}
