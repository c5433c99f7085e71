/**
 * Trajectories on a 2-D toy, in float64: an update rule from src/optim (GD, CLR, Polyak) and gradient flow
 * dθ/dt = −∇E(θ) by RK4. A GD step of size h is compared with the flow at time t = n·h.
 */
import { integrate, type OdePath } from "../../flows/ode";
import { gd } from "../../optim/gd";
import type { UpdateRule } from "../../optim/rule";
import type { Toy2D, Vec } from "./toy";

export interface RulePath {
  /** θ_0 … θ_N. */
  points: Vec[];
  /** E(θ_n) for each point. */
  losses: number[];
  /** Step size used at each step (N entries): h for GD, the CLR/Polyak value otherwise. */
  lrs: number[];
}

/**
 * Runs `rule` from p0 for `steps` steps, stopping early once the loss is not finite (divergence) or
 * falls to `lossFloor` (reached the minimum value to rounding; CLR's h would be 0/0 beyond it).
 */
export function runRule(toy: Toy2D, rule: UpdateRule, p0: Vec, steps: number, lossFloor = 0): RulePath {
  let w = Float64Array.from(p0);
  let state = rule.init(2);
  const path: RulePath = { points: [w], losses: [toy.value(w)], lrs: [] };
  for (let n = 0; n < steps; n++) {
    const loss = path.losses[n];
    if (!Number.isFinite(loss) || loss <= lossFloor) break;
    const res = rule.step(state, { w, g: toy.grad(w), loss });
    w = Float64Array.from(res.w);
    state = res.state;
    path.points.push(w);
    path.losses.push(toy.value(w));
    path.lrs.push(res.lr);
  }
  return path;
}

/** GD with step h (src/optim's rule). */
export function gdPath(toy: Toy2D, p0: Vec, h: number, steps: number): RulePath {
  return runRule(toy, gd(h), p0, steps);
}

/** Negative gradient field of `grad` (defaults to the toy's own gradient). */
export function descentField(grad: (p: Vec) => Vec): (p: Vec) => Vec {
  return (p) => grad(p).map((v) => -v);
}

/** Gradient flow over [0, duration] by RK4 with step dt ≈ maxDt, recording about every `recordDt`. */
export function flowPath(toy: Toy2D, p0: Vec, duration: number, maxDt = 1e-3, recordDt = maxDt, grad = toy.grad): OdePath {
  const steps = Math.max(1, Math.ceil(duration / maxDt));
  const recordEvery = Math.max(1, Math.round(recordDt / (duration / steps)));
  return integrate(descentField(grad), p0, duration, steps, "rk4", recordEvery);
}

/** The gradient-flow point at time t (RK4 with `substeps` steps). */
export function flowAt(toy: Toy2D, p0: Vec, t: number, substeps: number, grad = toy.grad): Vec {
  const path = integrate(descentField(grad), p0, t, substeps, "rk4", substeps);
  return path.y[path.y.length - 1];
}

export function distance(a: Vec, b: Vec): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}
