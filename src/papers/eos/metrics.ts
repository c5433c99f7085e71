/**
 * Numbers that summarize one training run at the edge of stability, computed from its recorded series
 * (sharpness S at measurement steps, loss at every step) against its stability threshold θ (2/η for GD):
 *   crossing     the first measurement with S ≥ θ (progressive sharpening has reached the edge)
 *   sharpening   max S before the crossing (or overall, if none) ÷ S at step 0
 *   band         fraction of the measurements after the crossing (and after an optional settling window, which
 *                leaves out the overshoot that follows the first crossing) with lo·θ ≤ S ≤ hi·θ
 *   non-monotone fraction of the steps after the crossing where the loss went up
 */
import { median } from "../../lab/stats";

export interface EdgeSummary {
  /** Sharpness at the first measurement. */
  s0: number;
  /** First measured step with S ≥ θ, or NaN if none. */
  crossStep: number;
  /** Largest S before the crossing (all of them if it never crossed) ÷ s0. */
  sharpening: number;
  /** Fraction of measurements after the crossing (+ settling window) inside [lo·θ, hi·θ] (NaN if none follows). */
  inBand: number;
  /** Median of S/θ after the crossing. */
  medianRatio: number;
  /** Fraction of steps after the crossing with L(t+1) > L(t). */
  upSteps: number;
  /** L at the crossing and at the end. */
  lossAtCross: number;
  lossFinal: number;
}

/** Index of the first value ≥ threshold, or −1. */
export function firstAtLeast(values: number[], threshold: number): number {
  return values.findIndex((v) => v >= threshold);
}

/**
 * `eigSteps`/`sharpness`: the measurements; `loss[t]` for t = 0 … steps; `band` = [lo, hi] relative to θ.
 * The band counts the measurements more than `settle` steps after the crossing (the crossing point itself is
 * ≥ θ by definition and never counts).
 */
export function edgeSummary(eigSteps: number[], sharpness: number[], loss: number[], threshold: number, band: [number, number], settle = 0): EdgeSummary {
  const k = firstAtLeast(sharpness, threshold);
  const crossStep = k >= 0 ? eigSteps[k] : NaN;
  const before = k >= 0 ? sharpness.slice(0, k + 1) : sharpness;
  const after = k >= 0 ? sharpness.filter((_, i) => i > k && eigSteps[i] > crossStep + settle) : [];
  const ratios = after.map((s) => s / threshold);
  const inBand = ratios.length > 0 ? ratios.filter((r) => r >= band[0] && r <= band[1]).length / ratios.length : NaN;
  let ups = 0;
  let count = 0;
  if (k >= 0) {
    for (let t = crossStep; t + 1 < loss.length; t++, count++) if (loss[t + 1] > loss[t]) ups++;
  }
  return {
    s0: sharpness[0],
    crossStep,
    sharpening: Math.max(...before) / sharpness[0],
    inBand,
    medianRatio: median(ratios),
    upSteps: count > 0 ? ups / count : NaN,
    lossAtCross: k >= 0 ? loss[crossStep] : NaN,
    lossFinal: loss[loss.length - 1],
  };
}

/**
 * The sharpness when the loss first reaches `level` (linear interpolation between the two measurements around
 * that step), or NaN if the loss never gets there: a comparison of runs at equal progress rather than equal steps.
 */
export function sharpnessAtLoss(eigSteps: number[], sharpness: number[], loss: number[], level: number): number {
  const t = loss.findIndex((l) => l <= level);
  if (t < 0) return NaN;
  let k = 0;
  while (k + 1 < eigSteps.length && eigSteps[k + 1] <= t) k++;
  if (k + 1 >= eigSteps.length || eigSteps[k] === t) return sharpness[k];
  const f = (t - eigSteps[k]) / (eigSteps[k + 1] - eigSteps[k]);
  return sharpness[k] + f * (sharpness[k + 1] - sharpness[k]);
}
