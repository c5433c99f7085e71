/**
 * Saxe et al.'s training loss: the *summed* squared error E(W) = ½ Σ_μ ‖y_μ − ŷ_μ‖² (no 1/n), so that GD at
 * rate λ is the paper's dynamics with τ = 1/λ and Σ¹¹ = Σ_μ x xᵀ, Σ³¹ = Σ_μ y xᵀ as sums: the library's loss
 * sum_half_sse (half_sse averages over examples, which would rescale time by n).
 *
 * With whitened inputs (XᵀX = I) the loss depends on the data only through Σ³¹:
 *     ½‖XM − Y‖² = ½‖M − XᵀY‖² + ½(‖Y‖² − ‖XᵀY‖²),
 * so training on the d "examples" (I, XᵀY) follows exactly the same gradients as training on (X, Y), and
 * the constant is the least-squares residual. `correlationDataset` builds that equivalent set.
 */
import type { Mlp } from "../../models/mlp";
import { supervisedObjective, type Dataset, type Objective } from "../../models/objective";

export function summedSquaredError(model: Mlp, data: Dataset): Objective & { dispose(): void } {
  return supervisedObjective(model, "sum_half_sse", data);
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
