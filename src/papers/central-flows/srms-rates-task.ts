/**
 * The task of central-flows-srms-rates: one η of Scalar RMSProp. The optimizer and its central flow, then the
 * stationary (reduced) and ablated flows started from the central flow `startAfter` steps after the edge.
 */
import { defineTask } from "../../lab/task";
import type { Table, TaskContext } from "../../lab/types";
import { runComparison } from "./compare";
import { distance, postEdgeStart } from "./measures";
import { scalarStationaryFlow, type StationaryResult } from "./scalar-stationary";
import { buildTask, type RateSweepConfig } from "./setup";

export type SrmsRateTaskConfig = Omit<RateSweepConfig, "lrs"> & { lr: number };

const COLUMNS = ["discrete_loss", "discrete_sharpness", "central_loss", "central_sharpness", "central_loss_pred", "central_eig1"] as const;

export const srmsRateTask = defineTask<SrmsRateTaskConfig, Table>("central-flows.srms-rate", async (c: SrmsRateTaskConfig, ctx: TaskContext) => {
  const lr = c.lr;
  const optimizer = { name: "scalar_rmsprop" as const, lr, beta2: c.beta2, eps: c.eps, biasCorrection: c.biasCorrection };
  const cfg = { task: c.task, optimizer, steps: c.steps, k: c.k, processes: ["discrete" as const, "central" as const], output: null, chunk: c.chunk };
  const cmp = await runComparison(cfg, ctx, `η = ${lr}`);
  const flows: Record<"reduced" | "ablated", StationaryResult | null> = { reduced: null, ablated: null };
  // The stationary flows assume ν has settled at the edge: start them from the central flow once it has
  // been at the edge for `startAfter` steps.
  const centralWs = cmp.traces.central?.ws ?? [];
  const t0 = postEdgeStart(cmp.table, c.steps, c.startAfter);
  const task = buildTask(c.task);
  try {
    for (const kind of ["reduced", "ablated"] as const) {
      if (t0 >= c.steps) break;
      const bar = ctx.progress(`η = ${lr}: ${kind} flow from step ${t0}`, c.steps - t0);
      flows[kind] = await scalarStationaryFlow(task.derivatives(), centralWs[t0], {
        eta: lr,
        steps: c.steps - t0,
        regularize: kind === "reduced",
        chunk: c.chunk,
        onChunk: async (rows) => {
          bar.update(rows.length, `loss ${rows[rows.length - 1].loss.toPrecision(4)}  S ${rows[rows.length - 1].sharpness.toFixed(2)}`);
          await ctx.live({});
        },
      });
      bar.finish();
    }
    return rowsFor(lr, cmp.table, t0, flows.reduced, flows.ablated, centralWs);
  } finally {
    task.dispose();
    cmp.task.dispose();
  }
});

/** One η's rows: the comparison's columns, the stationary flows' (started at step t0) and their distance to the central flow. */
function rowsFor(lr: number, t: Table, t0: number, reduced: StationaryResult | null, ablated: StationaryResult | null, centralWs: Float64Array[]): Table {
  const out: Table = { lr: t.step.map(() => lr), step: t.step.slice() };
  for (const col of COLUMNS) out[col] = t[col].slice();
  const at = <T>(r: StationaryResult | null, s: number, f: (i: number) => T): T | number => (r && s >= t0 && s - t0 < r.rows.length ? f(s - t0) : NaN);
  for (const [prefix, r] of [["reduced", reduced], ["ablated", ablated]] as const) {
    out[`${prefix}_loss`] = t.step.map((s) => at(r, s, (i) => (r as StationaryResult).rows[i].loss) as number);
    out[`${prefix}_sharpness`] = t.step.map((s) => at(r, s, (i) => (r as StationaryResult).rows[i].sharpness) as number);
    out[`${prefix}_to_central`] = t.step.map((s) => at(r, s, (i) => (centralWs[s] ? distance((r as StationaryResult).ws[i], centralWs[s]) : NaN)) as number);
  }
  out.central_travel = t.step.map((s) => (centralWs[s] ? distance(centralWs[s], centralWs[0]) : NaN));
  return out;
}

