/**
 * Gradients that stay exact under nesting.
 *
 * tfjs saves the tensors a gradient needs as *clones*, and clones of a kernel's *output* are taped before the
 * kernel itself, so nested `tf.grad` sees them as constants: every gradient built from a saved output gives
 * wrong (or no) second derivatives. We re-register each such kernel's gradient as an expression of its saved
 * *inputs*, built from ops that are themselves differentiable, so 2nd and 3rd derivatives come out exact.
 * Second trap: gradients that build a 0/1 mask by comparing their inputs (Max, Maximum, Minimum, Pow, Select…)
 * put a comparison kernel on the path of the next derivative, and tfjs registers no gradient for Equal, Greater,
 * Less, LessEqual or LogicalNot, so that derivative throws. They are piecewise constant: we register d/dx = 0.
 *
 * Audit of tfjs 4.22 (the kernels our models, losses and tests use):
 *  - replaced here: Tanh, Sigmoid, Exp, Elu (output-based; Elu's gradient kernel EluGrad has no gradient),
 *    Softmax (output-based), Pow (the exponent's derivative uses the output).
 *  - registered here with a zero gradient: Equal, Greater, Less, LessEqual, LogicalNot.
 *  - exact as tfjs registers them (gradient from the inputs, or from an output that only enters a 0/1 mask),
 *    given the two lists above: Add, Sub, Multiply, RealDiv, Neg, Square, SquaredDifference, Sqrt, Rsqrt,
 *    Reciprocal, Log, Log1p, Erf, Softplus (σ(x)), Relu (Step), Maximum, Minimum, Select, Max, Min,
 *    BatchMatMul, Sum, Mean, Reshape, Slice, PadV2, BroadcastTo, Cast, Identity, AddN.
 *  - not fixable here: `tf.logSoftmax` and `tf.logSigmoid` are customGrad ops (no kernel to re-register) whose
 *    gradients use their saved output; never use them in an objective. Write log-softmax as x − logsumexp(x)
 *    with `tf.logSumExp` or the max-shifted form in models/losses.ts, which are composites of exact kernels.
 * Every kernel a model uses must be listed here or above and have a test in test/autodiff.test.ts.
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
  // elu(x) = x for x > 0, eˣ − 1 otherwise, so elu'(x) = exp(min(x, 0)).
  Elu: (dy, x) => tf.mul(dy, tf.exp(tf.minimum(x, 0))),
};

/** Sums a broadcast result back to an input's shape (the adjoint of broadcasting `shape` to `outShape`). */
function unbroadcast(t: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
}

/** Kernels with attributes or several inputs, each gradient again from the saved inputs only. */
const GENERAL: tf.GradConfig[] = [
  {
    // y = softmax(z) along `dim`: ∂L/∂z = y ⊙ dy − y · Σ_dim (y ⊙ dy), with y recomputed from z.
    kernelName: "Softmax",
    inputsToSave: ["logits"],
    gradFunc: (dy, saved, attrs) => {
      const [logits] = saved;
      const dim = attrs.dim as number;
      return {
        logits: () => {
          const y = tf.softmax(logits, dim);
          const yDy = tf.mul(dy as tf.Tensor, y);
          return tf.sub(yDy, tf.mul(tf.sum(yDy, dim, true), y));
        },
      };
    },
  },
  {
    // y = aᵇ: ∂y/∂a = b·a^(b−1); ∂y/∂b = aᵇ·ln a for a > 0, taken as 0 elsewhere (as tfjs does). The log
    // is evaluated at 1 where a ≤ 0 so that no NaN leaks into higher derivatives through the masked branch.
    kernelName: "Pow",
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved) => {
      const [a, b] = saved;
      const g = dy as tf.Tensor;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const bf = tf.cast(b, "float32");
      return {
        a: () => unbroadcast(tf.mul(g, tf.mul(bf, tf.pow(a, tf.sub(bf, 1)))), a.shape, outShape),
        b: () => {
          const positive = tf.greater(a, 0);
          const logA = tf.where(positive, tf.log(tf.where(positive, a, tf.onesLike(a))), tf.zerosLike(a));
          return unbroadcast(tf.mul(g, tf.mul(tf.pow(a, bf), logA)), b.shape, outShape);
        },
      };
    },
  },
];

/** Piecewise-constant kernels tfjs leaves without a gradient: their derivative is 0 wherever it exists. */
const PIECEWISE_CONSTANT = ["Equal", "Greater", "Less", "LessEqual", "LogicalNot"];

function zeroGradient(kernelName: string): tf.GradConfig {
  const inputs = kernelName === "LogicalNot" ? ["x"] : ["a", "b"];
  return {
    kernelName,
    inputsToSave: inputs,
    // Float32 zeros even for bool inputs: tfjs requires float32 gradients.
    gradFunc: (_dy, saved) => Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i].shape)])),
  };
}

/** The configurations tfjs had registered before ours, by kernel name (for tests that prove ours matter). */
const replaced = new Map<string, tf.GradConfig | null>();
let registered = false;

/** Idempotent; called by `initBackend` (src/runtime.ts). */
export function registerExactGradients(): void {
  if (registered) return;
  registered = true;
  const configs: tf.GradConfig[] = [
    ...Object.entries(UNARY).map(
      ([kernelName, grad]): tf.GradConfig => ({
        kernelName,
        inputsToSave: ["x"],
        gradFunc: (dy, saved) => {
          const [x] = saved;
          return { x: () => grad(dy as tf.Tensor, x) };
        },
      }),
    ),
    ...GENERAL,
    ...PIECEWISE_CONSTANT.map(zeroGradient),
  ];
  for (const config of configs) {
    const original = tf.getGradient(config.kernelName);
    replaced.set(config.kernelName, original ?? null);
    tf.registerGradient(config);
  }
}

/** Kernels whose gradients this module replaces (for `flowlab info` and the tests). */
export function exactGradientKernels(): string[] {
  return [...Object.keys(UNARY), ...GENERAL.map((c) => c.kernelName), ...PIECEWISE_CONSTANT];
}

/**
 * Runs `body` with tfjs's own gradient for `kernelName` (or none, where tfjs registers none) in place of ours,
 * then restores ours. Only for tests that check a derivative test fails without our registration.
 */
export function withTfjsGradient<T>(kernelName: string, body: () => T): T {
  const original = replaced.get(kernelName);
  const ours = tf.getGradient(kernelName);
  if (original === undefined || !ours) throw new Error(`kernel ${kernelName} has no gradient registered by this module`);
  if (original === null) tf.unregisterGradient(kernelName);
  else tf.registerGradient(original);
  try {
    return body();
  } finally {
    tf.registerGradient(ours);
  }
}
