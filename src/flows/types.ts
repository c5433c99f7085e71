/**
 * The three processes over one unit of time each (one unit = one optimizer step), sharing one signature:
 *   discrete  the real optimizer;
 *   stable    the stable flow dw/dt = −P⁻¹∇L (and the optimizer state's ODE), i.e. gradient flow for GD;
 *   central   the central flow: the time-averaged trajectory at the edge of stability.
 * Each returns one row per unit of time (quantities at w_t, before the step) and the final parameters.
 *
 * Each process is also a step function over a carry (FlowProcess: init(problem, options) → carry,
 * step(carry) → { carry, row }), so callers chunk, stop early, branch and redraw without restarting;
 * discrete/stable/central(problem, options) are loops over it (run.ts).
 */
import type { Derivatives } from "../autodiff/derivatives";
import { DivergenceError } from "../divergence";
import { firstNonFinite, type Vec } from "../linalg/vec";
import type { EigenTracker } from "../curvature/tracker";
import type { OptState, UpdateRule } from "../optim/rule";
import type { CentralSubstep } from "./central";

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
  /** Effective eigenvalues reported per row: an integer in [1, number of parameters]. */
  k: number;
  /**
   * Eigensolver relative residual tolerance, in (0, 1) (eigenvalue errors are ~its square, eigenvector errors ~it).
   * Default 1e-4; the central flow on float64 derivatives 1e-6 (its SDCP is built from the eigenvectors).
   */
  eigTol?: number;
  /** Central flow: track every eigenvalue above this (effective units, finite; the edge is 2). Default 1.5. */
  trackAbove?: number;
  /** Most eigenpairs ever tracked (integer ≥ k, capped at the number of parameters). Default k + 8. */
  maxK?: number;
  /** Central flow: Euler substeps per unit time, an integer in [1, 10⁶]. Default 4. */
  substeps?: number;
  /** Central flow: eigenvalues above this (finite) are active: X = 0 while none is. Default 1.8. */
  activeAbove?: number;
  /**
   * Central flow: the eigenpairs each substep's SDCP covers once some eigenvalue is active.
   *   "active"   only the active ones (default): 1 third-derivative vector per substep for one eigenvalue at the edge;
   *   "tracked"  every tracked pair (≥ k): the discretization of the float64 reference (central-flows.md §6:
   *              top-k pairs → k(k+1)/2 third vectors → SDCP), k(k+1)/2 third vectors per substep.
   * The two are the same flow as dt → 0 but differ by O(dt) at the edge: the coupling of the inactive pairs is
   * the rotation of the active eigenvectors over the substep (1e-4 relative in loss on the reference example).
   */
  sdcpPairs?: "active" | "tracked";
  /**
   * Stable flow: substeps per unit time are n = max(1, ⌈λ_max/stableStepScale⌉) (finite, > 0). Default 0.5.
   * With the default Euler integrator and λ_max·dt ≤ 0.5 the stable flow is, for GD below the edge, GD itself
   * to first order: that is the reference implementation's convention (its CSVs are matched step for step).
   * For an accurate gradient flow use `integrator: "rk4"` (local error O(dt⁵)) and/or a small scale (Euler's
   * global error is ≈ λ_max·stableStepScale/2 relative per unit time).
   */
  stableStepScale?: number;
  /** Stable flow: "euler" (default, the reference's scheme) or "rk4" (accurate gradient flow). */
  integrator?: "euler" | "rk4";
  /**
   * Stable flow: most substeps per unit time (integer ≥ 1). A flow whose λ_max/stableStepScale passes it
   * stops with a DivergenceError instead of running (nearly) forever. Default 10⁴.
   */
  maxSubsteps?: number;
  /** Called after every unit of time with the state at its end (for distances, snapshots, live plots). */
  onStep?: (t: number, w: Vec, state: OptState, row: FlowRow) => void;
  /** Checked once per unit of time: aborting it stops the run with a CancelledError carrying the step. */
  signal?: AbortSignal;
  /** Seed of the eigensolver's random start vectors (an integer). Default 0. */
  seed?: number;
}

/** FlowOptions validated, with defaults filled in. */
export type ResolvedOptions = Required<Omit<FlowOptions, "onStep" | "signal">> & Pick<FlowOptions, "onStep" | "signal">;

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

export { DivergenceError };

export function checkFinite(process: ProcessName, step: number, quantity: string, value: number): void {
  if (!Number.isFinite(value)) throw new DivergenceError(process, step, quantity, value);
}

export function checkFiniteVec(process: ProcessName, step: number, quantity: string, v: ArrayLike<number>): void {
  const i = firstNonFinite(v);
  if (i >= 0) throw new DivergenceError(process, step, `${quantity}[${i}]`, v[i]);
}

/**
 * Validates flow options before any computation (`dim`: the number of parameters, when known). Every error
 * names the option, the allowed range and the value.
 */
export function validateOptions(o: FlowOptions, dim?: number): ResolvedOptions {
  const fail = (name: string, range: string, v: unknown): never => {
    throw new Error(`${name} must be ${range}, got ${typeof v === "number" ? String(v) : JSON.stringify(v)}`);
  };
  const int = (name: string, v: number, min: number, max = Infinity, what = ""): number => {
    if (!Number.isInteger(v) || v < min || v > max) fail(name, max === Infinity ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]${what}`, v);
    return v;
  };
  const finite = (name: string, v: number, ok: (x: number) => boolean = () => true, range = "a finite number"): number => {
    if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) fail(name, range, v);
    return v;
  };
  if (typeof o !== "object" || o === null) throw new Error(`flow options must be an object, got ${String(o)}`);
  int("steps", o.steps, 0);
  const kMax = dim ?? Infinity;
  int("k", o.k, 1, kMax, dim === undefined ? "" : " (the number of parameters)");
  const maxK = int("maxK", o.maxK ?? o.k + 8, o.k);
  const full: ResolvedOptions = {
    steps: o.steps,
    k: o.k,
    eigTol: finite("eigTol", o.eigTol ?? 1e-4, (x) => x > 0 && x < 1, "in (0, 1)"),
    trackAbove: finite("trackAbove", o.trackAbove ?? 1.5),
    maxK: dim === undefined ? maxK : Math.min(maxK, dim),
    substeps: int("substeps", o.substeps ?? 4, 1, 1e6),
    activeAbove: finite("activeAbove", o.activeAbove ?? 1.8),
    sdcpPairs: o.sdcpPairs ?? "active",
    stableStepScale: finite("stableStepScale", o.stableStepScale ?? 0.5, (x) => x > 0, "a finite number > 0"),
    integrator: o.integrator ?? "euler",
    maxSubsteps: int("maxSubsteps", o.maxSubsteps ?? 1e4, 1),
    onStep: o.onStep,
    signal: o.signal,
    seed: int("seed", o.seed ?? 0, -(2 ** 31)),
  };
  if (full.integrator !== "euler" && full.integrator !== "rk4") fail("integrator", `"euler" or "rk4"`, full.integrator);
  if (full.sdcpPairs !== "active" && full.sdcpPairs !== "tracked") fail("sdcpPairs", `"active" or "tracked"`, full.sdcpPairs);
  if (o.onStep !== undefined && typeof o.onStep !== "function") fail("onStep", "a function", typeof o.onStep);
  return full;
}

/**
 * Validates a flow problem against its derivatives before any computation: w0's length and finiteness.
 */
export function validateProblem(problem: FlowProblem): void {
  const { D, w0, rule } = problem;
  if (!D || typeof D.lossAndGrad !== "function") throw new Error("problem.D must be a Derivatives object");
  if (!rule || typeof rule.step !== "function") throw new Error("problem.rule must be an update rule (see src/optim)");
  if (!w0 || typeof w0.length !== "number") throw new Error("problem.w0 must be a vector of numbers");
  if (w0.length !== D.dim) throw new Error(`w0 has length ${w0.length}, the model has ${D.dim} parameters`);
  const i = firstNonFinite(w0);
  if (i >= 0) throw new Error(`w0[${i}] is ${w0[i]}; every entry of w0 must be finite`);
}

export function snapshotCounters(D: Derivatives): FlowResult["counters"] {
  const { gradients, hvps, thirds, calls } = D.counters;
  return { gradients, hvps, thirds, calls };
}

/**
 * Everything a process needs to take its next unit of time: a resumable checkpoint. Step functions never
 * mutate a carry (they return a new one), so keeping an old carry is a branch point.
 */
export interface FlowCarry {
  readonly process: ProcessName;
  readonly problem: FlowProblem;
  readonly options: ResolvedOptions;
  /** Units of time done: the step number of the next row. */
  readonly t: number;
  /** The parameters at time t. [dim] */
  readonly w: Vec;
  /**
   * The optimizer state. discrete: the state before the update at w (state0 at t = 0); stable/central: s(t),
   * the state that preconditions the flow at time t (updateState(state0, ∇L(w₀)) at t = 0).
   */
  readonly state: OptState;
  /** L(w) and ∇L(w) when already computed (saves a gradient call in the next step), else null. */
  readonly at: { loss: number; grad: Vec } | null;
  /** The warm-started eigensolver: its block is the tracked eigenbasis. */
  readonly tracker: EigenTracker;
  /** Seconds spent in steps so far. */
  readonly seconds: number;
  /** Central flow: the largest SDCP complementarity residual so far (0 elsewhere). */
  readonly worstComplementarity: number;
}

/** What one unit of time produced. */
export interface FlowStep {
  carry: FlowCarry;
  row: FlowRow;
  /** Central flow: the SDCP solution at the step's first substep. */
  detail?: CentralSubstep;
}

/** A process as a pair of functions over a carry, in the manner of the central-flows authors' code. */
export interface FlowProcess {
  readonly name: ProcessName;
  /** Validates the problem and options (before any computation) and returns the carry at t = 0. */
  init(problem: FlowProblem, options: FlowOptions): FlowCarry;
  /** One unit of time from `carry` (not modified). */
  step(carry: FlowCarry): FlowStep;
}

/** Runs an eigensolve, reporting an eigensolver divergence (non-finite HVPs) as the process's, at its step. */
export function solveOrDiverge<T>(process: ProcessName, step: number, solve: () => T): T {
  try {
    return solve();
  } catch (e) {
    if (e instanceof DivergenceError && e.process === "eigensolver") {
      throw new DivergenceError(process, step, `the effective Hessian (eigensolver: ${e.quantity})`, e.value, "the Hessian at this point is not finite: learning rate too large?");
    }
    throw e;
  }
}
