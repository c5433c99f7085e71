/**
 * Initialization schemes, explicit per experiment because sharpness scales with them.
 *  - torch:            U(±1/√fan_in) for weights and biases (PyTorch's nn.Linear default; the EoS paper)
 *  - lecun_normal:     W ~ N(0, 1/fan_in), b = 0 (flax's default uses a truncated normal; this one does not)
 *  - xavier_uniform:   W ~ U(±√(6/(fan_in + fan_out))), b = 0 (tfjs layers' default)
 *  - orthogonal(gain): W = gain · Q with Q from the QR of a Gaussian matrix (signs fixed by diag R), b = 0
 *  - scaled_gaussian(σ): W ~ N(0, σ²/fan_in), b = 0 (Saxe et al.'s scaled random init)
 *  - gaussian(std):    W ~ N(0, std²), b = 0 (e.g. Saxe's small random init)
 */
import { Matrix, QrDecomposition } from "ml-matrix";
import type { DenseLayout } from "../params";
import { Rng } from "../random";

export type InitScheme =
  | { scheme: "torch" }
  | { scheme: "lecun_normal" }
  | { scheme: "xavier_uniform" }
  | { scheme: "orthogonal"; gain?: number }
  | { scheme: "scaled_gaussian"; sigma: number }
  | { scheme: "gaussian"; std: number };

export const INIT_SCHEMES = ["torch", "lecun_normal", "xavier_uniform", "orthogonal", "scaled_gaussian", "gaussian"] as const;

/** A Q with orthonormal columns (rows < cols) or rows, shaped [rows, cols], row-major. */
export function randomOrthogonal(rows: number, cols: number, rng: Rng): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const a = new Matrix(m, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a.set(i, j, rng.normal());
  const qr = new QrDecomposition(a);
  const q = qr.orthogonalMatrix.subMatrix(0, m - 1, 0, n - 1);
  const r = qr.upperTriangularMatrix;
  // Haar measure: multiply each column by sign(R_jj).
  for (let j = 0; j < n; j++) {
    if (r.get(j, j) < 0) for (let i = 0; i < m; i++) q.set(i, j, -q.get(i, j));
  }
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = tall ? q.get(i, j) : q.get(j, i);
  return out;
}

export function initParams(layout: DenseLayout, init: InitScheme, seed: number): Float64Array {
  const rng = new Rng(seed);
  const flat = new Float64Array(layout.size);
  for (const s of layout.layers) {
    const nW = s.in * s.out;
    const fanIn = s.in;
    let w: Float64Array;
    let bound = 0;
    switch (init.scheme) {
      case "torch":
        bound = 1 / Math.sqrt(fanIn);
        w = Float64Array.from({ length: nW }, () => (2 * rng.uniform() - 1) * bound);
        break;
      case "lecun_normal":
        w = rng.normals(nW, 1 / Math.sqrt(fanIn));
        break;
      case "xavier_uniform": {
        const a = Math.sqrt(6 / (s.in + s.out));
        w = Float64Array.from({ length: nW }, () => (2 * rng.uniform() - 1) * a);
        break;
      }
      case "orthogonal": {
        const gain = init.gain ?? 1;
        w = randomOrthogonal(s.in, s.out, rng).map((v) => v * gain);
        break;
      }
      case "scaled_gaussian":
        w = rng.normals(nW, init.sigma / Math.sqrt(fanIn));
        break;
      case "gaussian":
        w = rng.normals(nW, init.std);
        break;
      default:
        throw new Error(`init.scheme must be one of ${INIT_SCHEMES.join(", ")}`);
    }
    flat.set(w, s.wOffset);
    if (s.bOffset >= 0 && init.scheme === "torch") {
      for (let j = 0; j < s.out; j++) flat[s.bOffset + j] = (2 * rng.uniform() - 1) * bound;
    }
  }
  return flat;
}
