/**
 * Gradient flow dw/dt = −∇L(w) by RK4 with the step the authors' code uses,
 *     dt = min(α / S, maxStep),   S = sharpness at the start of each advance,
 * so the step shrinks as the flow sharpens and RK4 stays well inside its stability interval (α = 1 < 2.78).
 * An advance is split into equal steps no longer than dt, so it lands exactly on its end time; each RK4 step
 * costs four gradients. The integration itself is flows/ode.ts's `integrate` (the one RK4); the stable flow
 * (src/flows/stable.ts) with `integrator: "rk4"` integrates the same ODE in optimizer-step units.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { DivergenceError } from "../../divergence";
import { integrate } from "../../flows/ode";
import { firstNonFinite } from "../../linalg/vec";

export interface FlowOptions {
  /** Step size in units of 1/S. Default 1. */
  alpha?: number;
  /** Largest step, for the flat start. Default Infinity. */
  maxStep?: number;
}

export class GradientFlow {
  /** Current time and point. */
  time = 0;
  w: Vec;
  /** RK4 steps taken. */
  rkSteps = 0;
  private readonly alpha: number;
  private readonly maxStep: number;

  constructor(
    private readonly D: Derivatives,
    w0: Vec,
    opts: FlowOptions = {},
  ) {
    this.w = Float64Array.from(w0);
    this.alpha = opts.alpha ?? 1;
    this.maxStep = opts.maxStep ?? Number.POSITIVE_INFINITY;
    if (!(this.alpha > 0)) throw new Error(`alpha must be positive, got ${this.alpha}`);
    if (!(this.maxStep > 0)) throw new Error(`maxStep must be positive, got ${this.maxStep}`);
  }

  /** Integrates from the current time to time + duration; `sharpness` is S at the current point. */
  advance(duration: number, sharpness: number): void {
    if (!(duration >= 0)) throw new Error(`duration must be non-negative, got ${duration}`);
    if (!(sharpness > 0 && Number.isFinite(sharpness))) throw new DivergenceError("gradient flow", this.time, "sharpness", sharpness, "it must be a positive number");
    const dt = Math.min(this.alpha / sharpness, this.maxStep);
    const end = this.time + duration;
    const field = (w: Vec): Vec => {
      const g = this.D.lossAndGrad(w).grad;
      return g.map((x) => -x);
    };
    // A relative slack keeps a duration that is a whole number of dt from taking one extra step.
    const steps = Math.max(1, Math.ceil(duration / dt - 1e-9));
    // The one fixed-step integrator (flows/ode.ts), recording only the end point.
    const path = integrate(field, this.w, duration, steps, "rk4", steps);
    this.w = path.y[path.y.length - 1];
    this.rkSteps += steps;
    const bad = firstNonFinite(this.w);
    if (bad >= 0) throw new DivergenceError("gradient flow", end, `w[${bad}]`, this.w[bad]);
    this.time = end;
  }
}
