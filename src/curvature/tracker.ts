/**
 * Warm-started tracking of the top effective eigenpairs along a trajectory.
 *
 * At each point the effective Hessian A = P^{-1/2} H P^{-1/2} is solved from the previous solve's block, so a
 * step costs a few LOBPCG iterations instead of a cold solve. The tracker also
 *  - returns the generalized eigenvectors u_i = P^{-1/2} y_i (H u = λ P u, uᵀ P u = 1) the flows need;
 *  - grows the number of tracked pairs while the smallest tracked one is still above `growAbove`, so a
 *    cluster of eigenvalues locked at the edge (λ ≈ 2) is never split by the cutoff;
 *  - flips each vector's sign to agree with its predecessor, so per-vector quantities are continuous.
 * It is the one tracker: the flows use it with k ≥ 1 and a preconditioner, the edge-of-stability experiments
 * (papers/eos/sharpness.ts) with k = 1, no guard vectors and one HVP call per vector.
 *
 * A tracker's state (the warm-start block, the previous vectors, the tracked count) is replaced, never
 * mutated in place, so `clone()` is cheap and a clone taken at a checkpoint resumes exactly from there.
 * Non-finite Hessian-vector products stop the solve with a DivergenceError (process "eigensolver").
 */
import type { Derivatives } from "../autodiff/derivatives";
import { symEig } from "../linalg/dense";
import { axpy, dot, type Vec } from "../linalg/vec";
import { topEigs } from "./eigs";
import { effectiveHessian, hessianOperator, type SymOperator } from "./operator";

export interface TrackerOptions {
  /** Pairs reported (the k of the problem). */
  k: number;
  /** Keep tracking more pairs while the smallest tracked eigenvalue exceeds this (effective units). */
  growAbove: number;
  /** Upper bound on tracked pairs. */
  maxK: number;
  /** Relative residual tolerance of the eigensolver. */
  tol: number;
  seed: number;
  /** Extra LOBPCG block vectors that need not converge. Default 2. */
  guard?: number;
  /** One HVP call per vector instead of one batched call per block (faster on wasm for k = 1). Default false. */
  perVector?: boolean;
  /**
   * Start each solve from the eigenbasis extrapolated linearly from the last two solves (2·Y_t − Y_{t−1}Q, Q the
   * rotation best aligning the two), for points that move along a smooth path in equal steps. The start is
   * then off by O(dt²) instead of O(dt), which saves iterations at tight tolerances. Default false.
   */
  extrapolate?: boolean;
}

export interface Spectrum {
  /** Tracked effective eigenvalues, descending (length ≥ k). */
  values: Float64Array;
  /** Orthonormal eigenvectors of A. */
  y: Vec[];
  /** Generalized eigenvectors u_i = P^{-1/2} y_i. */
  u: Vec[];
  /** Operator applications this solve cost. */
  matvecs: number;
  converged: boolean;
}

export class EigenTracker {
  private block: Vec[] = [];
  /** The block of the solve before the last (for `extrapolate`). */
  private before: Vec[] = [];
  private prev: Vec[] = [];
  private tracked: number;
  /** Total eigensolver matvecs (HVPs) so far. */
  matvecs = 0;

  constructor(readonly opts: TrackerOptions) {
    if (!(Number.isInteger(opts.k) && opts.k >= 1)) throw new Error(`k must be a positive integer, got ${opts.k}`);
    this.tracked = opts.k;
  }

  /** An independent tracker with the same warm start (for checkpoints and branches). */
  clone(): EigenTracker {
    const c = new EigenTracker(this.opts);
    c.block = this.block;
    c.before = this.before;
    c.prev = this.prev;
    c.tracked = this.tracked;
    c.matvecs = this.matvecs;
    return c;
  }

  /** The operator solved at w: P^{-1/2} H P^{-1/2} (topEigs checks its products for finiteness). */
  private operator(D: Derivatives, w: Vec, P?: Float64Array): SymOperator {
    return !P && this.opts.perVector ? hessianOperator(D, w, false) : effectiveHessian(D, w, P);
  }

  solve(D: Derivatives, w: Vec, P?: Float64Array): Spectrum {
    const maxK = Math.min(this.opts.maxK, D.dim);
    const guard = this.opts.guard;
    const init = this.opts.extrapolate ? extrapolateBlock(this.block, this.before, Math.min(this.tracked, maxK)) : this.block;
    let res = topEigs(this.operator(D, w, P), { k: Math.min(this.tracked, maxK), tol: this.opts.tol, init, seed: this.opts.seed, guard });
    this.matvecs += res.matvecs;
    let matvecs = res.matvecs;
    // Grow until the smallest tracked eigenvalue is clearly below the edge: never split a cluster.
    while (res.values[res.values.length - 1] > this.opts.growAbove && this.tracked < maxK) {
      this.tracked = Math.min(maxK, this.tracked + 2);
      res = topEigs(this.operator(D, w, P), { k: this.tracked, tol: this.opts.tol, init: res.block, seed: this.opts.seed, guard });
      this.matvecs += res.matvecs;
      matvecs += res.matvecs;
    }
    // Next time track k pairs, or every pair above the threshold plus one below it.
    const above = res.values.filter((v) => v > this.opts.growAbove).length;
    this.tracked = Math.min(maxK, Math.max(this.opts.k, above + 1));
    this.before = this.block;
    this.block = res.block;
    const y = res.vectors.map((v, i) => {
      const p = this.prev[i];
      return p && p.length === v.length && dot(p, v) < 0 ? v.map((x) => -x) : v;
    });
    this.prev = y;
    const u = P ? y.map((v) => v.map((x, i) => x / Math.sqrt(P[i]))) : y;
    return { values: res.values, y, u, matvecs, converged: res.converged };
  }
}

/**
 * The first k vectors of `block` extrapolated from `before` (the block one step earlier): 2·Y − Y₀Q with Q the
 * orthogonal k×k matrix minimizing ‖Y₀Q − Y‖ (polar factor of Y₀ᵀY), so reordering, sign flips and rotations
 * inside a cluster do not count as motion; the rest of `block` follows unchanged. Returns `block` when there is no
 * earlier block or the subspace turned too far (a singular value of Y₀ᵀY below ½) for a linear prediction.
 */
export function extrapolateBlock(block: Vec[], before: Vec[], k: number): Vec[] {
  if (block.length < k || before.length < k || k === 0) return block;
  const M = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => dot(before[i], block[j]))); // Y₀ᵀY
  // Q = M (MᵀM)^{-1/2}
  const MtM = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => M.reduce((s, row) => s + row[i] * row[j], 0)));
  const { values, vectors } = symEig(MtM);
  if (!(values[k - 1] > 0.25)) return block;
  const invSqrt = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => vectors.reduce((s, v, r) => s + (v[i] * v[j]) / Math.sqrt(values[r]), 0)));
  const Q = M.map((row) => invSqrt[0].map((_, j) => row.reduce((s, m, l) => s + m * invSqrt[l][j], 0)));
  const out = block.slice();
  for (let j = 0; j < k; j++) {
    const y = Float64Array.from(block[j], (x) => 2 * x);
    for (let i = 0; i < k; i++) axpy(-Q[i][j], before[i], y);
    out[j] = y;
  }
  return out;
}
