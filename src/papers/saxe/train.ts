/**
 * Full-batch training of an ensemble with the library's pieces: one `gradMany` call per step for every
 * member (seeds, learning rates, initializations ride on the ensemble dimension), one `UpdateRule` per member.
 * Members retire when the observer says so (e.g. a criterion was reached) or when they diverge, and are left
 * out of later calls, so a learning-rate sweep costs no more than its slowest stable member.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import type { OptState, UpdateRule } from "../../optim/rule";

export interface EnsembleOptions {
  steps: number;
  /**
   * Sees member i's loss at w_t (before step t's update; t = steps is the final point). Returning true
   * retires the member.
   */
  observe?: (step: number, member: number, w: Vec, loss: number) => boolean | void;
  /** Called once per step with the active members' current points, before their update (for recording). */
  onStep?: (step: number, active: number[], ws: Vec[]) => void | Promise<void>;
  /** A loss above this (or not finite) counts as divergence. Default Infinity. */
  maxLoss?: number;
}

export interface EnsembleResult {
  /** Final (or retirement) points. */
  ws: Vec[];
  /** Step at which each member retired, or −1 if it ran to the end. */
  retiredAt: Int32Array;
  diverged: boolean[];
}

export async function trainEnsemble(D: Derivatives, w0s: Vec[], rules: UpdateRule[], opts: EnsembleOptions): Promise<EnsembleResult> {
  if (rules.length !== w0s.length) throw new Error(`${w0s.length} initial points but ${rules.length} update rules`);
  const maxLoss = opts.maxLoss ?? Number.POSITIVE_INFINITY;
  const ws = w0s.map((w) => Float64Array.from(w));
  const states: OptState[] = rules.map((r) => r.init(D.dim));
  const retiredAt = new Int32Array(ws.length).fill(-1);
  const diverged = ws.map(() => false);
  let active = ws.map((_, i) => i);
  for (let t = 0; t <= opts.steps && active.length > 0; t++) {
    await opts.onStep?.(t, active, active.map((i) => ws[i]));
    const { losses, grads } = D.gradMany(active.map((i) => ws[i]));
    const still: number[] = [];
    active.forEach((i, k) => {
      const loss = losses[k];
      if (!(Number.isFinite(loss) && loss <= maxLoss)) {
        diverged[i] = true;
        retiredAt[i] = t;
        return;
      }
      if (opts.observe?.(t, i, ws[i], loss) === true) {
        retiredAt[i] = t;
        return;
      }
      if (t === opts.steps) return;
      const next = rules[i].step(states[i], { w: ws[i], g: grads[k], loss });
      ws[i] = Float64Array.from(next.w);
      states[i] = next.state;
      still.push(i);
    });
    active = still;
  }
  return { ws, retiredAt, diverged };
}
