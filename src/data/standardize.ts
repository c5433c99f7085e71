/**
 * Per-feature standardization x ↦ (x − mean) / std with statistics from a training set, reused unchanged on
 * its test set. std is the population standard deviation (ddof = 0, NumPy's default). A feature that is
 * constant on the training set carries no information: it maps to 0 instead of dividing by zero.
 */
import type { Dataset } from "../models/objective";

export interface FeatureStats {
  mean: Float64Array;
  std: Float64Array;
}

/** Mean and population standard deviation of each column of a row-major [n, d] matrix (two passes, float64). */
export function featureStats(X: ArrayLike<number>, n: number, d: number): FeatureStats {
  if (X.length !== n * d) throw new Error(`featureStats: ${X.length} values do not form an [${n}, ${d}] matrix`);
  if (n < 1) throw new Error("featureStats: needs at least one example");
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = X[i * d + j] - mean[j];
      std[j] += t * t;
    }
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] / n);
  return { mean, std };
}

/** True when a feature's spread is rounding noise relative to its level (treated as constant). */
function isConstant(mean: number, std: number): boolean {
  return !(std > 1e-7 * Math.max(1, Math.abs(mean)));
}

/** (x − mean) / std per column; constant columns become 0. Returns a new float32 matrix. */
export function applyStandardization(X: ArrayLike<number>, n: number, d: number, stats: FeatureStats): Float32Array {
  if (stats.mean.length !== d || stats.std.length !== d) {
    throw new Error(`applyStandardization: statistics are for ${stats.mean.length} features, the data has ${d}`);
  }
  if (X.length !== n * d) throw new Error(`applyStandardization: ${X.length} values do not form an [${n}, ${d}] matrix`);
  const out = new Float32Array(n * d);
  for (let j = 0; j < d; j++) {
    if (isConstant(stats.mean[j], stats.std[j])) continue; // stays 0
    const m = stats.mean[j];
    const s = stats.std[j];
    for (let i = 0; i < n; i++) out[i * d + j] = (X[i * d + j] - m) / s;
  }
  return out;
}

/** Standardizes a data set's inputs, with its own statistics or given (training) ones. Targets are unchanged. */
export function standardizeDataset<T extends Dataset>(data: T, stats?: FeatureStats): { data: T; stats: FeatureStats } {
  const s = stats ?? featureStats(data.X, data.n, data.d);
  return { data: { ...data, X: applyStandardization(data.X, data.n, data.d, s) }, stats: s };
}
