/**
 * Singular values of products of random N×N matrices (Saxe et al. 2014, Fig. 6): M = W_D ⋯ W_1 with
 *  - Gaussian W ~ N(0, g²/N): E‖M x‖² = g^{2D}‖x‖², so at g = 1 the product preserves norms *on average*,
 *    yet its singular values spread exponentially with depth (a few large, most small: the Lyapunov spectrum);
 *  - Haar-orthogonal W: every singular value of M is exactly 1 at every depth (dynamical isometry).
 * Float64 with ml-matrix. Beyond roughly D·3 nats of spread the smallest singular values of a Gaussian product
 * fall under float64 resolution relative to the largest: they are reported but only their smallness is
 * meaningful (the summaries below read the bulk and the top, which are accurate).
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { randomOrthogonal } from "../../models/init";
import { Rng } from "../../random";

export type ProductKind = "gaussian" | "orthogonal";

function randomFactor(kind: ProductKind, n: number, gain: number, rng: Rng): Matrix {
  const flat = kind === "gaussian" ? rng.normals(n * n, gain / Math.sqrt(n)) : randomOrthogonal(n, n, rng).map((x) => gain * x);
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, flat[i * n + j]);
  return m;
}

export function singularValues(m: Matrix): Float64Array {
  const svd = new SingularValueDecomposition(m, { computeLeftSingularVectors: false, computeRightSingularVectors: false });
  return Float64Array.from(svd.diagonal).sort((a, b) => b - a);
}

/**
 * Singular values of the running product at each requested depth (ascending), one realization:
 * result[k] holds the N singular values of W_{depths[k]} ⋯ W_1, descending.
 */
export function productSpectra(kind: ProductKind, n: number, depths: number[], seed: number, gain = 1): Float64Array[] {
  const sorted = [...depths].sort((a, b) => a - b);
  if (sorted[0] < 1 || !sorted.every(Number.isInteger)) throw new Error(`depths must be positive integers, got [${depths}]`);
  const rng = new Rng(seed);
  const out: Float64Array[] = [];
  let M = Matrix.eye(n);
  for (let depth = 1, k = 0; k < sorted.length; depth++) {
    M = randomFactor(kind, n, gain, rng).mmul(M);
    if (depth === sorted[k]) {
      out.push(singularValues(M));
      k++;
    }
  }
  return out;
}

export interface SpectrumSummary {
  /** Mean σ² = ‖M‖²_F / N (1 for a norm-preserving product, on average). */
  meanSquare: number;
  /** Fraction of singular values within [1/2, 2]. */
  nearOne: number;
  /** Largest deviation max |σ − 1|. */
  maxDeviation: number;
  /** Standard deviation of ln σ over the spectrum (0 for an isometry). */
  logSpread: number;
  max: number;
  median: number;
}

export function summarizeSpectrum(sv: ArrayLike<number>): SpectrumSummary {
  const n = sv.length;
  const sorted = Float64Array.from(sv).sort();
  let sq = 0;
  let near = 0;
  let dev = 0;
  let sumLog = 0;
  let sumLog2 = 0;
  for (let i = 0; i < n; i++) {
    const s = sorted[i];
    sq += s * s;
    if (s >= 0.5 && s <= 2) near++;
    dev = Math.max(dev, Math.abs(s - 1));
    const l = Math.log(Math.max(s, 1e-300));
    sumLog += l;
    sumLog2 += l * l;
  }
  const meanLog = sumLog / n;
  return {
    meanSquare: sq / n,
    nearOne: near / n,
    maxDeviation: dev,
    logSpread: Math.sqrt(Math.max(0, sumLog2 / n - meanLog * meanLog)),
    max: sorted[n - 1],
    median: n % 2 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
  };
}
