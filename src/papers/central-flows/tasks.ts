/**
 * The central-flows papers' tasks: one comparison (optimizer and flows on one task, one η) is the unit the
 * sweeps are made of. A task module imports only what the task runs, not the experiments' figures, so
 * editing a figure does not invalidate cached task results.
 */
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { runComparison, type ComparisonConfig } from "./compare";

/** One comparison's wide table (compare.ts), for one optimizer config. */
export const comparisonTask = defineTask<ComparisonConfig, Table>("central-flows.comparison", async (c, ctx) => {
  const lr = c.optimizer.lr;
  const cmp = await runComparison(c, ctx, `${c.optimizer.name} η = ${lr}`);
  cmp.task.dispose();
  return cmp.table;
});
