/**
 * Gradients that stay exact under nesting.
 *
 * tfjs computes the gradient of Tanh, Sigmoid, Exp, ... from the op's saved *output*; nested `tf.grad` then
 * differentiates a tensor that is not connected to the input and returns wrong (or no) second derivatives.
 * We re-register each such kernel's gradient as an expression of its saved *input*, built from ops that are
 * themselves differentiable, so 2nd and 3rd derivatives come out exact. Every kernel a model uses must be
 * listed here or be known to differentiate from its inputs, and must have a test in test/autodiff.test.ts.
 */
import * as tf from "@tensorflow/tfjs-core";

type Grad = (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor;

/** d/dx of each unary kernel, from x alone. */
const UNARY: Record<string, Grad> = {
  Tanh: (dy, x) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))),
  Sigmoid: (dy, x) => {
    const s = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
  },
  Exp: (dy, x) => tf.mul(dy, tf.exp(x)),
};

let registered = false;

/** Idempotent; called by `initBackend`. */
export function registerExactGradients(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, grad] of Object.entries(UNARY)) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [x] = saved;
        return { x: () => grad(dy as tf.Tensor, x) };
      },
    });
  }
}

/** Kernels whose gradients this module replaces (for `flowlab info` and the tests). */
export function exactGradientKernels(): string[] {
  return Object.keys(UNARY);
}
