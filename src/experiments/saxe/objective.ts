/**
 * Saxe et al.'s training loss: the *summed* squared error E(W) = ½ Σ_μ ‖y_μ − ŷ_μ‖² (no 1/n), so that GD at
 * rate λ is the paper's dynamics with τ = 1/λ and Σ¹¹ = Σ_μ x xᵀ, Σ³¹ = Σ_μ y xᵀ as sums. (The library's
 * half_sse averages over examples: it would rescale time by n.)
 *
 * With whitened inputs (XᵀX = I) the loss depends on the data only through Σ³¹:
 *     ½‖XM − Y‖² = ½‖M − XᵀY‖² + ½(‖Y‖² − ‖XᵀY‖²),
 * so training on the d "examples" (I, XᵀY) follows exactly the same gradients as training on (X, Y), and
 * the constant is the least-squares residual. `correlationDataset` builds that equivalent set.
 */
import { tf } from "../../backend";
import type { Mlp } from "../../models/mlp";
import type { Dataset, Objective } from "../../models/objective";

export function summedSquaredError(model: Mlp, data: Dataset): Objective & { dispose(): void } {
  const outWidth = model.spec.widths[model.spec.widths.length - 1];
  if (data.d !== model.spec.widths[0]) throw new Error(`data has ${data.d} features, the model expects ${model.spec.widths[0]}`);
  if (data.c !== outWidth) throw new Error(`targets have ${data.c} columns, the model outputs ${outWidth}`);
  const X = tf.tensor2d(data.X, [data.n, data.d]);
  const Y = tf.tensor2d(data.Y, [data.n, data.c]);
  return {
    dim: model.numParams,
    values: (W) => tf.mul(tf.sum(tf.square(tf.sub(model.forward(W, X), Y)), [1, 2]), 0.5) as tf.Tensor1D,
    dispose: () => {
      X.dispose();
      Y.dispose();
    },
  };
}

/**
 * The data set (I_d, XᵀY) equivalent to whitened (X, Y) for the summed squared error: d examples, the
 * rows of the identity as inputs and the rows of Σ³¹ᵀ = XᵀY [d, c] as targets.
 */
export function correlationDataset(sigma31T: Float64Array, d: number, c: number): Dataset {
  if (sigma31T.length !== d * c) throw new Error(`Σ³¹ᵀ has ${sigma31T.length} entries, expected ${d}×${c}`);
  const X = new Float32Array(d * d);
  for (let i = 0; i < d; i++) X[i * d + i] = 1;
  return { X, Y: Float32Array.from(sigma31T), n: d, d, c };
}
