/**
 * Small analytic objectives with known derivatives, for tests and demos. Each is an `Objective` (ensemble
 * rows W [E, P] → [E]) built from exactly differentiable tf ops, plus its float64 closed form.
 *   quadratic:  L(w) = ½ wᵀ A w + bᵀ w,  ∇L = A w + b,  ∇²L = A  (A symmetric)
 */
import { tf } from "../backend";
import type { Objective } from "./objective";

export interface QuadraticObjective extends Objective {
  /** The Hessian A, row-major [P, P]. */
  readonly A: Float64Array;
  readonly b: Float64Array;
  /** Float64 value and gradient. */
  exact(w: Float64Array): { loss: number; grad: Float64Array };
  dispose(): void;
}

/** ½ wᵀAw + bᵀw; `A` is a symmetric matrix (rows) or the diagonal of a diagonal one. */
export function quadratic(A: number[][] | number[], b?: number[]): QuadraticObjective {
  const dim = A.length;
  const dense = new Float64Array(dim * dim);
  A.forEach((row, i) => {
    if (Array.isArray(row)) {
      if (row.length !== dim) throw new Error(`quadratic: A must be square, row ${i} has ${row.length} entries for ${dim} rows`);
      row.forEach((v, j) => (dense[i * dim + j] = v));
    } else {
      dense[i * dim + i] = row;
    }
  });
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < i; j++) {
      if (dense[i * dim + j] !== dense[j * dim + i]) throw new Error(`quadratic: A must be symmetric (entries [${i}, ${j}] and [${j}, ${i}] differ)`);
    }
  }
  const bias = Float64Array.from(b ?? new Array<number>(dim).fill(0));
  if (bias.length !== dim) throw new Error(`quadratic: b has ${bias.length} entries, A is ${dim}×${dim}`);
  const At = tf.tensor2d(Float32Array.from(dense), [dim, dim]);
  const bt = tf.tensor2d(Float32Array.from(bias), [dim, 1]);
  return {
    dim,
    A: dense,
    b: bias,
    values: (W) => tf.add(tf.mul(tf.sum(tf.mul(tf.matMul(W, At), W), 1), 0.5), tf.reshape(tf.matMul(W, bt), [-1])) as tf.Tensor1D,
    exact: (w) => {
      const grad = new Float64Array(dim);
      let loss = 0;
      for (let i = 0; i < dim; i++) {
        let ai = 0;
        for (let j = 0; j < dim; j++) ai += dense[i * dim + j] * w[j];
        grad[i] = ai + bias[i];
        loss += 0.5 * w[i] * ai + bias[i] * w[i];
      }
      return { loss, grad };
    },
    dispose: () => {
      At.dispose();
      bt.dispose();
    },
  };
}
