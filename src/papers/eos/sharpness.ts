/**
 * Sharpness S(w) = λ_max(∇²L(w)) along a trajectory, by the LOBPCG eigensolver on exact Hessian-vector
 * products over the full training set, warm-started from the previous measurement's Ritz block: between two
 * measurements a few steps apart the top eigenvector moves little, so a warm solve needs a handful of HVPs.
 *
 * The HVPs are applied one vector per tfjs call: on the wasm backend a block of k vectors in one call costs
 * 4–5× one vector (measured on the MLPs used here), so the batched call does not pay.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { EigenTracker } from "../../curvature/tracker";

export { hessianOperator } from "../../curvature/operator";

export interface SharpnessOptions {
  /**
   * Relative residual tolerance of the eigensolver. Default 1e-2: at the edge of stability (tanh MLP, MNIST-1k,
   * η = 0.5) the sharpness then comes out ≤ 0.5% below its tol = 1e-4 value, for 8 HVPs per warm solve instead of 45.
   */
  tol?: number;
  /** Extra Ritz vectors beyond the top one (they help when the top eigenvalues cluster, but cost HVPs). Default 0. */
  guard?: number;
  /** Batch the block's HVPs into one tfjs call (slower on wasm, see above). Default false. */
  batched?: boolean;
  /** Seed of the eigensolver's random start. */
  seed?: number;
}

/** Measures the sharpness of one trajectory with the one eigen tracker (curvature/tracker.ts), k = 1. */
export class SharpnessTracker {
  private readonly tracker: EigenTracker;

  constructor(
    private readonly D: Derivatives,
    opts: SharpnessOptions = {},
  ) {
    this.tracker = new EigenTracker({ k: 1, growAbove: Infinity, maxK: 1, tol: opts.tol ?? 1e-2, seed: opts.seed ?? 0, guard: opts.guard ?? 0, perVector: !opts.batched });
  }

  /** HVPs spent so far. */
  get matvecs(): number {
    return this.tracker.matvecs;
  }

  measure(w: Vec): number {
    return this.tracker.solve(this.D, w).values[0];
  }
}
