/**
 * Every op a model or loss uses, differentiated three times by nested tf.grad, against float64 finite differences
 * of the same function written in plain JS.
 *
 * For a case f: ℝᵈ → ℝ at x with unit directions u, v we compare three vectors:
 *   ∇f              central difference, h = 1e-5        (error ~ h² + ε₆₄/h ≈ 1e-10)
 *   H v = ∂_v ∇f    mixed 2nd difference, h = 1e-4      (error ~ h² + ε₆₄/h² ≈ 1e-8)
 *   ∇(uᵀH v)        mixed 3rd difference, h = 1e-3      (error ~ h² + ε₆₄/h³ ≈ 1e-6)
 * tfjs computes in float32 (ε₃₂ ≈ 6e-8); with O(1) values and a few dozen ops per derivative the measured relative
 * errors are ≲ 5e-6 (2.5e-5 for the small third derivative of cross-entropy), so we allow ‖tf − fd‖ ≤ 1e-4·‖fd‖ + 1e-5
 * (the absolute term covers vectors that vanish, e.g. the third derivative of a quadratic loss, where the FD noise is
 * ~1e-6). The worst case uses ~8% of that. A gradient taken from a saved output is off by O(1) or throws; the
 * "fails with tfjs's own gradient" test below checks this for every kernel we register.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { tf } from "../src/backend";
import { exactGradientKernels, withTfjsGradient } from "../src/autodiff/gradients";
import { ACTIVATIONS, applyActivation, type Activation } from "../src/models/activations";
import { lossBatch, LOSSES, type LossName } from "../src/models/losses";
import { Rng } from "../src/random";
import { setup } from "./helpers";
import { ACTIVATIONS64, erf64 } from "./reference-mlp";

const RTOL = 1e-4;
const ATOL = 1e-5;

interface Case {
  name: string;
  dim: number;
  /** A point where f is smooth (away from kinks, inside the domain). */
  point(rng: Rng): Float64Array;
  tfF(x: tf.Tensor1D): tf.Scalar;
  f64(x: Float64Array): number;
}

interface Derivs {
  grad: Float64Array;
  hv: Float64Array;
  third: Float64Array;
}

function unit(rng: Rng, dim: number): Float64Array {
  const v = rng.normals(dim);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** ∇f, H v and ∇(uᵀH v) by three nested tf.grad. */
function tfDerivs(c: Case, x: Float64Array, u: Float64Array, v: Float64Array): Derivs {
  const tensors = tf.tidy(() => {
    const X = tf.tensor1d(Float32Array.from(x));
    const U = tf.tensor1d(Float32Array.from(u));
    const V = tf.tensor1d(Float32Array.from(v));
    // tf.grad throws when a derivative is identically constant (e.g. the Hessian of a quadratic): adding 0·y keeps
    // it on the tape without changing its value.
    const onTape = (d: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.add(d, tf.mul(y, 0));
    const g = (y: tf.Tensor): tf.Tensor => onTape(tf.grad((z: tf.Tensor) => c.tfF(z as tf.Tensor1D))(y), y);
    const hv = (y: tf.Tensor): tf.Tensor => onTape(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(g(z), V)))(y), y);
    const third = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(hv(z), U)))(X);
    return [g(X), hv(X), third];
  });
  const [grad, hv, third] = tensors.map((t) => Float64Array.from(t.dataSync()));
  tf.dispose(tensors);
  return { grad, hv, third };
}

/** f at x + Σ_k s_k d_k. */
function shifted(f: (x: Float64Array) => number, x: Float64Array, steps: [number, Float64Array][]): number {
  const y = Float64Array.from(x);
  for (const [s, d] of steps) for (let i = 0; i < y.length; i++) y[i] += s * d[i];
  return f(y);
}

/** The same three vectors by float64 finite differences of f64 (stencils in the file comment). */
function fdDerivs(f: (x: Float64Array) => number, x: Float64Array, u: Float64Array, v: Float64Array): Derivs {
  const dim = x.length;
  const grad = new Float64Array(dim);
  const hv = new Float64Array(dim);
  const third = new Float64Array(dim);
  const signs = [1, -1];
  for (let i = 0; i < dim; i++) {
    const e = new Float64Array(dim);
    e[i] = 1;
    const h1 = 1e-5;
    grad[i] = (shifted(f, x, [[h1, e]]) - shifted(f, x, [[-h1, e]])) / (2 * h1);
    const h2 = 1e-4;
    for (const a of signs) for (const b of signs) hv[i] += a * b * shifted(f, x, [[a * h2, e], [b * h2, v]]);
    hv[i] /= 4 * h2 * h2;
    const h3 = 1e-3;
    for (const a of signs) {
      for (const b of signs) for (const c of signs) third[i] += a * b * c * shifted(f, x, [[a * h3, e], [b * h3, u], [c * h3, v]]);
    }
    third[i] /= 8 * h3 ** 3;
  }
  return { grad, hv, third };
}

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** Worst ratio error / allowed over the three vectors (≤ 1 passes); throws if tfjs cannot differentiate. */
function worstRatio(c: Case, seed = 7): { ratio: number; detail: string } {
  const rng = new Rng(seed);
  const x = c.point(rng);
  assert.equal(x.length, c.dim, `${c.name}: point has the wrong length`);
  const u = unit(rng, c.dim);
  const v = unit(rng, c.dim);
  const got = tfDerivs(c, x, u, v);
  const want = fdDerivs(c.f64, x, u, v);
  let ratio = 0;
  const parts: string[] = [];
  for (const key of ["grad", "hv", "third"] as const) {
    const err = norm(got[key].map((g, i) => g - want[key][i]));
    const allowed = RTOL * norm(want[key]) + ATOL;
    ratio = Math.max(ratio, err / allowed);
    parts.push(`${key}: |err| ${err.toExponential(2)} (rel ${(err / Math.max(norm(want[key]), 1e-30)).toExponential(2)}), |fd| ${norm(want[key]).toExponential(2)}`);
  }
  return { ratio, detail: parts.join("; ") };
}

function check(c: Case): void {
  const { ratio, detail } = worstRatio(c);
  if (process.env.FLOWLAB_VERBOSE) console.log(`${c.name.padEnd(28)} ${ratio.toFixed(3)}  ${detail}`);
  assert.ok(ratio <= 1, `${c.name}: ${detail}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Elementwise cases: f(x) = Σ c_i·op(a·x_i + b), with z = a·x + b drawn uniformly from an interval where op is smooth.

const A = 1.3;
const B = 0.1;
const N = 6;

function coefficients(): Float64Array {
  return new Rng(99).normals(N).map((c) => c + Math.sign(c) * 0.5);
}

/** Draws z in [lo, hi] with |z| ≥ gap (away from a kink at 0), returns x = (z − b)/a. */
function pointIn(lo: number, hi: number, gap = 0): (rng: Rng) => Float64Array {
  return (rng) =>
    Float64Array.from({ length: N }, () => {
      let z: number;
      do z = lo + (hi - lo) * rng.uniform();
      while (Math.abs(z) < gap);
      return (z - B) / A;
    });
}

function elementwise(name: string, op: (z: tf.Tensor) => tf.Tensor, op64: (z: number) => number, point: (rng: Rng) => Float64Array): Case {
  const c = coefficients();
  return {
    name,
    dim: N,
    point,
    tfF: (x) => tf.sum(tf.mul(tf.tensor1d(Float32Array.from(c)), op(tf.add(tf.mul(x, A), B)))),
    f64: (x) => x.reduce((s, xi, i) => s + c[i] * op64(A * xi + B), 0),
  };
}

/** Where each activation is smooth: relu and elu away from 0 by more than the FD steps reach. */
const ACTIVATION_DOMAIN: Record<Activation, [number, number, number]> = {
  identity: [-2, 2, 0],
  tanh: [-2, 2, 0],
  relu: [-2, 2, 0.05],
  swish: [-3, 3, 0],
  gelu: [-3, 3, 0],
  gelu_tanh: [-3, 3, 0],
  sigmoid: [-3, 3, 0],
  softplus: [-3, 3, 0],
  elu: [-2, 2, 0.05],
};

const activationCases: Case[] = ACTIVATIONS.map((act) => {
  const [lo, hi, gap] = ACTIVATION_DOMAIN[act];
  return elementwise(`activation ${act}`, (z) => applyActivation(act, z), ACTIVATIONS64[act].f, pointIn(lo, hi, gap));
});

const primitiveCases: Case[] = [
  elementwise("Tanh", tf.tanh, Math.tanh, pointIn(-2, 2)),
  elementwise("Sigmoid", tf.sigmoid, (z) => 1 / (1 + Math.exp(-z)), pointIn(-3, 3)),
  elementwise("Exp", tf.exp, Math.exp, pointIn(-2, 2)),
  elementwise("Elu", tf.elu, (z) => (z > 0 ? z : Math.expm1(z)), pointIn(-2, 2, 0.05)),
  elementwise("Softplus", tf.softplus, (z) => Math.log1p(Math.exp(z)), pointIn(-3, 3)),
  elementwise("Relu", tf.relu, (z) => Math.max(z, 0), pointIn(-2, 2, 0.05)),
  elementwise("Erf", tf.erf, erf64, pointIn(-2.5, 2.5)),
  elementwise("Log", tf.log, Math.log, pointIn(0.3, 3)),
  elementwise("Log1p", tf.log1p, Math.log1p, pointIn(-0.5, 3)),
  elementwise("SquaredDifference (z − z²)²", (z) => tf.squaredDifference(z, tf.square(z)), (z) => (z - z * z) ** 2, pointIn(-2, 2)),
  elementwise("Sqrt", tf.sqrt, Math.sqrt, pointIn(0.3, 3)),
  elementwise("Rsqrt", tf.rsqrt, (z) => 1 / Math.sqrt(z), pointIn(0.3, 3)),
  elementwise("Reciprocal", tf.reciprocal, (z) => 1 / z, pointIn(0.3, 3)),
  elementwise("Square", tf.square, (z) => z * z, pointIn(-2, 2)),
  elementwise("Neg·Mul (−z³)", (z) => tf.neg(tf.mul(z, tf.mul(z, z))), (z) => -(z ** 3), pointIn(-2, 2)),
  elementwise("Pow zⁿ, n = 3 (gelu_tanh)", (z) => tf.pow(z, 3), (z) => z ** 3, pointIn(-2, 2)),
  elementwise("Pow z^2.5", (z) => tf.pow(z, 2.5), (z) => z ** 2.5, pointIn(0.3, 3)),
  elementwise("Pow z^z (both inputs)", (z) => tf.pow(z, z), (z) => z ** z, pointIn(0.3, 2)),
  elementwise("Pow 1.7^z (broadcast base)", (z) => tf.pow(tf.scalar(1.7), z), (z) => 1.7 ** z, pointIn(-2, 2)),
  elementwise("RealDiv z/(1+z²) (both inputs)", (z) => tf.div(z, tf.add(1, tf.square(z))), (z) => z / (1 + z * z), pointIn(-2, 2)),
  elementwise(
    "Maximum, Minimum (both inputs)",
    (z) => tf.sub(tf.square(tf.maximum(z, tf.mul(z, -0.5))), tf.mul(z, tf.square(tf.minimum(z, tf.mul(z, -0.5))))),
    (z) => Math.max(z, -0.5 * z) ** 2 - z * Math.min(z, -0.5 * z) ** 2,
    pointIn(-2, 2, 0.05),
  ),
  elementwise("Select (where) with Greater", (z) => tf.where(tf.greater(z, 0), tf.mul(z, tf.square(z)), tf.exp(z)), (z) => (z > 0 ? z ** 3 : Math.exp(z)), pointIn(-2, 2, 0.05)),
];

// ---------------------------------------------------------------------------------------------------------------
// Matrix-shaped cases, built the way src/models uses the ops (slices of one flat vector, batched matMul, broadcasts).

const cube = (t: tf.Tensor): tf.Tensor => tf.mul(t, tf.square(t));

/** Fixed coefficients for a shape, so the cases are not symmetric in their entries. */
function weights(size: number, seed: number): Float64Array {
  return new Rng(seed).normals(size);
}

/** Row-major [rows, cols] entry of a flat slice starting at offset. */
const at = (x: Float64Array, offset: number, cols: number, r: number, c: number): number => x[offset + r * cols + c];

/**
 * BatchMatMul with a broadcast batch, as in the MLP's first layer: A [1,3,4] broadcast to [2,3,4] times B [2,4,2],
 * f = Σ C ⊙ (A B)³ (a degree-6 polynomial, so all three derivatives are nonzero). Also covers Slice, Reshape,
 * BroadcastTo.
 */
const matMulCase: Case = (() => {
  const C = weights(2 * 3 * 2, 11);
  return {
    name: "BatchMatMul + BroadcastTo + Slice",
    dim: 12 + 16,
    point: (rng) => rng.normals(28, 0.7),
    tfF: (x) => {
      const a = tf.broadcastTo(tf.reshape(tf.slice(x, [0], [12]), [1, 3, 4]), [2, 3, 4]);
      const b = tf.reshape(tf.slice(x, [12], [16]), [2, 4, 2]);
      return tf.sum(tf.mul(tf.tensor3d(Float32Array.from(C), [2, 3, 2]), cube(tf.matMul(a, b))));
    },
    f64: (x) => {
      let s = 0;
      for (let e = 0; e < 2; e++) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 2; j++) {
            let p = 0;
            for (let k = 0; k < 4; k++) p += at(x, 0, 4, i, k) * at(x, 12 + e * 8, 2, k, j);
            s += C[(e * 3 + i) * 2 + j] * p ** 3;
          }
        }
      }
      return s;
    },
  };
})();

/** Bias add as in the MLP, Z [2,3,2] + b [2,1,2] (Add with broadcasting), then a cube. */
const biasAddCase: Case = (() => {
  const C = weights(12, 12);
  return {
    name: "Add with broadcasting (bias)",
    dim: 12 + 4,
    point: (rng) => rng.normals(16, 0.8),
    tfF: (x) => {
      const z = tf.reshape(tf.slice(x, [0], [12]), [2, 3, 2]);
      const b = tf.reshape(tf.slice(x, [12], [4]), [2, 1, 2]);
      return tf.sum(tf.mul(tf.tensor3d(Float32Array.from(C), [2, 3, 2]), cube(tf.add(z, b))));
    },
    f64: (x) => {
      let s = 0;
      for (let e = 0; e < 2; e++) for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) s += C[(e * 3 + i) * 2 + j] * (x[(e * 3 + i) * 2 + j] + x[12 + e * 2 + j]) ** 3;
      return s;
    },
  };
})();

/** Softmax over the last axis of Z [3,4]: f = Σ C ⊙ softmax(Z). */
const softmaxCase: Case = (() => {
  const C = weights(12, 13);
  return {
    name: "Softmax",
    dim: 12,
    point: (rng) => rng.normals(12),
    tfF: (x) => tf.sum(tf.mul(tf.tensor2d(Float32Array.from(C), [3, 4]), tf.softmax(tf.reshape(x, [3, 4])))),
    f64: (x) => {
      let s = 0;
      for (let i = 0; i < 3; i++) {
        const row = x.subarray(i * 4, i * 4 + 4);
        const z = row.reduce((t, r) => t + Math.exp(r), 0);
        row.forEach((r, j) => (s += (C[i * 4 + j] * Math.exp(r)) / z));
      }
      return s;
    },
  };
})();

/** Reductions on X [3,4]: f = Σ_i c_i (mean_j X_ij)³ + Σ_j d_j (Σ_i X_ij)³ + Σ_i e_i (max_j X_ij)³ + Σ_i k_i (min_j X_ij)³. */
const reductionsCase: Case = (() => {
  const c = weights(3, 14);
  const d = weights(4, 15);
  const e = weights(3, 16);
  const k = weights(3, 20);
  return {
    name: "Mean, Sum, Max, Min",
    dim: 12,
    point: (rng) => rng.normals(12), // entries of a row differ by ≫ the FD steps, so no ties at the max
    tfF: (x) => {
      const X = tf.reshape(x, [3, 4]);
      const t1 = tf.sum(tf.mul(tf.tensor1d(Float32Array.from(c)), cube(tf.mean(X, 1))));
      const t2 = tf.sum(tf.mul(tf.tensor1d(Float32Array.from(d)), cube(tf.sum(X, 0))));
      const t3 = tf.sum(tf.mul(tf.tensor2d(Float32Array.from(e), [3, 1]), cube(tf.max(X, 1, true))));
      const t4 = tf.sum(tf.mul(tf.tensor1d(Float32Array.from(k)), cube(tf.min(X, 1))));
      return tf.addN([t1, t2, t3, t4]) as tf.Scalar;
    },
    f64: (x) => {
      let s = 0;
      for (let i = 0; i < 3; i++) {
        const row = Array.from(x.subarray(i * 4, i * 4 + 4));
        s += c[i] * (row.reduce((a, b) => a + b, 0) / 4) ** 3 + e[i] * Math.max(...row) ** 3 + k[i] * Math.min(...row) ** 3;
      }
      for (let j = 0; j < 4; j++) s += d[j] * (x[j] + x[4 + j] + x[8 + j]) ** 3;
      return s;
    },
  };
})();

/** tf.logSumExp (a composite of Max, Sub, Exp, Sum, Log, Add): f = Σ_i c_i logsumexp(X_i·). */
const logSumExpCase: Case = (() => {
  const c = weights(3, 17);
  return {
    name: "tf.logSumExp",
    dim: 12,
    point: (rng) => rng.normals(12),
    tfF: (x) => tf.sum(tf.mul(tf.tensor1d(Float32Array.from(c)), tf.logSumExp(tf.reshape(x, [3, 4]), 1))),
    f64: (x) => {
      let s = 0;
      for (let i = 0; i < 3; i++) s += c[i] * Math.log(x.subarray(i * 4, i * 4 + 4).reduce((t, r) => t + Math.exp(r), 0));
      return s;
    },
  };
})();

/** Each loss of src/models/losses.ts on predictions F [1, n=3, c=4] (the whole vector x) against fixed targets. */
function lossCase(name: LossName): Case {
  const n = 3;
  const c = 4;
  const Y = new Float64Array(n * c);
  const rng = new Rng(18);
  for (let i = 0; i < n; i++) {
    if (name === "cross_entropy") Y[i * c + ((i * 3 + 1) % c)] = 1;
    else for (let j = 0; j < c; j++) Y[i * c + j] = rng.normal();
  }
  return {
    name: `loss ${name}`,
    dim: n * c,
    point: (r) => r.normals(n * c, 2),
    tfF: (x) => tf.sum(lossBatch(name, tf.reshape(x, [1, n, c]) as tf.Tensor3D, tf.tensor2d(Float32Array.from(Y), [n, c]))),
    f64: (x) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const f = x.subarray(i * c, (i + 1) * c);
        const y = Y.subarray(i * c, (i + 1) * c);
        if (name === "cross_entropy") s += (Math.log(f.reduce((t, r) => t + Math.exp(r), 0)) - f.reduce((t, r, j) => t + r * y[j], 0)) / n;
        else s += f.reduce((t, r, j) => t + (r - y[j]) ** 2, 0) * { mse: 1 / (n * c), half_sse: 0.5 / n, sum_half_sse: 0.5 }[name];
      }
      return s;
    },
  };
}

const compositeCases: Case[] = [matMulCase, biasAddCase, softmaxCase, reductionsCase, logSumExpCase, ...LOSSES.map(lossCase)];

/** For each kernel we re-register, a case that exercises it. */
const CASE_FOR_KERNEL: Record<string, string> = {
  Tanh: "Tanh",
  Sigmoid: "Sigmoid",
  Exp: "Exp",
  Elu: "Elu",
  Softmax: "Softmax",
  Pow: "Pow z^z (both inputs)",
  Equal: "Mean, Sum, Max, Min",
  Greater: "Select (where) with Greater",
  Less: "Maximum, Minimum (both inputs)",
  LessEqual: "Maximum, Minimum (both inputs)",
  LogicalNot: "Select (where) with Greater",
};

describe("exact higher-order derivatives of every op (nested tf.grad vs float64 finite differences)", () => {
  before(setup);

  describe("activations of src/models/activations.ts", () => {
    for (const c of activationCases) test(c.name, () => check(c));
  });
  describe("kernels", () => {
    for (const c of primitiveCases) test(c.name, () => check(c));
  });
  describe("matrix ops and losses", () => {
    for (const c of compositeCases) test(c.name, () => check(c));
  });

  test("every re-registered kernel has a case, and that case fails with tfjs's own gradient", () => {
    const all = [...activationCases, ...primitiveCases, ...compositeCases];
    assert.deepEqual([...exactGradientKernels()].sort(), Object.keys(CASE_FOR_KERNEL).sort());
    for (const kernel of exactGradientKernels()) {
      const c = all.find((k) => k.name === CASE_FOR_KERNEL[kernel]);
      assert.ok(c, `no case named ${CASE_FOR_KERNEL[kernel]}`);
      let outcome: string;
      try {
        const { ratio } = withTfjsGradient(kernel, () => worstRatio(c));
        outcome = `error ${ratio.toFixed(1)}× the tolerance`;
        assert.ok(ratio > 1, `${kernel}: the case "${c.name}" passes even with tfjs's own gradient`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        outcome = `throws: ${(e as Error).message.split("\n")[0].slice(0, 60)}`;
      }
      if (process.env.FLOWLAB_VERBOSE) console.log(`with tfjs's ${kernel} gradient: ${outcome}`);
    }
    // Ours are back in place.
    check(primitiveCases[0]);
  });

  test("tf.logSoftmax (a customGrad op we cannot re-register) is wrong at 2nd order: objectives must avoid it", () => {
    const c = weights(12, 19);
    const viaLogSoftmax: Case = {
      name: "tf.logSoftmax",
      dim: 12,
      point: (rng) => rng.normals(12),
      tfF: (x) => tf.sum(tf.mul(tf.tensor2d(Float32Array.from(c), [3, 4]), tf.logSoftmax(tf.reshape(x, [3, 4])))),
      f64: (x) => {
        let s = 0;
        for (let i = 0; i < 3; i++) {
          const row = x.subarray(i * 4, i * 4 + 4);
          const lse = Math.log(row.reduce((t, r) => t + Math.exp(r), 0));
          row.forEach((r, j) => (s += c[i * 4 + j] * (r - lse)));
        }
        return s;
      },
    };
    let ratio = Infinity;
    try {
      ratio = worstRatio(viaLogSoftmax).ratio;
    } catch {
      // cannot differentiate twice: also "wrong"
    }
    if (process.env.FLOWLAB_VERBOSE) console.log(`tf.logSoftmax: error ${ratio.toFixed(1)}× the tolerance`);
    assert.ok(ratio > 1, "tf.logSoftmax now differentiates exactly: it may be allowed in objectives (update autodiff/gradients.ts)");
  });
});
