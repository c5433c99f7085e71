/**
 * Every activation of models/activations.ts with its first three derivatives, in float64. One call fills
 * σ, σ', σ'', σ''' for a whole pre-activation array (the switch sits outside the loop): the forward pass needs σ,
 * the gradient σ', HVPs σ'' and third-derivative vectors σ'''.
 */
import type { Activation } from "../../models/activations";
import { erf } from "./erf";

/** σ and its derivatives at each z[i], for i < count. */
export interface ActivationBuffers {
  f: Float64Array;
  d1: Float64Array;
  d2: Float64Array;
  d3: Float64Array;
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The logistic function without overflow for either sign. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function activationDerivatives(name: Activation, z: Float64Array, count: number, out: ActivationBuffers): void {
  const { f, d1, d2, d3 } = out;
  switch (name) {
    case "identity":
      for (let i = 0; i < count; i++) {
        f[i] = z[i];
        d1[i] = 1;
        d2[i] = 0;
        d3[i] = 0;
      }
      return;
    case "relu": // σ' = 1 for z > 0 and 0 otherwise, as tfjs's relu gradient
      for (let i = 0; i < count; i++) {
        const x = z[i];
        f[i] = x > 0 ? x : 0;
        d1[i] = x > 0 ? 1 : 0;
        d2[i] = 0;
        d3[i] = 0;
      }
      return;
    case "elu": // z > 0: z; else e^z − 1 (every derivative e^z)
      for (let i = 0; i < count; i++) {
        const x = z[i];
        if (x > 0) {
          f[i] = x;
          d1[i] = 1;
          d2[i] = 0;
          d3[i] = 0;
        } else {
          const e = Math.exp(x);
          f[i] = Math.expm1(x);
          d1[i] = e;
          d2[i] = e;
          d3[i] = e;
        }
      }
      return;
    case "tanh": // t' = 1 − t², t'' = −2t(1 − t²), t''' = (1 − t²)(6t² − 2)
      for (let i = 0; i < count; i++) {
        const t = Math.tanh(z[i]);
        const s = 1 - t * t;
        f[i] = t;
        d1[i] = s;
        d2[i] = -2 * t * s;
        d3[i] = s * (6 * t * t - 2);
      }
      return;
    case "sigmoid": // s' = s(1 − s), s'' = s'(1 − 2s), s''' = s''(1 − 2s) − 2s'²
      for (let i = 0; i < count; i++) {
        const s = sigmoid(z[i]);
        const s1 = s * (1 - s);
        const s2 = s1 * (1 - 2 * s);
        f[i] = s;
        d1[i] = s1;
        d2[i] = s2;
        d3[i] = s2 * (1 - 2 * s) - 2 * s1 * s1;
      }
      return;
    case "softplus": // log(1 + e^z); derivatives are the sigmoid's
      for (let i = 0; i < count; i++) {
        const x = z[i];
        const s = sigmoid(x);
        const s1 = s * (1 - s);
        const s2 = s1 * (1 - 2 * s);
        f[i] = Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
        d1[i] = s;
        d2[i] = s1;
        d3[i] = s2;
      }
      return;
    case "swish": // z s(z): (zs)' = s + zs', (zs)'' = 2s' + zs'', (zs)''' = 3s'' + zs'''
      for (let i = 0; i < count; i++) {
        const x = z[i];
        const s = sigmoid(x);
        const s1 = s * (1 - s);
        const s2 = s1 * (1 - 2 * s);
        const s3 = s2 * (1 - 2 * s) - 2 * s1 * s1;
        f[i] = x * s;
        d1[i] = s + x * s1;
        d2[i] = 2 * s1 + x * s2;
        d3[i] = 3 * s2 + x * s3;
      }
      return;
    case "gelu": // z Φ(z): Φ + zφ, φ(2 − z²), φ(z³ − 4z)
      for (let i = 0; i < count; i++) {
        const x = z[i];
        const phi = INV_SQRT_2PI * Math.exp(-0.5 * x * x);
        const Phi = 0.5 * (1 + erf(x * Math.SQRT1_2));
        f[i] = x * Phi;
        d1[i] = Phi + x * phi;
        d2[i] = phi * (2 - x * x);
        d3[i] = phi * x * (x * x - 4);
      }
      return;
    case "gelu_tanh": // ½z(1 + T), T = tanh(u), u = c(z + a z³): f' = ½(1 + T) + ½zT', f'' = T' + ½zT'', f''' = 3/2 T'' + ½zT'''
      for (let i = 0; i < count; i++) {
        const x = z[i];
        const u = GELU_C * (x + GELU_A * x * x * x);
        const u1 = GELU_C * (1 + 3 * GELU_A * x * x);
        const u2 = 6 * GELU_C * GELU_A * x;
        const u3 = 6 * GELU_C * GELU_A;
        const T = Math.tanh(u);
        const S = 1 - T * T;
        const T1 = S * u1;
        const T2 = S * (u2 - 2 * T * u1 * u1);
        const T3 = -2 * T * S * u1 * (u2 - 2 * T * u1 * u1) + S * (u3 - 2 * S * u1 * u1 * u1 - 4 * T * u1 * u2);
        f[i] = 0.5 * x * (1 + T);
        d1[i] = 0.5 * (1 + T) + 0.5 * x * T1;
        d2[i] = T1 + 0.5 * x * T2;
        d3[i] = 1.5 * T2 + 0.5 * x * T3;
      }
      return;
  }
}
