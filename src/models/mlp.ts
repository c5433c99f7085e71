/**
 * Multilayer perceptron h ← act(h W + b), no activation after the last layer, evaluated for a whole
 * *ensemble* of parameter vectors at once: W has shape [E, P] and the output [E, n, out]. Batching the
 * vectors of an HVP block or a perturbation set into one call is what makes small models fast in tfjs.
 */
import { tf } from "../backend";
import { denseLayout, type DenseLayout } from "../params";
import { applyActivation, type Activation } from "./activations";

export interface MlpSpec {
  widths: number[];
  activation: Activation;
  bias: boolean;
}

export interface Mlp {
  readonly spec: MlpSpec;
  readonly layout: DenseLayout;
  readonly numParams: number;
  /** Outputs [E, n, out] for parameter rows W [E, P] and inputs X [n, in]. */
  forward(W: tf.Tensor2D, X: tf.Tensor2D): tf.Tensor3D;
}

export function mlp(spec: MlpSpec): Mlp {
  const layout = denseLayout(spec.widths, spec.bias);
  const forward = (W: tf.Tensor2D, X: tf.Tensor2D): tf.Tensor3D => {
    const E = W.shape[0];
    if (W.shape[1] !== layout.size) throw new Error(`parameters have ${W.shape[1]} columns, the MLP [${spec.widths}] has ${layout.size}`);
    if (X.shape[1] !== spec.widths[0]) throw new Error(`inputs have ${X.shape[1]} features, the MLP expects ${spec.widths[0]}`);
    let h: tf.Tensor3D = tf.reshape(X, [1, X.shape[0], X.shape[1]]); // [1, n, in], broadcast over E
    layout.layers.forEach((s, l) => {
      const w = tf.reshape(tf.slice(W, [0, s.wOffset], [E, s.in * s.out]), [E, s.in, s.out]); // [E, in, out]
      let z: tf.Tensor3D = l === 0 ? tf.matMul(tf.broadcastTo(h, [E, h.shape[1], h.shape[2]]), w) : tf.matMul(h, w); // [E, n, out]
      if (s.bOffset >= 0) z = tf.add(z, tf.reshape(tf.slice(W, [0, s.bOffset], [E, s.out]), [E, 1, s.out]));
      h = l + 1 < layout.layers.length ? (applyActivation(spec.activation, z) as tf.Tensor3D) : z;
    });
    return h;
  };
  return { spec, layout, numParams: layout.size, forward };
}
