/**
 * The end-to-end Jacobian of a deep tanh network with scaled orthogonal weights (Saxe et al. 2014, Fig. 7):
 *     x^{l+1} = g W_l φ(x^l),   φ = tanh,   J = ∂x^{D+1}/∂x^1 = Π_l g W_l diag(φ'(x^l)),
 * W_l Haar-orthogonal N×N. For g < 1 activity dies out and J shrinks like g^D (isometric up to a vanishing
 * scale); for g ≫ 1 the units saturate, φ' is small or near 1 at random and the singular values spread over
 * decades; at the edge of chaos g ≈ 1 the activity decays slowly, φ' → 1 and J stays close to an orthogonal
 * matrix: all singular values near 1. Float64 with ml-matrix (nothing is trained here).
 */
import { Matrix } from "ml-matrix";
import { randomOrthogonal } from "../../models/init";
import { Rng } from "../../random";
import { singularValues } from "./random-products-model";

export interface JacobianSpectrum {
  gain: number;
  /** Singular values of J, descending. */
  singularValues: Float64Array;
  /** Root mean square activity √(‖x^l‖²/N) after each layer (length D + 1, starting with the input). */
  activity: Float64Array;
}

function toMatrix(flat: Float64Array, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, flat[i * n + j]);
  return m;
}

/**
 * One realization of D layers of width N, input x^1 ~ N(0, inputStd² I), evaluated at each gain: the same
 * weights and input for every g (only the gain changes), so spectra across g are comparable.
 */
export function tanhJacobianSpectra(n: number, depth: number, gains: number[], seed: number, inputStd = 1): JacobianSpectrum[] {
  const rng = new Rng(seed);
  const x1 = rng.normals(n, inputStd);
  const weights = Array.from({ length: depth }, () => toMatrix(randomOrthogonal(n, n, rng), n));
  const rms = (v: Float64Array): number => Math.sqrt(v.reduce((a, b) => a + b * b, 0) / n);
  return gains.map((gain) => {
    let x = Float64Array.from(x1);
    let J = Matrix.eye(n);
    const activity = new Float64Array(depth + 1);
    activity[0] = rms(x);
    weights.forEach((W, l) => {
      // J ← g W diag(φ'(x)) J: scale J's rows by φ'(x), then one product; x ← g W φ(x).
      const phi = Matrix.columnVector(Array.from(x, Math.tanh));
      const scaled = J.clone();
      for (let j = 0; j < n; j++) scaled.mulRow(j, 1 - phi.get(j, 0) ** 2);
      J = W.mmul(scaled).mul(gain);
      x = Float64Array.from(W.mmul(phi).mul(gain).getColumn(0));
      activity[l + 1] = rms(x);
    });
    return { gain, singularValues: singularValues(J), activity };
  });
}
