/**
 * Small numeric helpers the central-flows experiments measure with: vector distances, windows, smoothed
 * relative gaps, the arrival at the edge. Pure functions of plain arrays.
 */
import type { Vec } from "../../autodiff/derivatives";
import { gaussianSmooth } from "../../linalg/smoothing";
import { mean, std } from "../../lab/stats";
import type { Table } from "../../lab/types";

import { norm } from "../../linalg/vec";

export { norm };

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** cos∠(a, b). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  for (let i = 0; i < a.length; i++) ab += a[i] * b[i];
  return ab / (norm(a) * norm(b));
}

/** ‖a_t − b_t‖ for t < min(length). */
export function distances(a: Vec[], b: Vec[]): number[] {
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_, t) => distance(a[t], b[t]));
}

/** Indices lo..hi−1 clipped to [0, n). */
export function window(n: number, lo: number, hi: number): number[] {
  const a = Math.max(0, Math.floor(lo));
  const b = Math.min(n, Math.ceil(hi));
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

export function maxAbs(xs: number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((m, x) => (Math.abs(x) > m || Number.isNaN(x) ? Math.abs(x) : m), 0);
}

/** Largest |measured_t − predicted_t| / |predicted_t| over the indices. */
export function worstRelativeGap(measured: number[], predicted: number[], at: number[]): number {
  if (at.length === 0) return NaN;
  return Math.max(...at.map((t) => Math.abs(measured[t] - predicted[t]) / Math.abs(predicted[t])));
}

/** Mean of |measured_t − predicted_t| / |predicted_t| over the indices. */
export function meanRelativeGap(measured: number[], predicted: number[], at: number[]): number {
  return mean(at.map((t) => Math.abs(measured[t] - predicted[t]) / Math.abs(predicted[t])));
}

/** Σ measured / Σ predicted over the indices: a time-averaged ratio, robust to the phase of the oscillation. */
export function windowRatio(measured: number[], predicted: number[], at: number[]): number {
  return at.reduce((a, t) => a + measured[t], 0) / at.reduce((a, t) => a + predicted[t], 0);
}

/**
 * Standard error of windowRatio from its spread over consecutive blocks of `block` steps of `at`:
 * std(block ratios) / √(number of blocks); Infinity with fewer than two blocks.
 */
export function windowRatioError(measured: number[], predicted: number[], at: number[], block: number): number {
  const ratios: number[] = [];
  for (let i = 0; i + block <= at.length; i += block) ratios.push(windowRatio(measured, predicted, at.slice(i, i + block)));
  return ratios.length < 2 ? Infinity : std(ratios) / Math.sqrt(ratios.length);
}

/** Gaussian smoothing (σ in steps), NaN-safe. */
export function smooth(y: number[], sigma: number): number[] {
  return gaussianSmooth(y, sigma);
}

/** First index where `active` holds, or −1. */
export function firstIndex(xs: number[], active: (x: number, t: number) => boolean): number {
  for (let t = 0; t < xs.length; t++) if (active(xs[t], t)) return t;
  return -1;
}

/** One column of a per-step eigenvalue list (NaN where fewer were reported). */
export function eigColumn(eigs: number[][], i: number): number[] {
  return eigs.map((e) => (i < e.length ? e[i] : NaN));
}

/** The last finite entry and its index ([NaN, −1] if none): where a run that stopped early ended. */
export function lastFinite(xs: number[]): [number, number] {
  for (let t = xs.length - 1; t >= 0; t--) if (Number.isFinite(xs[t])) return [xs[t], t];
  return [NaN, -1];
}

/** Largest finite entry (NaN if none). */
export function finiteMax(xs: number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? Math.max(...f) : NaN;
}

/**
 * The step from which the central flow oscillates (X ≠ 0) for at least 10 steps in a row, or −1. (RMSProp's
 * flow starts from ν₀ = g₀⊙², at the edge in a few coordinates for a step or two: that is not the arrival.)
 */
export function arrival(t: Table): number {
  const x = t.central_X_trace;
  return firstIndex(x, (_, s) => s + 10 <= x.length && x.slice(s, s + 10).every((v) => v > 0));
}

/** Where flows that assume a settled edge start: `startAfter` steps after the arrival (`steps` if never). */
export function postEdgeStart(t: Table, steps: number, startAfter: number): number {
  const a = arrival(t);
  return a < 0 ? steps : Math.min(steps, a + startAfter);
}

/** Rows from `settle` steps after the arrival to the end. */
export function settledWindow(t: Table, settle: number): number[] {
  const a = arrival(t);
  return a < 0 ? [] : window(t.step.length, a + settle, t.step.length);
}
