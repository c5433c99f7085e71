/**
 * Derivatives of an objective, on host float64 vectors, each kind batched into one tfjs call:
 *   lossAndGrad(w)           L(w), ∇L(w)
 *   gradMany(ws)             ∇L at many points (an ensemble)
 *   hvp(w, vs)               H(w) v_i for all i                 (reverse-over-reverse)
 *   gradAndHvp(w, vs)        L(w), ∇L(w) and H(w) v_i in one call (one graph, one read-back)
 *   third(w, us, vs)         ∇_w (u_iᵀ H(w) v_i) for all pairs  (three nested reverse passes)
 * The batch rides on the objective's leading ensemble dimension: the point w is repeated once per vector,
 * so one forward/backward computes every vector. Host vectors are float64; tfjs computes in float32.
 * The float64 engine for MLP objectives (autodiff/f64) implements the same interface; autodiff/select picks one.
 */
import { tf } from "../backend";
import type { Vec } from "../linalg/vec";
import type { Objective } from "../models/objective";

/** Host vectors are linalg/vec's (defined once there). */
export type { Vec };

/** How much differentiation work was done; HVPs and third-derivative vectors count per vector. */
export interface Counters {
  losses: number;
  gradients: number;
  hvps: number;
  thirds: number;
  /** tfjs calls (one per batched request). */
  calls: number;
}

export function newCounters(): Counters {
  return { losses: 0, gradients: 0, hvps: 0, thirds: 0, calls: 0 };
}

export type EngineName = "f64" | "tfjs";
export type Dtype = "float64" | "float32";

export interface Derivatives {
  readonly dim: number;
  readonly counters: Counters;
  /** Which engine computes, and in which precision. */
  readonly engine: EngineName;
  readonly dtype: Dtype;
  loss(w: Vec): number;
  lossMany(ws: Vec[]): Float64Array;
  lossAndGrad(w: Vec): { loss: number; grad: Vec };
  gradMany(ws: Vec[]): { losses: Float64Array; grads: Vec[] };
  hvp(w: Vec, vs: Vec[]): Vec[];
  /**
   * Loss, gradient and H(w) v_i at one point in one call (counts one gradient, vs.length HVPs, one call): for a
   * step that needs both, this shares the forward/backward pass that separate lossAndGrad + hvp calls repeat.
   */
  gradAndHvp(w: Vec, vs: Vec[]): { loss: number; grad: Vec; hvps: Vec[] };
  third(w: Vec, us: Vec[], vs: Vec[]): Vec[];
}

function rows(flat: Float32Array, k: number, dim: number): Vec[] {
  const out: Vec[] = [];
  for (let i = 0; i < k; i++) out.push(Float64Array.from(flat.subarray(i * dim, (i + 1) * dim)));
  return out;
}

function stack(vs: Vec[], dim: number, what: string): Float32Array {
  const flat = new Float32Array(vs.length * dim);
  vs.forEach((v, i) => {
    if (v.length !== dim) throw new Error(`${what}[${i}] has length ${v.length}, expected ${dim}`);
    flat.set(v, i * dim);
  });
  return flat;
}

/** Gradient of a scalar function of a [E, P] tensor, typed for 2-D inputs. */
function grad2d(f: (W: tf.Tensor2D) => tf.Tensor): (W: tf.Tensor2D) => tf.Tensor2D {
  return (W) => tf.grad((x: tf.Tensor) => f(x as tf.Tensor2D))(W) as tf.Tensor2D;
}

/** Derivatives of `objective` through tfjs (exact to float32 for every op registered in autodiff/gradients). */
export function tfDerivatives(objective: Objective): Derivatives {
  const dim = objective.dim;
  const counters = newCounters();
  const repeated = (w: Vec, k: number): tf.Tensor2D => {
    if (w.length !== dim) throw new Error(`parameter vector has length ${w.length}, expected ${dim}`);
    return tf.tile(tf.tensor2d(Float32Array.from(w), [1, dim]), [k, 1]);
  };
  // Σ_e L(W_e): its gradient's row e is ∇L(W_e).
  const total = (W: tf.Tensor2D): tf.Scalar => tf.sum(objective.values(W));
  // `+ 0·Z` keeps each derivative connected to its input, so differentiating it again yields zeros instead of
  // "Cannot compute gradient" when the objective is linear or quadratic (constant Hessian).
  const connected = (t: tf.Tensor2D, Z: tf.Tensor2D): tf.Tensor2D => tf.add(t, tf.mul(Z, 0));
  const gradRows = (W: tf.Tensor2D): tf.Tensor2D => connected(grad2d(total)(W), W);
  // Σ_e ⟨∇L(W_e), V_e⟩: its gradient's row e is H(W_e) V_e.
  const hvpRows = (W: tf.Tensor2D, V: tf.Tensor2D): tf.Tensor2D =>
    connected(grad2d((Z) => tf.sum(tf.mul(gradRows(Z), V)))(W), W);

  const lossMany = (ws: Vec[]): Float64Array => {
    counters.losses += ws.length;
    counters.calls++;
    const out = tf.tidy(() => objective.values(tf.tensor2d(stack(ws, dim, "ws"), [ws.length, dim])).dataSync());
    return Float64Array.from(out);
  };
  const gradMany = (ws: Vec[]): { losses: Float64Array; grads: Vec[] } => {
    counters.gradients += ws.length;
    counters.calls++;
    let kept: tf.Tensor1D | null = null;
    const gradFlat = tf.tidy(() => {
      const W = tf.tensor2d(stack(ws, dim, "ws"), [ws.length, dim]);
      const grad = grad2d((Z) => {
        const values = objective.values(Z);
        kept = tf.keep(values); // per-row losses from the same forward pass
        return tf.sum(values);
      })(W);
      return grad.dataSync() as Float32Array;
    });
    const lossFlat = (kept as tf.Tensor1D | null)?.dataSync() ?? new Float32Array(ws.length);
    (kept as tf.Tensor1D | null)?.dispose();
    return { losses: Float64Array.from(lossFlat), grads: rows(gradFlat, ws.length, dim) };
  };
  const gradAndHvp = (w: Vec, vs: Vec[]): { loss: number; grad: Vec; hvps: Vec[] } => {
    if (vs.length === 0) {
      const { losses, grads } = gradMany([w]);
      return { loss: losses[0], grad: grads[0], hvps: [] };
    }
    counters.gradients++;
    counters.hvps += vs.length;
    counters.calls++;
    const k = vs.length;
    let keptLoss: tf.Tensor1D | null = null;
    let keptGrad: tf.Tensor2D | null = null;
    const flat = tf.tidy(() => {
      const V = tf.tensor2d(stack(vs, dim, "vs"), [k, dim]);
      // The HVP graph of hvpRows, keeping the inner pass's losses and gradient rows (all rows are at w).
      const inner = (Z: tf.Tensor2D): tf.Tensor2D =>
        connected(
          grad2d((Y) => {
            const values = objective.values(Y);
            keptLoss = tf.keep(values);
            return tf.sum(values);
          })(Z),
          Z,
        );
      const H = grad2d((Z) => {
        const G = inner(Z);
        keptGrad = tf.keep(G);
        return tf.sum(tf.mul(G, V));
      })(repeated(w, k));
      return H.dataSync() as Float32Array;
    });
    const lossRow = keptLoss as tf.Tensor1D | null;
    const gradRows = keptGrad as tf.Tensor2D | null;
    const loss = lossRow ? lossRow.dataSync()[0] : NaN;
    const grad = gradRows ? Float64Array.from((gradRows.dataSync() as Float32Array).subarray(0, dim)) : new Float64Array(dim);
    lossRow?.dispose();
    gradRows?.dispose();
    return { loss, grad, hvps: rows(flat, k, dim) };
  };
  return {
    dim,
    counters,
    engine: "tfjs",
    dtype: "float32",
    gradAndHvp,
    loss: (w) => lossMany([w])[0],
    lossMany,
    lossAndGrad: (w) => {
      const { losses, grads } = gradMany([w]);
      return { loss: losses[0], grad: grads[0] };
    },
    gradMany,
    hvp: (w, vs) => {
      if (vs.length === 0) return [];
      counters.hvps += vs.length;
      counters.calls++;
      const flat = tf.tidy(() => hvpRows(repeated(w, vs.length), tf.tensor2d(stack(vs, dim, "vs"), [vs.length, dim])).dataSync());
      return rows(flat as Float32Array, vs.length, dim);
    },
    third: (w, us, vs) => {
      if (us.length !== vs.length) throw new Error(`third(): ${us.length} u vectors but ${vs.length} v vectors`);
      if (us.length === 0) return [];
      counters.thirds += us.length;
      counters.calls++;
      const flat = tf.tidy(() => {
        const U = tf.tensor2d(stack(us, dim, "us"), [us.length, dim]);
        const V = tf.tensor2d(stack(vs, dim, "vs"), [vs.length, dim]);
        // Σ_e u_eᵀ H(W_e) v_e; its gradient's row e is ∇(u_eᵀ H v_e).
        return grad2d((Z) => tf.sum(tf.mul(hvpRows(Z, V), U)))(repeated(w, us.length)).dataSync();
      });
      return rows(flat as Float32Array, us.length, dim);
    },
  };
}
