/**
 * An independent float64 MLP for checking the tfjs derivatives: plain-JS forward pass, losses and a hand-written
 * backward pass, on the same flat parameter layout as src/models/mlp.ts (per layer W [in, out] row-major, then b).
 * Nothing here calls tfjs, so a bug in a tfjs gradient cannot hide in the reference.
 */
import type { Activation } from "../src/models/activations";
import type { LossName } from "../src/models/losses";
import type { Dataset } from "../src/models/objective";
import { initParams } from "../src/models/init";
import { denseLayout, type DenseLayout } from "../src/params";
import { Rng } from "../src/random";

/**
 * erf in float64 to a few ulps: erf(x) = (2/√π) e^(−x²) Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), a series of positive terms
 * (no cancellation) that converges for every x; beyond |x| = 6, erf is ±1 to double precision.
 */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= (2 * ax * ax) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
}

const sigmoid64 = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/** Each activation and its first derivative, in float64, written from the formulas (not from tfjs). */
export const ACTIVATIONS64: Record<Activation, { f: (x: number) => number; df: (x: number) => number }> = {
  identity: { f: (x) => x, df: () => 1 },
  tanh: { f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2 },
  relu: { f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0) },
  swish: {
    f: (x) => x * sigmoid64(x),
    df: (x) => sigmoid64(x) * (1 + x * (1 - sigmoid64(x))),
  },
  gelu: {
    f: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
    df: (x) => 0.5 * (1 + erf64(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
  },
  gelu_tanh: {
    f: (x) => 0.5 * x * (1 + Math.tanh(GELU_C * (x + GELU_A * x ** 3))),
    df: (x) => {
      const t = Math.tanh(GELU_C * (x + GELU_A * x ** 3));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * x * x);
    },
  },
  sigmoid: { f: sigmoid64, df: (x) => sigmoid64(x) * (1 - sigmoid64(x)) },
  softplus: { f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), df: sigmoid64 },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)) },
};

export interface ReferenceMlp {
  layout: DenseLayout;
  activation: Activation;
  loss: LossName;
  data: Dataset;
}

export function referenceMlp(widths: number[], bias: boolean, activation: Activation, loss: LossName, data: Dataset): ReferenceMlp {
  return { layout: denseLayout(widths, bias), activation, loss, data };
}

interface Pass {
  /** Pre-activations z_l [n, out_l] of every layer (the last one is the output). */
  zs: Float64Array[];
  /** Layer inputs h_{l−1} [n, in_l]: the data, then the activations. */
  hs: Float64Array[];
}

function forward(m: ReferenceMlp, w: ArrayLike<number>): Pass {
  const { layout, data } = m;
  const act = ACTIVATIONS64[m.activation].f;
  const n = data.n;
  let h = Float64Array.from(data.X);
  const zs: Float64Array[] = [];
  const hs: Float64Array[] = [];
  layout.layers.forEach((s, l) => {
    hs.push(h);
    const z = new Float64Array(n * s.out);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < s.out; j++) {
        let acc = s.bOffset >= 0 ? w[s.bOffset + j] : 0;
        for (let k = 0; k < s.in; k++) acc += h[i * s.in + k] * w[s.wOffset + k * s.out + j];
        z[i * s.out + j] = acc;
      }
    }
    zs.push(z);
    h = l + 1 < layout.layers.length ? z.map(act) : z;
  });
  return { zs, hs };
}

/** The loss of outputs F [n, c] and its gradient ∂L/∂F, in float64 (normalizations as in src/models/losses.ts). */
function lossOfOutputs(name: LossName, F: Float64Array, Y: ArrayLike<number>, n: number, c: number): { loss: number; dF: Float64Array } {
  const dF = new Float64Array(n * c);
  let loss = 0;
  if (name !== "cross_entropy") {
    const scale = { mse: 1 / (n * c), half_sse: 0.5 / n, sum_half_sse: 0.5 }[name];
    for (let i = 0; i < n * c; i++) {
      const r = F[i] - Y[i];
      loss += scale * r * r;
      dF[i] = 2 * scale * r;
    }
    return { loss, dF };
  }
  for (let i = 0; i < n; i++) {
    const row = F.subarray(i * c, (i + 1) * c);
    const m = Math.max(...row);
    let s = 0;
    for (const f of row) s += Math.exp(f - m);
    let fy = 0;
    for (let j = 0; j < c; j++) fy += row[j] * Y[i * c + j];
    loss += (m + Math.log(s) - fy) / n;
    for (let j = 0; j < c; j++) dF[i * c + j] = (Math.exp(row[j] - m) / s - Y[i * c + j]) / n;
  }
  return { loss, dF };
}

export function referenceLoss(m: ReferenceMlp, w: ArrayLike<number>): number {
  return referenceLossAndGrad(m, w).loss;
}

/** Loss and gradient by backpropagation in float64. */
export function referenceLossAndGrad(m: ReferenceMlp, w: ArrayLike<number>): { loss: number; grad: Float64Array } {
  const { layout, data } = m;
  const dAct = ACTIVATIONS64[m.activation].df;
  const n = data.n;
  const { zs, hs } = forward(m, w);
  const L = layout.layers.length;
  const { loss, dF } = lossOfOutputs(m.loss, zs[L - 1], data.Y, n, data.c);
  const grad = new Float64Array(layout.size);
  let dz = dF; // ∂L/∂z_l [n, out_l]
  for (let l = L - 1; l >= 0; l--) {
    const s = layout.layers[l];
    const h = hs[l];
    for (let k = 0; k < s.in; k++) {
      for (let j = 0; j < s.out; j++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += h[i * s.in + k] * dz[i * s.out + j];
        grad[s.wOffset + k * s.out + j] = acc;
      }
    }
    if (s.bOffset >= 0) {
      for (let j = 0; j < s.out; j++) {
        let acc = 0;
        for (let i = 0; i < n; i++) acc += dz[i * s.out + j];
        grad[s.bOffset + j] = acc;
      }
    }
    if (l === 0) break;
    const zPrev = zs[l - 1];
    const dzPrev = new Float64Array(n * s.in);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < s.in; k++) {
        let acc = 0;
        for (let j = 0; j < s.out; j++) acc += dz[i * s.out + j] * w[s.wOffset + k * s.out + j];
        dzPrev[i * s.in + k] = acc * dAct(zPrev[i * s.in + k]);
      }
    }
    dz = dzPrev;
  }
  return { loss, grad };
}

/** Smallest |z| over all hidden pre-activations: how far the point is from relu's and elu's kinks. */
export function minAbsHiddenPreactivation(m: ReferenceMlp, w: ArrayLike<number>): number {
  const { zs } = forward(m, w);
  let min = Infinity;
  for (const z of zs.slice(0, -1)) for (const v of z) min = Math.min(min, Math.abs(v));
  return min;
}

/** Hessian-vector product H(w) v by a central difference of the analytic gradient: error O(h²) + O(ε/h). */
export function referenceHvp(m: ReferenceMlp, w: Float64Array, v: Float64Array, h = 1e-5): Float64Array {
  const gp = referenceLossAndGrad(m, w.map((wi, i) => wi + h * v[i])).grad;
  const gm = referenceLossAndGrad(m, w.map((wi, i) => wi - h * v[i])).grad;
  return gp.map((g, i) => (g - gm[i]) / (2 * h));
}

/** ∇(uᵀH v) = ∂²∇L/∂s∂t at w + s u + t v, by a mixed central difference of the analytic gradient. */
export function referenceThird(m: ReferenceMlp, w: Float64Array, u: Float64Array, v: Float64Array, h = 1e-3): Float64Array {
  const g = (su: number, tv: number): Float64Array => referenceLossAndGrad(m, w.map((wi, i) => wi + su * u[i] + tv * v[i])).grad;
  const pp = g(h, h);
  const pm = g(h, -h);
  const mp = g(-h, h);
  const mm = g(-h, -h);
  return pp.map((x, i) => (x - pm[i] - mp[i] + mm[i]) / (4 * h * h));
}

/** The test problems of the Hessian and engine tests: n Gaussian inputs for `widths`, targets fitting `loss`. */
export function testDataset(widths: number[], n: number, loss: LossName, seed: number): Dataset {
  const rng = new Rng(seed);
  const d = widths[0];
  const c = widths[widths.length - 1];
  const X = Float32Array.from(rng.normals(n * d));
  const Y = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    if (loss === "cross_entropy") Y[i * c + rng.int(c)] = 1;
    else for (let j = 0; j < c; j++) Y[i * c + j] = rng.normal();
  }
  return { X, Y, n, d, c };
}

/** A float32-representable point (so tfjs and the reference see the same w), with every hidden pre-activation farther than `margin` from relu's and elu's kinks. */
export function pointAwayFromKinks(ref: ReferenceMlp, seed: number, margin: number): Float64Array {
  for (let s = seed; s < seed + 100; s++) {
    const w = Float64Array.from(Float32Array.from(initParams(ref.layout, { scheme: "torch" }, s).map((x) => 2 * x)));
    if (minAbsHiddenPreactivation(ref, w) > margin) return w;
  }
  throw new Error("no point away from the kinks");
}

export function unitVector(rng: Rng, dim: number): Float64Array {
  const v = rng.normals(dim);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
