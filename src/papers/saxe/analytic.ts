/**
 * Closed forms and mode ODEs of Saxe, McClelland & Ganguli (2014), in plain float64.
 *
 * A three-layer linear net y = W³² W²¹ x trained by full-batch GD at rate λ on the *summed* squared error
 * ½ Σ_μ ‖y_μ − ŷ_μ‖² with whitened inputs (Σ¹¹ = Σ_μ x xᵀ = I) follows, in continuous time t (iterations)
 * with τ = 1/λ and Σ³¹ = Σ_μ y xᵀ = Σ_α s_α u_α v_αᵀ, one decoupled ODE per mode when initialized decoupled:
 *     τ ȧ = b (s − a b),   τ ḃ = a (s − a b),        (a, b: the mode's strength in layer 1 and layer 2)
 * which conserves a² − b². On the balanced manifold a = b the product u = a b obeys the logistic equation
 *     τ u̇ = 2u (s − u)   ⇒   u(t) = s e^{2st/τ} / (e^{2st/τ} − 1 + s/u₀),
 * and the time from u₀ to u_f is t = (τ/2s) ln[u_f (s − u₀) / (u₀ (s − u_f))] ≈ (τ/s) ln(s/ε) from ε to
 * s − ε: each mode's learning time scales as 1/s.
 *
 * With N_l layers (N_l − 1 = D weight matrices) and a balanced decoupled init (every layer's mode strength a,
 * u = a^D), each layer obeys τ ȧ = a^{D−1}(s − a^D), so
 *     τ u̇ = D u^{2 − 2/D} (s − u).
 * GD itself keeps a decoupled init decoupled, and its exact discrete counterpart is the *mode map*
 *     a ← a + λ a^{D−1} (s − a^D).
 */
import { rk4Step, type Vec } from "../../flows/ode";

/** u(t) of the logistic mode equation, written as s / (1 + (s/u₀ − 1) e^{−2st/τ}) so it cannot overflow. */
export function modeStrength(t: number, s: number, u0: number, tau: number): number {
  return s / (1 + (s / u0 - 1) * Math.exp((-2 * s * t) / tau));
}

/** Time for u to go from u₀ to u_f (0 < u₀, u_f < s) under τ u̇ = 2u(s − u). */
export function learningTime(s: number, u0: number, uf: number, tau: number): number {
  if (!(u0 > 0 && uf > 0 && u0 < s && uf < s)) throw new Error(`learningTime needs 0 < u0, uf < s; got u0 = ${u0}, uf = ${uf}, s = ${s}`);
  return (tau / (2 * s)) * Math.log((uf * (s - u0)) / (u0 * (s - uf)));
}

/** Time to reach half the mode's strength, u = s/2: (τ/2s) ln(s/u₀ − 1). */
export function halfLearningTime(s: number, u0: number, tau: number): number {
  return learningTime(s, u0, s / 2, tau);
}

/** The paper's approximation (τ/s) ln(s/ε) of the time from ε to s − ε. */
export function approxLearningTime(s: number, eps: number, tau: number): number {
  return (tau / s) * Math.log(s / eps);
}

/** The two-layer mode field (a, b) ↦ (b(s − ab), a(s − ab)) / τ. */
export function modeField(s: number, tau = 1): (y: Vec) => Vec {
  return (y) => {
    const r = (s - y[0] * y[1]) / tau;
    return Float64Array.of(y[1] * r, y[0] * r);
  };
}

/** The depth ODE's right-hand side u̇ = D u^{2 − 2/D}(s − u)/τ, D = N_l − 1 weight matrices. */
export function depthRate(u: number, s: number, weights: number, tau = 1): number {
  if (u <= 0) return 0;
  return (weights * Math.pow(u, 2 - 2 / weights) * (s - u)) / tau;
}

/** One GD step of a balanced decoupled mode of a D-matrix linear net: a ← a + λ a^{D−1}(s − a^D). */
export function modeMapStep(a: number, s: number, weights: number, lr: number): number {
  return a + lr * Math.pow(a, weights - 1) * (s - Math.pow(a, weights));
}

/** RK4 path of the depth ODE from u₀, recording u every `recordEvery` steps of size dt. */
export function integrateDepthOde(s: number, weights: number, u0: number, tau: number, dt: number, steps: number): Float64Array {
  const f = (y: Vec): Vec => Float64Array.of(depthRate(y[0], s, weights, tau));
  const out = new Float64Array(steps + 1);
  let y: Vec = Float64Array.of(u0);
  out[0] = u0;
  for (let n = 1; n <= steps; n++) {
    y = rk4Step(f, y, dt);
    out[n] = y[0];
  }
  return out;
}

/**
 * The first time a sampled curve v (at times t) reaches `level`, by linear interpolation between samples;
 * NaN if it never does. Assumes v starts below the level.
 */
export function crossingTime(t: ArrayLike<number>, v: ArrayLike<number>, level: number): number {
  for (let i = 1; i < v.length; i++) {
    if (v[i] >= level && v[i - 1] < level) return t[i - 1] + ((level - v[i - 1]) / (v[i] - v[i - 1])) * (t[i] - t[i - 1]);
  }
  return Number.NaN;
}
