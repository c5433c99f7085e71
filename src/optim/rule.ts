/**
 * Update rules in the spirit of optax and of the central-flows authors' `UpdateRule`: plain state, pure
 * functions. A preconditioned rule updates its state with the current gradient first and then steps
 *     s' = updateState(s, g),   w' = w − P(s')⁻¹ g,
 * with a diagonal preconditioner P. For the flows it also gives the state's time derivative in terms of the
 * time-averaged squared gradient E[g⊙g] (the central flow adds the oscillation's contribution to it).
 */
import type { Vec } from "../autodiff/derivatives";

/** Plain optimizer state: a step counter and named float64 buffers (ν, momentum, ...). */
export interface OptState {
  /** Number of updates applied (real-valued in the flows, which advance it continuously). */
  step: number;
  /** Second-moment estimate ν: empty (GD), length 1 (scalar RMSProp) or dim (RMSProp). */
  nu: Float64Array;
  /** Momentum buffer: empty unless the rule uses momentum. */
  buf: Float64Array;
}

export interface StepInput {
  w: Vec;
  g: Vec;
  loss: number;
}

export interface StepResult {
  w: Vec;
  state: OptState;
  lr: number;
}

export interface UpdateRule {
  readonly name: string;
  /** Learning rate η (the nominal one for adaptive rules). */
  readonly lr: number;
  /** True when the rule is w' = w − P(s')⁻¹g with s' = updateState(s, g): the flows apply to it. */
  readonly preconditioned: boolean;
  init(dim: number): OptState;
  /** The state part of one update (ν first, with the current gradient). */
  updateState(s: OptState, g: Vec): OptState;
  /** Diagonal of P(s), length dim. */
  precond(s: OptState, dim: number): Float64Array;
  /** One discrete step; `lr` is the step size used (η_t, or the Polyak/CLR value). */
  step(s: OptState, x: StepInput): StepResult;
  /**
   * dS/dt given the time-averaged squared gradient g2 (length dim): the continuous version of updateState.
   * Null for rules without state dynamics (GD).
   */
  stateRate(s: OptState, g2: Float64Array): OptState | null;
  /** dP/dt when the state moves at rate ds (the directional derivative of `precond`); zeros for fixed P. */
  precondRate(s: OptState, ds: OptState, dim: number): Float64Array;
}

export function emptyState(): OptState {
  return { step: 0, nu: new Float64Array(0), buf: new Float64Array(0) };
}

/** w − P⁻¹ g for a diagonal P. */
export function preconditionedStep(w: Vec, g: Vec, P: Float64Array): Vec {
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i] - g[i] / P[i];
  return out;
}

/** Validates a positive finite number field. */
export function positive(name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive finite number, got ${v}`);
  return v;
}

/** What the iterate and the optimizer state are stored in between steps (the arithmetic stays float64). */
export const PRECISIONS = ["float64", "float32"] as const;
export type Precision = (typeof PRECISIONS)[number];

function roundToFloat32(v: Vec): Float64Array {
  return Float64Array.from(Float32Array.from(v));
}

/**
 * The rule with its iterate and state rounded to float32 after every step, as in float32 training (the JAX and
 * PyTorch runs of the papers). At the edge of stability this is not cosmetic: between blow-ups GD's displacement
 * along the top eigenvector shrinks by |1 − ηS| per step, and float32 rounding keeps a floor under it (about 1e-7
 * of ‖w‖) where float64 lets it fall some 1e9 times lower. From there it takes longer to grow back, so the
 * sharpness overshoots 2/η further and each blow-up is larger; the time averages the central flow predicts then
 * sit further from GD (see README, "Derivative engines").
 */
export function storedInFloat32(rule: UpdateRule): UpdateRule {
  return {
    ...rule,
    step: (s, x) => {
      const out = rule.step(s, x);
      return { ...out, w: roundToFloat32(out.w), state: { ...out.state, nu: roundToFloat32(out.state.nu), buf: roundToFloat32(out.state.buf) } };
    },
  };
}
