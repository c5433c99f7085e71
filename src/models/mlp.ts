/**
 * Multilayer perceptron h ← act(h W + b), no activation after the last layer, evaluated for a whole
 * *ensemble* of parameter vectors at once: W has shape [E, P] and the output [E, n, out]. Batching the
 * vectors of an HVP block or a perturbation set into one call is what makes small models fast in tfjs.
 */
import { tf } from "../backend";
import { denseLayout, type DenseLayout } from "../params";
import { applyActivation, parseActivation, type Activation } from "./activations";

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

/**
 * Above this many multiply-adds per ensemble member, members are evaluated one by one with 2-D matMuls: tfjs's
 * batched (3-D) matMul and its gradients are 2–3× slower per flop than 2-D ones on wasm and cpu (measured on
 * 196→64→64→10, n = 1000: 8 members looped 150 ms, batched 320 ms), while small models are dominated by per-op
 * overhead and gain from one batched call.
 */
export const LOOP_MEMBERS_ABOVE_FLOPS = 2e6;

export type EnsembleMode = "auto" | "batched" | "looped";

const ENSEMBLE_MODES: readonly EnsembleMode[] = ["auto", "batched", "looped"];

/** Checks an MlpSpec from an untyped caller (JS, JSON) so that a bad one fails here and not inside tfjs. */
function checkMlpSpec(spec: MlpSpec, ensembleMode: EnsembleMode): void {
  if (typeof spec !== "object" || spec === null) throw new Error(`mlp(): spec must be an object {widths, activation, bias}; got ${JSON.stringify(spec)}`);
  const { widths } = spec;
  if (!Array.isArray(widths) || widths.length < 2) throw new Error(`mlp(): spec.widths must be a list of at least two widths (input and output); got ${JSON.stringify(widths)}`);
  widths.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 1) throw new Error(`mlp(): spec.widths[${i}] must be an integer ≥ 1; got ${JSON.stringify(w)}`);
  });
  parseActivation(spec.activation, "mlp(): spec.activation");
  if (typeof spec.bias !== "boolean") throw new Error(`mlp(): spec.bias must be true or false; got ${JSON.stringify(spec.bias)}`);
  if (!ENSEMBLE_MODES.includes(ensembleMode)) throw new Error(`mlp(): ensembleMode must be one of ${ENSEMBLE_MODES.join(", ")}; got ${JSON.stringify(ensembleMode)}`);
}

export function mlp(spec: MlpSpec, ensembleMode: EnsembleMode = "auto"): Mlp {
  checkMlpSpec(spec, ensembleMode);
  const layout = denseLayout(spec.widths, spec.bias);
  const last = layout.layers.length - 1;
  const act = (l: number, z: tf.Tensor): tf.Tensor => (l < last ? applyActivation(spec.activation, z) : z);

  // One member: W [1, P], h [n, in] → [n, out], all 2-D.
  const member = (W: tf.Tensor2D, X: tf.Tensor2D): tf.Tensor2D => {
    let h: tf.Tensor2D = X;
    layout.layers.forEach((s, l) => {
      let z: tf.Tensor2D = tf.matMul(h, tf.reshape(tf.slice(W, [0, s.wOffset], [1, s.in * s.out]), [s.in, s.out]));
      if (s.bOffset >= 0) z = tf.add(z, tf.slice(W, [0, s.bOffset], [1, s.out]));
      h = act(l, z) as tf.Tensor2D;
    });
    return h;
  };
  // All members at once: h [E, n, ·] with batched matMuls; X is broadcast over E in the first layer.
  const batched = (W: tf.Tensor2D, X: tf.Tensor2D): tf.Tensor3D => {
    const E = W.shape[0];
    let h: tf.Tensor3D = tf.broadcastTo(tf.reshape(X, [1, X.shape[0], X.shape[1]]), [E, X.shape[0], X.shape[1]]);
    layout.layers.forEach((s, l) => {
      let z: tf.Tensor3D = tf.matMul(h, tf.reshape(tf.slice(W, [0, s.wOffset], [E, s.in * s.out]), [E, s.in, s.out])); // [E, n, out]
      if (s.bOffset >= 0) z = tf.add(z, tf.reshape(tf.slice(W, [0, s.bOffset], [E, s.out]), [E, 1, s.out]));
      h = act(l, z) as tf.Tensor3D;
    });
    return h;
  };
  const flopsPerMember = (n: number): number => n * layout.layers.reduce((a, s) => a + s.in * s.out, 0);

  const forward = (W: tf.Tensor2D, X: tf.Tensor2D): tf.Tensor3D => {
    const E = W.shape[0];
    if (W.shape[1] !== layout.size) throw new Error(`parameters have ${W.shape[1]} columns, the MLP [${spec.widths}] has ${layout.size}`);
    if (X.shape[1] !== spec.widths[0]) throw new Error(`inputs have ${X.shape[1]} features, the MLP expects ${spec.widths[0]}`);
    const loop = ensembleMode === "looped" || (ensembleMode === "auto" && E > 1 && flopsPerMember(X.shape[0]) > LOOP_MEMBERS_ABOVE_FLOPS);
    if (!loop) return batched(W, X);
    const outs: tf.Tensor2D[] = [];
    for (let e = 0; e < E; e++) outs.push(member(tf.slice(W, [e, 0], [1, layout.size]), X));
    return tf.stack(outs) as tf.Tensor3D;
  };
  return { spec, layout, numParams: layout.size, forward };
}
