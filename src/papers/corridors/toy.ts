/**
 * Two-dimensional toy losses, each defined once in float64 (value, gradient, Hessian in closed form) and
 * once in tf ops (for the shared derivative machinery); the tests check the two agree. The 2-D pictures
 * and the GD-versus-flow comparisons use the float64 form: rounding then sits at 1e-16, not 1e-7.
 *
 * Corridor quantities at a point θ, with g = ∇E and H = ∇²E:
 *   H g = ½ ∇‖g‖²                               zero exactly on a corridor
 *   corridor-ness c(θ) = ‖H g‖ / (‖H‖₂ ‖g‖) ∈ [0, 1]   0 in a corridor, 1 when g is a top eigenvector of H
 */
import { tf } from "../../backend";
import type { Objective } from "../../models/objective";

import type { Vec } from "../../linalg/vec";

export type { Vec };

/** A symmetric 2×2 matrix [[xx, xy], [xy, yy]]. */
export interface Sym2 {
  xx: number;
  xy: number;
  yy: number;
}

export interface Toy2D {
  readonly name: string;
  value(p: Vec): number;
  grad(p: Vec): Vec;
  hessian(p: Vec): Sym2;
  /** The same loss in tf ops: rows of W [E, 2] ↦ values [E]. */
  tfValues(W: tf.Tensor2D): tf.Tensor1D;
}

export const vec2 = (x: number, y: number): Vec => Float64Array.of(x, y);

export function matVec(H: Sym2, v: Vec): Vec {
  return vec2(H.xx * v[0] + H.xy * v[1], H.xy * v[0] + H.yy * v[1]);
}

/** Spectral norm ‖H‖₂ = max |λ| of a symmetric 2×2 matrix. */
export function spectralNorm(H: Sym2): number {
  const mean = (H.xx + H.yy) / 2;
  const radius = Math.hypot((H.xx - H.yy) / 2, H.xy);
  return Math.max(Math.abs(mean + radius), Math.abs(mean - radius));
}

/** H(θ) g(θ), the drift between GD and gradient flow (GF − GD = (h²/2) H g + O(h³)). */
export function hessGrad(toy: Toy2D, p: Vec): Vec {
  return matVec(toy.hessian(p), toy.grad(p));
}

/**
 * ‖Hg‖ / (‖H‖ ‖g‖) ∈ [0, 1], taken as 0 where H or g vanishes (a corridor, or a critical point): 0 in a corridor
 * (H g = 0), 1 where g is a top eigenvector of H. Figures show corridor-ness = 1 − this ratio (high = corridor).
 */
export function hgRatio(toy: Toy2D, p: Vec): number {
  const H = toy.hessian(p);
  const g = toy.grad(p);
  const denom = spectralNorm(H) * Math.hypot(g[0], g[1]);
  if (denom === 0) return 0;
  const Hg = matVec(H, g);
  return Math.hypot(Hg[0], Hg[1]) / denom;
}

/** The toy as an Objective (dim 2) for tfDerivatives. */
export function toyObjective(toy: Toy2D): Objective {
  return { dim: 2, values: (W) => toy.tfValues(W) };
}

/** Columns x = W[:, 0] and y = W[:, 1] of an ensemble of 2-D points, each [E]. */
export function columns(W: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D] {
  const E = W.shape[0];
  return [tf.reshape(tf.slice(W, [0, 0], [E, 1]), [E]), tf.reshape(tf.slice(W, [0, 1], [E, 1]), [E])];
}
