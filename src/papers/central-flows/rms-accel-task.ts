/**
 * The task of central-flows-rmsprop-accel: one η of RMSProp. Its central flow, then the ablated flow (no
 * implicit regularizer) from the central flow `startAfter` steps after its arrival at the edge.
 */
import { defineTask } from "../../lab/task";
import type { Table, TaskContext } from "../../lab/types";
import { ablatedFlow, type AblatedResult } from "./ablated";
import { runComparison } from "./compare";
import { distance, postEdgeStart } from "./measures";
import { makeRule, type RateSweepConfig } from "./setup";
import type { Trace } from "./trace";

export type RmsAccelTaskConfig = Omit<RateSweepConfig, "lrs"> & { lr: number };
type RmsAccelConfig = RmsAccelTaskConfig;

export const rmsAccelRateTask = defineTask<RmsAccelTaskConfig, Table>("central-flows.rms-accel-rate", async (c: RmsAccelTaskConfig, ctx: TaskContext) => {
  const lr = c.lr;
  const optimizer = { name: "rmsprop" as const, lr, beta2: c.beta2, eps: c.eps, biasCorrection: c.biasCorrection };
  const cfg = { task: c.task, optimizer, steps: c.steps, k: c.k, processes: ["central" as const], output: null, chunk: c.chunk };
  const cmp = await runComparison(cfg, ctx, `η = ${lr}`);
  try {
    const cen = cmp.traces.central as Trace;
    const t0 = postEdgeStart(cmp.table, c.steps, c.startAfter);
    let ablated: AblatedResult | null = null;
    if (t0 < c.steps) {
      const bar = ctx.progress(`η = ${lr}: ablated flow from step ${t0}`, c.steps - t0);
      ablated = await ablatedFlow(cmp.task.derivatives(), makeRule(optimizer), cen.ws[t0], cen.states[t0], {
        steps: c.steps - t0,
        k: c.k,
        chunk: c.chunk,
        onChunk: async (rows) => {
          bar.update(rows.length, `loss ${rows[rows.length - 1].loss.toPrecision(4)}`);
          await ctx.live({});
        },
      });
      bar.finish();
    }
    return rowsFor(lr, cmp.table, ablated ? { t0, result: ablated } : null, cen, c);
  } finally {
    cmp.task.dispose();
  }
});

/** One η's rows: the central flow's loss, top eigenvalues and mean step; the ablated flow's from t0 on. */
function rowsFor(lr: number, t: Table, ab: { t0: number; result: AblatedResult } | null, cen: Trace | null, c: RmsAccelConfig): Table {
  const rule = makeRule({ name: "rmsprop", lr, beta2: c.beta2, eps: c.eps, biasCorrection: c.biasCorrection });
  const out: Table = { lr: t.step.map(() => lr), step: t.step.slice(), central_loss: t.central_loss.slice(), central_loss_pred: t.central_loss_pred.slice() };
  for (let i = 1; i <= c.k; i++) out[`central_eig${i}`] = t[`central_eig${i}`].slice();
  out.central_mean_step = t.step.map((s) => {
    const st = cen?.states[s];
    if (!st) return NaN;
    const P = rule.precond(st, st.nu.length);
    return P.reduce((acc, p) => acc + 1 / p, 0) / P.length;
  });
  const row = (s: number) => (ab && s >= ab.t0 ? ab.result.rows[s - ab.t0] : undefined);
  out.ablated_loss = t.step.map((s) => row(s)?.loss ?? NaN);
  out.ablated_loss_pred = t.step.map((s) => row(s)?.loss_pred ?? NaN);
  out.ablated_mean_step = t.step.map((s) => row(s)?.mean_step ?? NaN);
  for (let i = 1; i <= c.k; i++) out[`ablated_eig${i}`] = t.step.map((s) => row(s)?.eigs[i - 1] ?? NaN);
  out.ablated_to_central = t.step.map((s) => (ab && cen && s >= ab.t0 && ab.result.ws[s - ab.t0] ? distance(ab.result.ws[s - ab.t0], cen.ws[s]) : NaN));
  out.central_travel = t.step.map((s) => (cen?.ws[s] ? distance(cen.ws[s], cen.ws[0]) : NaN));
  return out;
}

