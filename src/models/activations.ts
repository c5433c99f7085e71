/** Elementwise activations as tfjs expressions, every one differentiable to third order (see autodiff/gradients). */
import { tf } from "../backend";

export const ACTIVATIONS = ["identity", "tanh", "relu", "swish", "gelu", "gelu_tanh", "sigmoid", "softplus", "elu"] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const SQRT_HALF = Math.SQRT1_2;
const GELU_C = Math.sqrt(2 / Math.PI);

export function applyActivation(name: Activation, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case "identity":
      return x;
    case "tanh":
      return tf.tanh(x);
    case "relu":
      return tf.relu(x);
    case "swish":
      return tf.mul(x, tf.sigmoid(x));
    case "gelu": // exact: x Φ(x)
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT_HALF))));
    case "gelu_tanh": // ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C))));
    case "sigmoid":
      return tf.sigmoid(x);
    case "softplus":
      return tf.softplus(x);
    case "elu":
      return tf.elu(x);
    default:
      return parseActivation(name) as never; // an untyped caller's unknown name: throws, naming the allowed ones
  }
}

export function parseActivation(value: unknown, field = "activation"): Activation {
  if (typeof value === "string" && (ACTIVATIONS as readonly string[]).includes(value)) return value as Activation;
  throw new Error(`${field} must be one of ${ACTIVATIONS.join(", ")}; got ${JSON.stringify(value)}`);
}
