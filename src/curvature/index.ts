/**
 * Curvature of an objective at a point: the (effective) Hessian as a batched operator, its top eigenpairs,
 * and the third-derivative vectors ∇_w(u_iᵀ H(w) u_j) that the central flow's SDCP is built from.
 */
import type { Derivatives } from "../autodiff/derivatives";
import type { Vec } from "../linalg/vec";

export { denseOperator, effectiveHessian, hessianOperator, type SymOperator } from "./operator";
export { EigenTracker, type Spectrum, type TrackerOptions } from "./tracker";
export { topEigs, type EigOptions, type EigResult } from "./eigs";

/** ∇_w M_ij for M_ij(w) = u_iᵀ H(w) u_j (u frozen), for all i ≤ j. */
export interface ThirdPairs {
  /** Number of vectors u. */
  k: number;
  /** The pairs (i, j), i ≤ j, in row order: (0,0), (0,1), …, (0,k−1), (1,1), … */
  pairs: Array<[number, number]>;
  /** vectors[p] = ∇ M_{pairs[p]}, each of length dim. */
  vectors: Vec[];
  /** ∇ M_ij for any i, j (symmetric: at(j, i) is at(i, j)). */
  at(i: number, j: number): Vec;
}

/** Index of the pair (i, j), i ≤ j, in the row-order list of the upper triangle of a k×k matrix. */
export function pairIndex(i: number, j: number, k: number): number {
  const [a, b] = i <= j ? [i, j] : [j, i];
  if (!(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b < k)) throw new Error(`pairIndex: (${i}, ${j}) is outside a ${k}×${k} matrix`);
  return a * k - (a * (a - 1)) / 2 + (b - a);
}

/** All k(k+1)/2 third-derivative vectors ∇(u_iᵀ H u_j), i ≤ j, in ONE batched `third` call. */
export function thirdPairs(D: Derivatives, w: Vec, us: Vec[]): ThirdPairs {
  const k = us.length;
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) pairs.push([i, j]);
  const vectors = D.third(
    w,
    pairs.map(([i]) => us[i]),
    pairs.map(([, j]) => us[j]),
  );
  return { k, pairs, vectors, at: (i, j) => vectors[pairIndex(i, j, k)] };
}
