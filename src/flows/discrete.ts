/**
 * The discrete process: the real optimizer. Row t holds L(w_t) and the effective eigenvalues at the midpoint
 * (w_t + w_{t+1})/2 with the state averaged over the two updates around it: the raw iterate oscillates
 * across the valley at the edge of stability, and warm starts only work on the smooth midpoint sequence.
 */
import { EigenTracker } from "../curvature/tracker";
import { runFlow } from "./run";
import { averageState } from "./state";
import { checkFinite, checkFiniteVec, solveOrDiverge, validateOptions, validateProblem, type FlowCarry, type FlowOptions, type FlowProblem, type FlowProcess, type FlowResult, type FlowRow, type FlowStep } from "./types";

export function discreteInit(problem: FlowProblem, options: FlowOptions): FlowCarry {
  validateProblem(problem);
  const o = validateOptions(options, problem.D.dim);
  const { D, rule } = problem;
  const w = Float64Array.from(problem.w0);
  const started = Date.now();
  return {
    process: "discrete",
    problem,
    options: o,
    t: 0,
    w,
    state: problem.state0 ?? rule.init(w.length),
    at: D.lossAndGrad(w),
    tracker: new EigenTracker({ k: o.k, growAbove: Infinity, maxK: o.k, tol: o.eigTol, seed: o.seed }),
    seconds: (Date.now() - started) / 1000,
    worstComplementarity: 0,
  };
}

export function discreteStep(carry: FlowCarry): FlowStep {
  const started = Date.now();
  const { problem, options: o, t, w, state: s } = carry;
  const { D, rule } = problem;
  const cur = carry.at ?? D.lossAndGrad(w);
  checkFinite("discrete", t, "loss", cur.loss);
  const { w: w1, state: s1, lr } = rule.step(s, { w, g: cur.grad, loss: cur.loss }); // w1 [dim]
  checkFiniteVec("discrete", t, "w", w1);
  const next = D.lossAndGrad(w1);
  // The state that will precondition step t+1, to average with the one that preconditioned step t.
  const sAfter = rule.preconditioned ? averageState(s1, rule.updateState(s1, next.grad)) : s1;
  const mid = w.map((x, i) => 0.5 * (x + w1[i])); // [dim]
  const P = rule.preconditioned ? rule.precond(sAfter, w.length) : undefined; // [dim]
  const tracker = carry.tracker.clone();
  const spec = solveOrDiverge("discrete", t, () => tracker.solve(D, mid, P));
  const row: FlowRow = { step: t, loss: cur.loss, eigs: Array.from(spec.values.slice(0, o.k)), loss_mid: D.loss(mid), lr };
  return { carry: { ...carry, t: t + 1, w: w1, state: s1, at: next, tracker, seconds: carry.seconds + (Date.now() - started) / 1000 }, row };
}

export const DISCRETE: FlowProcess = { name: "discrete", init: discreteInit, step: discreteStep };

export function discrete(problem: FlowProblem, options: FlowOptions): FlowResult {
  return runFlow(DISCRETE, problem, options);
}
