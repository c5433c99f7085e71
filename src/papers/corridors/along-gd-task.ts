/**
 * The task of corridors-along-gd: one full-batch GD run on a small MNIST subset with the corridor-ness and the
 * linearity error of every step and the sharpness every `eigEvery` steps (along-training.ts). Nothing here
 * draws, so editing the figure keeps this result cached.
 */
import { loadMnist } from "../../data/mnist";
import { initParams } from "../../models/init";
import type { Activation } from "../../models/activations";
import type { LossName } from "../../models/losses";
import { mlp } from "../../models/mlp";
import { supervisedObjective } from "../../models/objective";
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { hgRatioAlongGd } from "./along-training";

export interface AlongGdRunConfig {
  trainPerClass: number;
  pool: 1 | 2 | 4;
  hidden: number[];
  activation: Activation;
  loss: LossName;
  lr: number;
  steps: number;
  eigEvery: number;
  seed: number;
}

/** The rows of along-training.ts (step, loss, sharpness, hgRatio, …) as a table. */
export const alongGdTask = defineTask<AlongGdRunConfig, Table>("corridors.along-gd", async (c, ctx) => {
  const train = loadMnist({ perClass: c.trainPerClass, split: "train", pool: c.pool, standardize: true, seed: c.seed });
  const model = mlp({ widths: [train.d, ...c.hidden, train.c], activation: c.activation, bias: true });
  const objective = supervisedObjective(model, c.loss, train);
  const bar = ctx.progress("GD with corridor-ness", c.steps);
  let lastLive = Date.now();
  try {
    const rows = await hgRatioAlongGd(objective, initParams(model.layout, { scheme: "torch" }, c.seed), {
      lr: c.lr,
      steps: c.steps,
      eigEvery: c.eigEvery,
      seed: c.seed,
      onStep: async (t, partial) => {
        bar.update(t + 1, `S ${partial.sharpness.filter(Number.isFinite).at(-1)?.toFixed(2)} (2/η = ${(2 / c.lr).toFixed(2)})`);
        if (Date.now() - lastLive > 1000) {
          lastLive = Date.now();
          await ctx.live({});
        }
      },
    });
    bar.finish();
    return rows as unknown as Table;
  } finally {
    objective.dispose();
  }
});
