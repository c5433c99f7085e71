/**
 * The stable flow: dw/dt = −P(s)⁻¹∇L(w), ds/dt = the optimizer state's ODE with E[g²] = g⊙g (for GD this is
 * gradient flow). Euler with n = max(1, ⌈λ_max/κ⌉) substeps per unit time (κ = 0.5 by default), so the
 * step stays well inside the stability region of the flow itself. Starts from the state after one update.
 */
import type { Vec } from "../autodiff/derivatives";
import { eulerState } from "./state";
import { EigenTracker } from "./tracker";
import { checkFinite, checkFiniteVec, snapshotCounters, validateOptions, type FlowOptions, type FlowProblem, type FlowResult, type FlowRow } from "./types";

export function stable(problem: FlowProblem, options: FlowOptions): FlowResult {
  const o = validateOptions(options);
  const { D, rule } = problem;
  if (!rule.preconditioned) throw new Error(`the stable flow needs a preconditioned update rule (w' = w − P⁻¹g); ${rule.name} is not one`);
  const started = Date.now();
  const tracker = new EigenTracker({ k: o.k, growAbove: Infinity, maxK: o.k, tol: o.eigTol, seed: o.seed });
  const rows: FlowRow[] = [];
  let w: Vec = Float64Array.from(problem.w0);
  let cur = D.lossAndGrad(w);
  let s = rule.updateState(problem.state0 ?? rule.init(w.length), cur.grad);
  for (let t = 0; t < o.steps; t++) {
    checkFinite("stable", t, "loss", cur.loss);
    const spec = tracker.solve(D, w, rule.precond(s, w.length));
    const n = Math.max(1, Math.ceil(spec.values[0] / o.stableStepScale));
    const row: FlowRow = { step: t, loss: cur.loss, eigs: Array.from(spec.values.slice(0, o.k)), substeps: n };
    rows.push(row);
    const dt = 1 / n;
    for (let j = 0; j < n; j++) {
      if (j > 0) cur = D.lossAndGrad(w);
      const P = rule.precond(s, w.length);
      const g = cur.grad;
      w = w.map((x, i) => x - (dt * g[i]) / P[i]);
      s = eulerState(s, rule.stateRate(s, g.map((x) => x * x)), dt);
    }
    checkFiniteVec("stable", t, "w", w);
    cur = D.lossAndGrad(w);
    o.onStep?.(t, w, s, row);
  }
  return { process: "stable", rows, wFinal: w, stateFinal: s, counters: snapshotCounters(D), seconds: (Date.now() - started) / 1000 };
}
