/**
 * The task of saxe-learning-delays: one random small init (one seed) of the linear or the tanh net on the
 * hierarchical data, trained by GD; its half-learning time in every mode against the closed form.
 * Members of an ensemble train independently, so one seed per task gives the numbers the whole ensemble did.
 */
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { emptyTable, pushRow } from "../../lab/tables";
import { halfLearningSteps, simulateModeLearning, treeTask, type TreeTask } from "./mode-learning-model";
import type { HierarchicalOptions } from "../../data/hierarchical";

export interface LearningDelayTaskConfig {
  tree: HierarchicalOptions;
  activation: "linear" | "tanh";
  hidden: number;
  lr: number;
  u0: number;
  steps: number;
  recordEvery: number;
  seed: number;
}

export const ACTIVATION_CODE = { linear: 0, tanh: 1 } as const;

// The tree task is a pure function of its options: a worker running several seeds builds it once.
const trees = new Map<string, TreeTask>();
function tree(o: HierarchicalOptions): TreeTask {
  const key = JSON.stringify(o);
  let t = trees.get(key);
  if (!t) trees.set(key, (t = treeTask(o)));
  return t;
}

/** Rows (activation, seed, mode, s, analytic, simulated, relative) of one init, modes by decreasing s. */
export const learningDelayTask = defineTask<LearningDelayTaskConfig, Table>("saxe.learning-delay", async (c, ctx) => {
  const task = tree(c.tree);
  const result = await simulateModeLearning(
    { task, hidden: c.hidden, activation: c.activation === "linear" ? "identity" : "tanh", lr: c.lr, u0: c.u0, steps: c.steps, seeds: [c.seed], recordEvery: c.recordEvery },
    () => ctx.live({}),
  );
  const { simulated, analytic } = halfLearningSteps(result, task.modes, c.u0, c.lr);
  const delays = emptyTable(["activation", "seed", "mode", "s", "analytic", "simulated", "relative"]);
  simulated[0].forEach((t, a) =>
    pushRow(delays, { activation: ACTIVATION_CODE[c.activation], seed: c.seed, mode: a + 1, s: task.modes.s[a], analytic: analytic[a], simulated: t, relative: (t - analytic[a]) / analytic[a] }),
  );
  return delays;
});
