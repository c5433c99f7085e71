/**
 * The discrete process: the real optimizer. Row t holds L(w_t) and the effective eigenvalues at the midpoint
 * (w_t + w_{t+1})/2 with the state averaged over the two updates around it: the raw iterate oscillates
 * across the valley at the edge of stability, and warm starts only work on the smooth midpoint sequence.
 */
import type { Vec } from "../autodiff/derivatives";
import { averageState } from "./state";
import { EigenTracker } from "./tracker";
import { checkFinite, checkFiniteVec, snapshotCounters, validateOptions, type FlowOptions, type FlowProblem, type FlowResult, type FlowRow } from "./types";

export function discrete(problem: FlowProblem, options: FlowOptions): FlowResult {
  const o = validateOptions(options);
  const { D, rule } = problem;
  const started = Date.now();
  const tracker = new EigenTracker({ k: o.k, growAbove: Infinity, maxK: o.k, tol: o.eigTol, seed: o.seed });
  const rows: FlowRow[] = [];
  let w: Vec = Float64Array.from(problem.w0);
  let s = problem.state0 ?? rule.init(w.length);
  let cur = D.lossAndGrad(w);
  for (let t = 0; t < o.steps; t++) {
    checkFinite("discrete", t, "loss", cur.loss);
    const { w: w1, state: s1, lr } = rule.step(s, { w, g: cur.grad, loss: cur.loss });
    checkFiniteVec("discrete", t, "w", w1);
    const next = D.lossAndGrad(w1);
    // The state that will precondition step t+1, to average with the one that preconditioned step t.
    const sAfter = rule.preconditioned ? averageState(s1, rule.updateState(s1, next.grad)) : s1;
    const mid = w.map((x, i) => 0.5 * (x + w1[i]));
    const P = rule.preconditioned ? rule.precond(sAfter, w.length) : undefined;
    const spec = tracker.solve(D, mid, P);
    const row: FlowRow = { step: t, loss: cur.loss, eigs: Array.from(spec.values.slice(0, o.k)), loss_mid: D.loss(mid), lr };
    rows.push(row);
    w = w1;
    s = s1;
    cur = next;
    o.onStep?.(t, w, s, row);
  }
  return { process: "discrete", rows, wFinal: w, stateFinal: s, counters: snapshotCounters(D), seconds: (Date.now() - started) / 1000 };
}
