/**
 * The simple losses on which the Corridor Learning Rate h = E/‖g‖² can be solved by hand (r = aᵀθ − b):
 *   |r|        g = sign(r)·a, H = 0 (a corridor everywhere off the hyperplane):
 *              h = |r|/‖a‖², so r' = r − h·sign(r)·‖a‖² = 0: one step lands on the solution hyperplane.
 *   ½r²        g = r·a, H = a aᵀ: h = 1/(2‖a‖²), so r' = r/2: the residual halves each step
 *              (Polyak with c = ½, h = 2E/‖g‖², is the Newton step and lands in one).
 *   ½θᵀΛθ      an ill-conditioned quadratic, Λ = diag(λ₁, λ₂): h = ½Σλᵢθᵢ² / Σλᵢ²θᵢ² ∈ [1/2λ_max, 1/2λ_min].
 */
import { tf } from "../../backend";
import { columns, vec2, type Sym2, type Toy2D, type Vec } from "./toy";

export interface ResidualToy extends Toy2D {
  /** r(θ) = aᵀθ − b. */
  residual(p: Vec): number;
}

function linearResidual(a: [number, number], b: number): (p: Vec) => number {
  return (p) => a[0] * p[0] + a[1] * p[1] - b;
}

function tfResidual(W: tf.Tensor2D, a: [number, number], b: number): tf.Tensor1D {
  const [x, y] = columns(W);
  return tf.sub(tf.add(tf.mul(x, a[0]), tf.mul(y, a[1])), b) as tf.Tensor1D;
}

/** E = |aᵀθ − b|. */
export function absResidual(a: [number, number], b: number): ResidualToy {
  const residual = linearResidual(a, b);
  return {
    name: "abs_residual",
    residual,
    value: (p) => Math.abs(residual(p)),
    grad: (p) => {
      const sg = Math.sign(residual(p));
      return vec2(sg * a[0], sg * a[1]);
    },
    hessian: (): Sym2 => ({ xx: 0, xy: 0, yy: 0 }),
    tfValues: (W) => tf.abs(tfResidual(W, a, b)),
  };
}

/** E = ½(aᵀθ − b)². */
export function halfSquareResidual(a: [number, number], b: number): ResidualToy {
  const residual = linearResidual(a, b);
  return {
    name: "half_square_residual",
    residual,
    value: (p) => 0.5 * residual(p) ** 2,
    grad: (p) => {
      const r = residual(p);
      return vec2(r * a[0], r * a[1]);
    },
    hessian: (): Sym2 => ({ xx: a[0] * a[0], xy: a[0] * a[1], yy: a[1] * a[1] }),
    tfValues: (W) => tf.mul(tf.square(tfResidual(W, a, b)), 0.5) as tf.Tensor1D,
  };
}

/** E = ½(λ₁x² + λ₂y²). */
export function diagonalQuadratic(l1: number, l2: number): Toy2D {
  if (!(l1 > 0 && l2 > 0)) throw new Error(`quadratic: eigenvalues must be positive, got ${l1}, ${l2}`);
  return {
    name: "quadratic",
    value: (p) => 0.5 * (l1 * p[0] * p[0] + l2 * p[1] * p[1]),
    grad: (p) => vec2(l1 * p[0], l2 * p[1]),
    hessian: (): Sym2 => ({ xx: l1, xy: 0, yy: l2 }),
    tfValues: (W) => {
      const [x, y] = columns(W);
      return tf.mul(tf.add(tf.mul(tf.square(x), l1), tf.mul(tf.square(y), l2)), 0.5) as tf.Tensor1D;
    },
  };
}
