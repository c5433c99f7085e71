/**
 * The modes of a task and a network's strength in each. The input–output correlation Σ³¹ = Σ_μ y xᵀ [c, d]
 * has the SVD Σ_α s_α u_α v_αᵀ (u: output directions, v: input directions); a network's strength in mode α is
 *     ũ_α = u_αᵀ Σ̂³¹ v_α,    Σ̂³¹ = Σ_μ ŷ_μ x_μᵀ,
 * the paper's diagonal of Uᵀ Σ̂³¹ V. For a linear net with whitened inputs Σ̂³¹ is the end-to-end map; for a
 * tanh net it is the map's correlation with the inputs (Fig. 3's green traces).
 * Our arrays are row-major in the library's convention: X [n, d], Y [n, c], so we decompose Σ³¹ᵀ = XᵀY [d, c].
 */
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { tf } from "../../backend";
import type { Vec } from "../../autodiff/derivatives";
import type { Mlp } from "../../models/mlp";
import type { Dataset } from "../../models/objective";

export interface TaskModes {
  /** Singular values s_α, descending, length r = min(d, c). */
  s: Float64Array;
  /** Output directions u_α as columns, row-major [c, r]. */
  U: Float64Array;
  /** Input directions v_α as columns, row-major [d, r]. */
  V: Float64Array;
  d: number;
  c: number;
  r: number;
}

/** Σ³¹ᵀ = XᵀY, row-major [d, c], in float64. */
export function inputOutputCorrelation(data: Dataset): Float64Array {
  const { X, Y, n, d, c } = data;
  const S = new Float64Array(d * c);
  for (let mu = 0; mu < n; mu++) {
    for (let i = 0; i < d; i++) {
      const x = X[mu * d + i];
      if (x === 0) continue;
      for (let j = 0; j < c; j++) S[i * c + j] += x * Y[mu * c + j];
    }
  }
  return S;
}

/** The SVD of Σ³¹ from Σ³¹ᵀ [d, c] (ml-matrix), singular values descending. */
export function taskModes(sigma31T: Float64Array, d: number, c: number): TaskModes {
  const m = new Matrix(d, c);
  for (let i = 0; i < d; i++) for (let j = 0; j < c; j++) m.set(i, j, sigma31T[i * c + j]);
  const svd = new SingularValueDecomposition(m, { autoTranspose: true });
  const r = Math.min(d, c);
  const values = svd.diagonal;
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[b] - values[a]).slice(0, r);
  const left = svd.leftSingularVectors; // [d, ·]: input directions v
  const right = svd.rightSingularVectors; // [c, ·]: output directions u
  const s = Float64Array.from(order, (k) => values[k]);
  const V = new Float64Array(d * r);
  const U = new Float64Array(c * r);
  order.forEach((k, a) => {
    for (let i = 0; i < d; i++) V[i * r + a] = left.get(i, k);
    for (let j = 0; j < c; j++) U[j * r + a] = right.get(j, k);
  });
  return { s, U, V, d, c, r };
}

/**
 * Mode strengths ũ_α = u_αᵀ Σ̂³¹ v_α of every parameter row, in one tfjs call: outputs F [E, n, c], then
 * Σ̂³¹ᵀ = XᵀF [E, d, c], then (Σ̂³¹ᵀ U) ⊙ V summed over d. Returns one Float64Array [r] per row.
 */
export function networkModeStrengths(model: Mlp, ws: Vec[], data: Dataset, modes: TaskModes, identityInputs = false): Float64Array[] {
  const E = ws.length;
  const { d, c, r } = modes;
  const P = model.numParams;
  const flat = new Float32Array(E * P);
  ws.forEach((w, i) => flat.set(w, i * P));
  const out = tf.tidy(() => {
    const X = tf.tensor2d(data.X, [data.n, d]);
    const F = model.forward(tf.tensor2d(flat, [E, P]), X); // [E, n, c]
    // Σ̂³¹ᵀ per member; with one-hot inputs X = I it is F itself.
    const S = identityInputs
      ? F
      : tf.transpose(tf.reshape(tf.matMul(tf.transpose(X), tf.reshape(tf.transpose(F, [1, 0, 2]), [data.n, E * c])), [d, E, c]), [1, 0, 2]); // [E, d, c]
    const SU = tf.reshape(tf.matMul(tf.reshape(S, [E * d, c]), tf.tensor2d(Float32Array.from(modes.U), [c, r])), [E, d, r]);
    return tf.sum(tf.mul(SU, tf.tensor2d(Float32Array.from(modes.V), [d, r])), 1).dataSync(); // [E, r]
  });
  return Array.from({ length: E }, (_, i) => Float64Array.from(out.subarray(i * r, (i + 1) * r)));
}
