/**
 * Gradient descent w' = w − η_t g, with an optional learning-rate schedule η_t; P = I/η.
 * Heavy-ball and Nesterov momentum (β) are discrete-only rules: their stability thresholds are
 * (2 + 2β)/η and (2 + 2β)/((1 + 2β)η) (Cohen et al., 2021, App.).
 */
import type { Vec } from "../autodiff/derivatives";
import { emptyState, positive, preconditionedStep, type OptState, type UpdateRule } from "./rule";

export type Schedule = (step: number) => number;

export const constant = (lr: number): Schedule => () => lr;
/** Linear warm-up over `warmup` steps to lr, then constant. */
export const warmup = (lr: number, steps: number): Schedule => (t) => lr * Math.min(1, (t + 1) / Math.max(1, steps));
/** Cosine decay from lr to lr·floor over `total` steps. */
export const cosine = (lr: number, total: number, floor = 0): Schedule => (t) =>
  lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, total)) / total)));

export function gd(lr: number, schedule?: Schedule): UpdateRule {
  positive("lr", lr);
  const eta = schedule ?? constant(lr);
  const precond = (s: OptState, dim: number): Float64Array => new Float64Array(dim).fill(1 / eta(s.step));
  return {
    name: "gd",
    lr,
    preconditioned: true,
    init: () => emptyState(),
    updateState: (s) => ({ ...s, step: s.step + 1 }),
    precond,
    // P is evaluated at the pre-update counter, so step t uses η_t.
    step: (s, { w, g }) => {
      const lrNow = eta(s.step);
      return { w: preconditionedStep(w, g, new Float64Array(w.length).fill(1 / lrNow)), state: { ...s, step: s.step + 1 }, lr: lrNow };
    },
    stateRate: () => null,
    precondRate: (_s, _ds, dim) => new Float64Array(dim),
  };
}

export type MomentumKind = "heavy_ball" | "nesterov";

/** Momentum GD: b' = βb + g; heavy ball w' = w − ηb', Nesterov w' = w − η(g + βb'). */
export function momentum(lr: number, beta: number, kind: MomentumKind = "heavy_ball"): UpdateRule {
  positive("lr", lr);
  if (!(beta >= 0 && beta < 1)) throw new Error(`beta must be in [0, 1), got ${beta}`);
  if (kind !== "heavy_ball" && kind !== "nesterov") throw new Error(`momentum kind must be heavy_ball or nesterov, got ${kind}`);
  return {
    name: kind,
    lr,
    preconditioned: false,
    init: (dim) => ({ ...emptyState(), buf: new Float64Array(dim) }),
    updateState: (s, g) => ({ ...s, step: s.step + 1, buf: s.buf.map((b, i) => beta * b + g[i]) }),
    precond: (_s, dim) => new Float64Array(dim).fill(1 / lr),
    step: (s, { w, g }) => {
      const buf = s.buf.map((b, i) => beta * b + g[i]);
      const dir: Vec = kind === "heavy_ball" ? buf : buf.map((b, i) => g[i] + beta * b);
      return { w: w.map((wi, i) => wi - lr * dir[i]), state: { ...s, step: s.step + 1, buf }, lr };
    },
    stateRate: () => null,
    precondRate: (_s, _ds, dim) => new Float64Array(dim),
  };
}

/** The largest Hessian eigenvalue a rule tolerates on a quadratic (2/η for GD). */
export function stabilityThreshold(rule: "gd" | MomentumKind, lr: number, beta = 0): number {
  if (rule === "gd") return 2 / lr;
  return rule === "heavy_ball" ? (2 + 2 * beta) / lr : (2 + 2 * beta) / ((1 + 2 * beta) * lr);
}
