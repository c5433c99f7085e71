/**
 * The three processes over one unit of time each (one unit = one optimizer step), sharing one signature:
 *   discrete  the real optimizer;
 *   stable    the stable flow dw/dt = −P⁻¹∇L (and the optimizer state's ODE), i.e. gradient flow for GD;
 *   central   the central flow: the time-averaged trajectory at the edge of stability.
 * Each returns one row per unit of time (quantities at w_t, before the step) and the final parameters.
 */
import type { Derivatives, Vec } from "../autodiff/derivatives";
import type { OptState, UpdateRule } from "../optim/rule";

export const PROCESSES = ["discrete", "stable", "central"] as const;
export type ProcessName = (typeof PROCESSES)[number];

export interface FlowProblem {
  D: Derivatives;
  rule: UpdateRule;
  w0: Vec;
  /**
   * Optimizer state before the update at w0 (default: rule.init). The discrete process starts from it; the
   * flows start from updateState(state0, ∇L(w0)), so all three can resume from an optimizer checkpoint.
   */
  state0?: OptState;
}

export interface FlowOptions {
  /** Units of time (optimizer steps). */
  steps: number;
  /** Effective eigenvalues reported per row. */
  k: number;
  /** Eigensolver relative residual tolerance (eigenvalue errors are ~its square). Default 1e-4. */
  eigTol?: number;
  /** Track every eigenvalue above this (effective units; the edge is 2). Default 1.5. */
  trackAbove?: number;
  /** Most eigenpairs ever tracked. Default k + 8. */
  maxK?: number;
  /** Central flow: Euler substeps per unit time. Default 4. */
  substeps?: number;
  /** Central flow: eigenvalues above this enter the SDCP (others have X = 0). Default 1.8. */
  activeAbove?: number;
  /** Stable flow: the Euler step keeps λ_max·dt ≤ this. Default 0.5 (n = max(1, ⌈λ_max/0.5⌉)). */
  stableStepScale?: number;
  /** Called after every unit of time with the state at its end (for distances, snapshots, live plots). */
  onStep?: (t: number, w: Vec, state: OptState, row: FlowRow) => void;
  seed?: number;
}

/** One row per unit of time; extra numeric columns depend on the process. */
export interface FlowRow {
  step: number;
  loss: number;
  eigs: number[];
  [column: string]: number | number[];
}

export interface FlowResult {
  process: ProcessName;
  rows: FlowRow[];
  wFinal: Vec;
  stateFinal: OptState;
  counters: { gradients: number; hvps: number; thirds: number; calls: number };
  seconds: number;
}

export class DivergenceError extends Error {
  constructor(
    readonly process: ProcessName,
    readonly step: number,
    readonly quantity: string,
    readonly value: number,
  ) {
    super(`${process}: ${quantity} became ${value} at step ${step}; the run diverged (learning rate too large, or the flow left the region where it is defined)`);
  }
}

export function checkFinite(process: ProcessName, step: number, quantity: string, value: number): void {
  if (!Number.isFinite(value)) throw new DivergenceError(process, step, quantity, value);
}

export function checkFiniteVec(process: ProcessName, step: number, quantity: string, v: ArrayLike<number>): void {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) throw new DivergenceError(process, step, `${quantity}[${i}]`, v[i]);
}

export function validateOptions(o: FlowOptions): Required<Omit<FlowOptions, "onStep">> & Pick<FlowOptions, "onStep"> {
  const int = (name: string, v: number, min: number): number => {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
    return v;
  };
  int("steps", o.steps, 0);
  int("k", o.k, 1);
  const full = {
    steps: o.steps,
    k: o.k,
    eigTol: o.eigTol ?? 1e-4,
    trackAbove: o.trackAbove ?? 1.5,
    maxK: o.maxK ?? o.k + 8,
    substeps: int("substeps", o.substeps ?? 4, 1),
    activeAbove: o.activeAbove ?? 1.8,
    stableStepScale: o.stableStepScale ?? 0.5,
    onStep: o.onStep,
    seed: o.seed ?? 0,
  };
  if (!(full.eigTol > 0)) throw new Error(`eigTol must be positive, got ${full.eigTol}`);
  if (!(full.stableStepScale > 0)) throw new Error(`stableStepScale must be positive, got ${full.stableStepScale}`);
  return full;
}

export function snapshotCounters(D: Derivatives): FlowResult["counters"] {
  const { gradients, hvps, thirds, calls } = D.counters;
  return { gradients, hvps, thirds, calls };
}
