/**
 * The stable flow: dw/dt = −P(s)⁻¹∇L(w), ds/dt = the optimizer state's ODE with E[g²] = g⊙g (for GD this is
 * gradient flow). n = max(1, ⌈λ_max/κ⌉) substeps per unit time (κ = stableStepScale, 0.5 by default), so
 * the step stays well inside the stability region of the flow itself; a flow needing more than maxSubsteps
 * (10⁴) per unit time stops with a DivergenceError. Starts from the state after one update.
 *
 * integrator "euler" (default): the reference implementation's scheme; with κ = 0.5 it is first-order
 * accurate only (below the edge it tracks GD rather than gradient flow). integrator "rk4": classical RK4 on
 * the joint (w, ν, step) vector (flows/ode.ts), an accurate gradient flow.
 */
import { EigenTracker } from "../curvature/tracker";
import { DivergenceError } from "../divergence";
import type { Vec } from "../linalg/vec";
import type { OptState } from "../optim/rule";
import { rk4Step } from "./ode";
import { runFlow } from "./run";
import { eulerState } from "./state";
import { checkFinite, checkFiniteVec, solveOrDiverge, validateOptions, validateProblem, type FlowCarry, type FlowOptions, type FlowProblem, type FlowProcess, type FlowResult, type FlowRow, type FlowStep } from "./types";

export function stableInit(problem: FlowProblem, options: FlowOptions): FlowCarry {
  validateProblem(problem);
  const o = validateOptions(options, problem.D.dim);
  const { D, rule } = problem;
  if (!rule.preconditioned) throw new Error(`the stable flow needs a preconditioned update rule (w' = w − P⁻¹g); ${rule.name} is not one`);
  const started = Date.now();
  const w = Float64Array.from(problem.w0);
  const at = D.lossAndGrad(w);
  return {
    process: "stable",
    problem,
    options: o,
    t: 0,
    w,
    state: rule.updateState(problem.state0 ?? rule.init(w.length), at.grad),
    at,
    tracker: new EigenTracker({ k: o.k, growAbove: Infinity, maxK: o.k, tol: o.eigTol, seed: o.seed }),
    seconds: (Date.now() - started) / 1000,
    worstComplementarity: 0,
  };
}

export function stableStep(carry: FlowCarry): FlowStep {
  const started = Date.now();
  const { problem, options: o, t } = carry;
  const { D, rule } = problem;
  const dim = D.dim;
  let w = carry.w; // [dim]
  let s = carry.state;
  let cur = carry.at ?? D.lossAndGrad(w);
  checkFinite("stable", t, "loss", cur.loss);
  const tracker = carry.tracker.clone();
  const spec = solveOrDiverge("stable", t, () => tracker.solve(D, w, rule.precond(s, dim)));
  const needed = Math.ceil(spec.values[0] / o.stableStepScale);
  if (!(needed <= o.maxSubsteps)) {
    throw new DivergenceError("stable", t, "substeps per unit time (λ_max/stableStepScale)", needed, `λ_max = ${spec.values[0]}; the cap is maxSubsteps = ${o.maxSubsteps}: learning rate too large?`);
  }
  const n = Math.max(1, needed);
  const row: FlowRow = { step: t, loss: cur.loss, eigs: Array.from(spec.values.slice(0, o.k)), substeps: n };
  const dt = 1 / n;
  if (o.integrator === "rk4") {
    ({ w, s } = rk4Substeps(carry, w, s, n));
  } else {
    for (let j = 0; j < n; j++) {
      if (j > 0) cur = D.lossAndGrad(w);
      const P = rule.precond(s, dim); // [dim]
      const g = cur.grad; // [dim]
      w = w.map((x, i) => x - (dt * g[i]) / P[i]);
      s = eulerState(s, rule.stateRate(s, g.map((x) => x * x)), dt);
    }
  }
  checkFiniteVec("stable", t, "w", w);
  const at = D.lossAndGrad(w);
  return { carry: { ...carry, t: t + 1, w, state: s, at, tracker, seconds: carry.seconds + (Date.now() - started) / 1000 }, row };
}

/**
 * n RK4 steps of length 1/n on y = [w, ν, step] (the state's other buffers do not move in the flows):
 *     dw/dt = −P(s)⁻¹ ∇L(w),   ds/dt = stateRate(s, ∇L(w)⊙²).
 */
function rk4Substeps(carry: FlowCarry, w0: Vec, s0: OptState, n: number): { w: Vec; s: OptState } {
  const { D, rule } = carry.problem;
  const dim = D.dim;
  const m = s0.nu.length;
  const pack = (w: Vec, s: OptState): Vec => {
    const y = new Float64Array(dim + m + 1); // [w (dim), ν (m), step (1)]
    y.set(w, 0);
    y.set(s.nu, dim);
    y[dim + m] = s.step;
    return y;
  };
  const unpackState = (y: Vec): OptState => ({ step: y[dim + m], nu: y.slice(dim, dim + m), buf: s0.buf });
  const field = (y: Vec): Vec => {
    const w = y.subarray(0, dim);
    const s = unpackState(y);
    const g = D.lossAndGrad(Float64Array.from(w)).grad; // [dim]
    const P = rule.precond(s, dim); // [dim]
    const dy = new Float64Array(y.length);
    for (let i = 0; i < dim; i++) dy[i] = -g[i] / P[i];
    const ds = rule.stateRate(s, g.map((x) => x * x));
    if (ds) {
      dy.set(ds.nu.length === m ? ds.nu : new Float64Array(m), dim);
      dy[dim + m] = ds.step;
    }
    return dy;
  };
  let y = pack(w0, s0);
  for (let j = 0; j < n; j++) y = rk4Step(field, y, 1 / n);
  return { w: y.slice(0, dim), s: unpackState(y) };
}

export const STABLE: FlowProcess = { name: "stable", init: stableInit, step: stableStep };

export function stable(problem: FlowProblem, options: FlowOptions): FlowResult {
  return runFlow(STABLE, problem, options);
}
