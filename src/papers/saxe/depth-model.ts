/**
 * Learning time and optimal learning rate against depth (Saxe et al. 2014, Figs. 4 and 6).
 *
 * Learning time = the first GD step at which the excess error ½‖W_1⋯W_D − Σ³¹ᵀ‖² falls to ε·E_ref, with
 * E_ref = ½‖Σ³¹‖²_F the excess error of the zero map; it is measured at the *optimal* rate, the fastest
 * of a geometric grid of rates λ = 2^{k/2}/D.
 *
 * Three predictions for the decoupled init, which the simulations must meet:
 *  - the mode map (exact for GD: each mode's per-layer strength follows a ← a + λ a^{D−1}(s − a^D));
 *  - the depth ODE τ u̇ = D u^{2−2/D}(s − u), integrated by RK4 per mode, its time T (τ = 1) read as T/λ steps;
 *  - the optimal rate's scale 1/(D s₁^{2−2/D}), = 1/D with the task's s₁ = 1.
 */
import { rk4Step, type Vec } from "../../flows/ode";
import { derivatives } from "../../autodiff/select";
import { mlp } from "../../models/mlp";
import { gd } from "../../optim/gd";
import { depthRate, modeMapStep } from "./analytic";
import { deepInit, type DeepInit } from "./deep-inits";
import type { TaskModes } from "./modes";
import { correlationDataset, summedSquaredError } from "./objective";
import { trainEnsemble } from "./train";

/** ½ Σ_α (s_α − u_α)²: the excess error of a decoupled net whose mode strengths are u. */
function decoupledExcess(s: ArrayLike<number>, u: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < s.length; i++) e += 0.5 * (s[i] - u[i]) ** 2;
  return e;
}

export function referenceError(s: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < s.length; i++) e += 0.5 * s[i] * s[i];
  return e;
}

/** Steps of the exact mode map until the excess error ≤ ε·E_ref (Infinity if not within maxSteps or diverging). */
export function modeMapLearningTime(s: ArrayLike<number>, weights: number, u0: number, lr: number, eps: number, maxSteps: number): number {
  const target = eps * referenceError(s);
  const a = Array.from(s, (si) => (si > 0 ? Math.pow(u0, 1 / weights) : 0));
  const u = new Float64Array(s.length);
  for (let t = 0; t <= maxSteps; t++) {
    for (let i = 0; i < s.length; i++) u[i] = Math.pow(a[i], weights);
    const e = decoupledExcess(s, u);
    if (!Number.isFinite(e) || e > 1e6) return Number.POSITIVE_INFINITY;
    if (e <= target) return t;
    for (let i = 0; i < s.length; i++) if (s[i] > 0) a[i] = modeMapStep(a[i], s[i], weights, lr);
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Continuous time T (in units of τ = 1/λ) for the excess error of decoupled modes following the depth ODE
 * from u₀ to reach ε·E_ref. RK4 with step dt, linear interpolation of the crossing; Infinity past maxTime.
 */
export function depthOdeLearningTime(s: ArrayLike<number>, weights: number, u0: number, eps: number, dt: number, maxTime: number): number {
  const target = eps * referenceError(s);
  const live = Array.from(s).filter((x) => x > 0);
  const f = (y: Vec): Vec => y.map((ui, i) => depthRate(ui, live[i], weights));
  let y: Vec = Float64Array.from(live, () => u0);
  let prev = decoupledExcess(live, y);
  if (prev <= target) return 0;
  for (let n = 1; n * dt <= maxTime; n++) {
    y = rk4Step(f, y, dt);
    const e = decoupledExcess(live, y);
    if (e <= target) return (n - 1) * dt + ((prev - target) / (prev - e)) * dt;
    prev = e;
  }
  return Number.POSITIVE_INFINITY;
}

/** The rate grid λ_k = 2^{k/2}/D for k in [kMin, kMax]. */
export function rateGrid(weights: number, kMin: number, kMax: number): number[] {
  const out: number[] = [];
  for (let k = kMin; k <= kMax; k++) out.push(Math.pow(2, k / 2) / weights);
  return out;
}

/** The mode map's optimal rate on the grid and its learning time. */
export function modeMapOptimum(s: ArrayLike<number>, weights: number, u0: number, eps: number, rates: number[], maxSteps: number): { lr: number; steps: number } {
  let best = { lr: Number.NaN, steps: Number.POSITIVE_INFINITY };
  for (const lr of rates) {
    const t = modeMapLearningTime(s, weights, u0, lr, eps, maxSteps);
    if (t < best.steps) best = { lr, steps: t };
  }
  return best;
}

export interface DepthSimulationSpec {
  modes: TaskModes;
  sigma31T: Float64Array;
  /** N_l: layers counting the input, so D = N_l − 1 weight matrices. */
  layers: number;
  hidden: number;
  inits: DeepInit[];
  /** Rates tried, one list per init. */
  rates: number[][];
  eps: number;
  maxSteps: number;
  seed: number;
}

export interface RateTrial {
  init: number;
  lr: number;
  /** Steps to criterion; Infinity when diverged or not reached; NaN when retired early (slower than the best). */
  steps: number;
  diverged: boolean;
}

/**
 * Trains one ensemble: every (init, rate) pair is a member, all in one gradMany call per step. A member
 * retires at the criterion; once some member of an init has reached it, that init's other members are
 * slower and retire too (their time is recorded as NaN: "slower than the optimum").
 */
export async function simulateDepth(spec: DepthSimulationSpec, onTick?: () => Promise<void>): Promise<RateTrial[]> {
  const D = spec.layers - 1;
  const widths = [spec.modes.d, ...Array.from({ length: D - 1 }, () => spec.hidden), spec.modes.c];
  const model = mlp({ widths, activation: "identity", bias: false });
  const objective = summedSquaredError(model, correlationDataset(spec.sigma31T, spec.modes.d, spec.modes.c));
  try {
    const deriv = derivatives(objective);
    const target = spec.eps * referenceError(spec.modes.s);
    const trials: RateTrial[] = [];
    const w0s: Float64Array[] = [];
    if (spec.rates.length !== spec.inits.length) throw new Error(`simulateDepth: ${spec.inits.length} inits but ${spec.rates.length} rate lists`);
    spec.inits.forEach((init, k) => {
      const w0 = deepInit(model.layout, init, spec.modes, spec.seed);
      for (const lr of spec.rates[k]) {
        trials.push({ init: k, lr, steps: Number.POSITIVE_INFINITY, diverged: false });
        w0s.push(w0);
      }
    });
    const bestAt = spec.inits.map(() => Number.POSITIVE_INFINITY);
    const res = await trainEnsemble(
      deriv,
      w0s,
      trials.map((t) => gd(t.lr)),
      {
        steps: spec.maxSteps,
        // An excess error above 1e3·E_ref is far past any useful trajectory: call it divergence.
        maxLoss: 1e3 * referenceError(spec.modes.s),
        onStep: onTick ? (t) => (t % 20 === 0 ? onTick() : undefined) : undefined,
        observe: (t, i, _w, loss) => {
          const trial = trials[i];
          if (loss <= target) {
            trial.steps = t;
            bestAt[trial.init] = Math.min(bestAt[trial.init], t);
            return true;
          }
          if (t > bestAt[trial.init]) {
            trial.steps = Number.NaN;
            return true;
          }
          return false;
        },
      },
    );
    res.diverged.forEach((d, i) => {
      if (d) {
        trials[i].diverged = true;
        trials[i].steps = Number.POSITIVE_INFINITY;
      }
    });
    return trials;
  } finally {
    objective.dispose();
  }
}
