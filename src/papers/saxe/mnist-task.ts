/**
 * The depth experiments' task: MNIST digits, PCA-whitened to k components, one-hot targets. Whitening makes
 * Σ¹¹ = Σ_μ x̃ x̃ᵀ = I (a sum, as in the paper), with
 *     x̃_k = p_kᵀ (x − m) / √λ_k,    (λ_k, p_k) the top eigenpairs of Σ_μ (x − m)(x − m)ᵀ,
 * so the summed squared error of any network depends on the data only through Σ³¹ᵀ = Σ_μ x̃ y ᵀ [k, 10]
 * (see objective.ts). The targets are scaled so that the top singular value is `topSingularValue`: the
 * learning-rate scale 1/((N_l − 1) s₁^{2−2/(N_l−1)}) is then 1/(N_l − 1) at every depth when s₁ = 1.
 */
import { loadMnist } from "../../data/mnist";
import { symEig } from "../../linalg/dense";
import { taskModes, type TaskModes } from "./modes";

export interface MnistTaskOptions {
  /** Training digits (class-balanced). */
  n: number;
  /** Average pooling before PCA: 1 (784 pixels) or 2 (196). */
  pool: 1 | 2;
  /** PCA components kept (input width). */
  components: number;
  /** Scale of the targets: the top singular value of Σ³¹ after scaling. */
  topSingularValue: number;
  seed: number;
}

export interface MnistTask {
  /** Σ³¹ᵀ = X̃ᵀY [components, 10], targets scaled. */
  sigma31T: Float64Array;
  modes: TaskModes;
  d: number;
  c: number;
  /** The factor the one-hot targets were multiplied by. */
  targetScale: number;
  /** Fraction of the pixel variance the kept components carry. */
  varianceKept: number;
}

export function whitenedMnistTask(o: MnistTaskOptions): MnistTask {
  const data = loadMnist({ n: o.n, pool: o.pool, seed: o.seed });
  const { n, d, c, X, Y } = data;
  if (!(Number.isInteger(o.components) && o.components >= 1 && o.components <= d)) throw new Error(`components must be an integer in [1, ${d}], got ${o.components}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += X[i * d + j] / n;
  // Scatter matrix Σ_μ (x − m)(x − m)ᵀ, upper triangle then mirrored.
  const C = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = X[i * d + j] - mean[j];
    for (let j = 0; j < d; j++) {
      const r = row[j];
      if (r !== 0) for (let k = j; k < d; k++) C[j * d + k] += r * row[k];
    }
  }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) C[j * d + k] = C[k * d + j];
  const eig = symEig(C, d);
  const k = o.components;
  let total = 0;
  eig.values.forEach((v) => (total += Math.max(v, 0)));
  let kept = 0;
  for (let a = 0; a < k; a++) kept += eig.values[a];
  if (!(eig.values[k - 1] > 1e-9 * eig.values[0])) throw new Error(`PCA component ${k} has no variance; keep fewer components`);
  // Σ³¹ᵀ[a, j] = Σ_μ x̃_μa y_μj with x̃_μa = p_aᵀ(x_μ − m)/√λ_a.
  const S = new Float64Array(k * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = X[i * d + j] - mean[j];
    for (let a = 0; a < k; a++) {
      const p = eig.vectors[a];
      let z = 0;
      for (let j = 0; j < d; j++) z += p[j] * row[j];
      z /= Math.sqrt(eig.values[a]);
      for (let jc = 0; jc < c; jc++) S[a * c + jc] += z * Y[i * c + jc];
    }
  }
  const raw = taskModes(S, k, c);
  const targetScale = o.topSingularValue / raw.s[0];
  const sigma31T = S.map((v) => v * targetScale);
  return { sigma31T, modes: taskModes(sigma31T, k, c), d: k, c, targetScale, varianceKept: kept / total };
}
