/**
 * Full-batch training of several runs of one architecture (e.g. one per learning rate) with periodic sharpness:
 *     w_{t+1} = rule.step(w_t, ∇L(w_t)),   S_t = λ_max(∇²L(w_t)) every `eigEvery` steps (and at the last step).
 * The loss is recorded at every step (it comes with the gradient). A run whose loss or sharpness stops being
 * finite stops the whole training with an error naming the run and the step.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { DivergenceError } from "../../divergence";
import type { OptState, UpdateRule } from "../../optim/rule";
import { SharpnessTracker, type SharpnessOptions } from "./sharpness";

export interface RunSpec {
  /** Named in divergence errors, e.g. "tanh 64-64, η = 0.5". */
  label: string;
  rule: UpdateRule;
  w0: Vec;
  /** The run's stability threshold (2/η for GD), for `TrainOptions.fine`. */
  threshold?: number;
}

export interface TrainOptions {
  steps: number;
  /** Steps between sharpness measurements (0: never). */
  eigEvery: number;
  sharpness?: SharpnessOptions;
  /**
   * Finer measurements near the edge: once a run's last measured sharpness is ≥ from·threshold and until it
   * first reaches its threshold, measure every `every` steps (so the crossing step is known to `every` steps,
   * not to `eigEvery`). Runs without a threshold ignore it.
   */
  fine?: { from: number; every: number };
  /**
   * One `gradMany` call for all runs per step instead of one call per run. On the wasm backend the single calls
   * are faster (an ensemble of 3 costs 4–7× one member on these MLPs), so the default is false.
   */
  batched?: boolean;
  /** Sees every run's point before its update (t = steps is the final point). */
  observe?: (t: number, run: number, w: Vec, loss: number) => void;
  /** Called after each step (for progress and live redraws). */
  afterStep?: (t: number, traces: RunTrace[]) => void | Promise<void>;
}

export interface RunTrace {
  /** loss[t] = L(w_t), t = 0 … steps. */
  loss: number[];
  /** Steps at which the sharpness was measured, and its values. */
  eigSteps: number[];
  sharpness: number[];
  /** The final point. */
  w: Vec;
  /** HVPs spent on the sharpness. */
  matvecs: number;
}

export { DivergenceError };

function checkFinite(what: string, value: number, label: string, t: number): void {
  if (!Number.isFinite(value)) throw new DivergenceError(label, t, what, value);
}

/** The sharpness at w; a non-finite Hessian (the eigensolver then fails) is reported as divergence at step t. */
export function measureOrDiverge(tracker: SharpnessTracker, w: Vec, label: string, t: number): number {
  let s: number;
  try {
    s = tracker.measure(w);
  } catch (e) {
    if (!(e instanceof DivergenceError)) throw e;
    throw new DivergenceError(label, t, `sharpness (eigensolver: ${e.quantity})`, e.value);
  }
  checkFinite("sharpness", s, label, t);
  return s;
}

export async function trainRuns(D: Derivatives, runs: RunSpec[], opts: TrainOptions): Promise<RunTrace[]> {
  if (!Number.isInteger(opts.steps) || opts.steps < 0) throw new Error(`steps must be a non-negative integer, got ${opts.steps}`);
  if (!Number.isInteger(opts.eigEvery) || opts.eigEvery < 0) throw new Error(`eigEvery must be a non-negative integer, got ${opts.eigEvery}`);
  const ws = runs.map((r) => Float64Array.from(r.w0));
  const states: OptState[] = runs.map((r) => r.rule.init(D.dim));
  const trackers = runs.map((_, i) => new SharpnessTracker(D, { seed: i, ...opts.sharpness }));
  const traces: RunTrace[] = runs.map((r) => ({ loss: [], eigSteps: [], sharpness: [], w: r.w0, matvecs: 0 }));
  if (opts.fine && !(Number.isInteger(opts.fine.every) && opts.fine.every >= 1 && opts.fine.from > 0)) throw new Error(`fine must have a positive integer every and a positive from, got ${JSON.stringify(opts.fine)}`);
  /** Whether run i is in its fine window: close to its threshold and not yet across it. */
  const nearEdge = (i: number): boolean => {
    const th = runs[i].threshold;
    const s = traces[i].sharpness;
    if (!opts.fine || th === undefined || s.length === 0) return false;
    return s[s.length - 1] >= opts.fine.from * th && !s.some((v) => v >= th);
  };
  const gradients = (): { losses: ArrayLike<number>; grads: Vec[] } => {
    if (opts.batched) return D.gradMany(ws);
    const each = ws.map((w) => D.lossAndGrad(w));
    return { losses: each.map((e) => e.loss), grads: each.map((e) => e.grad) };
  };
  for (let t = 0; t <= opts.steps; t++) {
    const { losses, grads } = gradients();
    const regular = opts.eigEvery > 0 && (t % opts.eigEvery === 0 || t === opts.steps);
    runs.forEach((run, i) => {
      const measureNow = regular || (opts.eigEvery > 0 && opts.fine !== undefined && t % opts.fine.every === 0 && nearEdge(i));
      checkFinite("loss", losses[i], run.label, t);
      traces[i].loss.push(losses[i]);
      opts.observe?.(t, i, ws[i], losses[i]);
      if (measureNow) {
        const s = measureOrDiverge(trackers[i], ws[i], run.label, t);
        traces[i].eigSteps.push(t);
        traces[i].sharpness.push(s);
        traces[i].matvecs = trackers[i].matvecs;
      }
      if (t < opts.steps) {
        const next = run.rule.step(states[i], { w: ws[i], g: grads[i], loss: losses[i] });
        ws[i] = Float64Array.from(next.w);
        states[i] = next.state;
      }
    });
    await opts.afterStep?.(t, traces);
  }
  traces.forEach((tr, i) => (tr.w = ws[i]));
  return traces;
}
