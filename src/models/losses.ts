/**
 * Losses over an ensemble of predictions F [E, n, c] against targets Y [n, c]; each returns [E].
 * The normalization decides where 2/η falls, so it is always explicit:
 *  - mse:           mean over all n·c entries of (f − y)²        (central-flows JAX example; no ½)
 *  - half_sse:      ½ Σ_c (f − y)², averaged over the n examples (the EoS paper and the PyTorch code)
 *  - sum_half_sse:  ½ Σ_c (f − y)², summed over the examples (Saxe et al.: GD at rate λ is their ODE with τ = 1/λ)
 *  - cross_entropy: logsumexp(f) − ⟨f, y⟩ averaged over examples (y one-hot or a distribution)
 */
import { tf } from "../backend";

export const LOSSES = ["mse", "half_sse", "sum_half_sse", "cross_entropy"] as const;
export type LossName = (typeof LOSSES)[number];

export function lossBatch(name: LossName, F: tf.Tensor3D, Y: tf.Tensor2D): tf.Tensor1D {
  const [, n, c] = F.shape;
  if (Y.shape[0] !== n || Y.shape[1] !== c) throw new Error(`targets have shape [${Y.shape}], predictions [${F.shape.slice(1)}]`);
  switch (name) {
    case "mse":
      return tf.mean(tf.square(tf.sub(F, Y)), [1, 2]);
    case "half_sse":
      return tf.mul(tf.sum(tf.square(tf.sub(F, Y)), [1, 2]), 0.5 / n);
    case "sum_half_sse":
      return tf.mul(tf.sum(tf.square(tf.sub(F, Y)), [1, 2]), 0.5);
    case "cross_entropy": {
      // logsumexp with a max shift; the shift's gradient paths cancel, so derivatives of all orders are exact.
      const m = tf.max(F, 2, true);
      const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(F, m)), 2)), tf.squeeze(m, [2])); // [E, n]
      return tf.mean(tf.sub(lse, tf.sum(tf.mul(F, Y), 2)), 1);
    }
    default:
      return parseLoss(name) as never; // an untyped caller's unknown name: throws, naming the allowed ones
  }
}

export function parseLoss(value: unknown, field = "loss"): LossName {
  if (typeof value === "string" && (LOSSES as readonly string[]).includes(value)) return value as LossName;
  throw new Error(`${field} must be one of ${LOSSES.join(", ")}; got ${JSON.stringify(value)}`);
}
