/**
 * Gaussian smoothing of a series, for showing the trend of an oscillating loss under its raw curve.
 * Edges use the part of the kernel inside the series (renormalized), so the ends are not pulled to zero;
 * non-finite points are skipped the same way.
 */
export interface SmoothOptions {
  /** Smooth log(y) and map back: for losses on a log axis, where the geometric mean is the fair average. */
  log?: boolean;
  /** Kernel half-width in units of sigma (default 4). */
  truncate?: number;
}

export function gaussianSmooth(y: ArrayLike<number>, sigma: number, opts: SmoothOptions = {}): number[] {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`sigma must be a finite number ≥ 0, got ${sigma}`);
  const n = y.length;
  const values = Array.from(y, (v) => (opts.log ? (v > 0 ? Math.log(v) : NaN) : v));
  if (sigma === 0) return Array.from(values, (v) => (opts.log ? Math.exp(v) : v));
  const half = Math.max(1, Math.ceil((opts.truncate ?? 4) * sigma));
  const kernel = Array.from({ length: 2 * half + 1 }, (_, k) => Math.exp(-0.5 * ((k - half) / sigma) ** 2));
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let weight = 0;
    for (let k = Math.max(0, i - half); k <= Math.min(n - 1, i + half); k++) {
      const v = values[k];
      if (!Number.isFinite(v)) continue;
      const w = kernel[k - i + half];
      sum += w * v;
      weight += w;
    }
    const s = weight > 0 ? sum / weight : NaN;
    out[i] = opts.log ? Math.exp(s) : s;
  }
  return out;
}
