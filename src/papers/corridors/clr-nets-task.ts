/**
 * The task of corridors-clr-mnist / -cifar10: one update rule (a constant rate or a CLR variant) training the
 * MLP from the experiment's one initialization, in one regime (full batch or mini-batches). Rules train
 * independently (one tfjs call each, the same seeded batch order for all, see nets.ts), so one rule per task
 * gives the numbers the side-by-side run did.
 */
import { initParams } from "../../models/init";
import { mlp } from "../../models/mlp";
import type { Activation } from "../../models/activations";
import type { LossName } from "../../models/losses";
import { cifar10Available, loadCifar10 } from "../../data/cifar10";
import { loadMnist } from "../../data/mnist";
import { gd } from "../../optim/gd";
import { polyak, type PolyakConfig } from "../../optim/polyak";
import type { UpdateRule } from "../../optim/rule";
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { trainMembers, type LabelledDataset } from "./nets";

/** An update rule as data: a constant rate, or a Polyak step (the CLR with c = 1, target 0). */
export type MemberRule = { kind: "gd"; lr: number } | { kind: "polyak"; config: PolyakConfig };

export function memberRule(r: MemberRule): UpdateRule {
  return r.kind === "gd" ? gd(r.lr) : polyak(r.config);
}

export interface ClrDataConfig {
  dataset: "mnist" | "cifar10";
  trainPerClass: number;
  testPerClass: number;
  /** MNIST average pooling (1, 2 or 4); ignored for CIFAR-10. */
  pool: 1 | 2 | 4;
  /** Seed of the data subset, the initialization (and, + 1, the mini-batch order). */
  seed: number;
}

export interface ClrMemberTaskConfig extends ClrDataConfig {
  hidden: number[];
  activation: Activation;
  loss: LossName;
  rule: MemberRule;
  steps: number;
  /** 0: full batch. */
  batchSize: number;
  evalEvery: number;
}

export function loadClrData(c: ClrDataConfig): { train: LabelledDataset; test: LabelledDataset } {
  if (c.dataset === "mnist") {
    const train = loadMnist({ perClass: c.trainPerClass, split: "train", pool: c.pool, standardize: true, seed: c.seed });
    const test = loadMnist({ perClass: c.testPerClass, split: "test", pool: c.pool, standardize: train.stats ?? true, seed: c.seed });
    return { train, test };
  }
  if (!cifar10Available()) throw new Error("corridors-clr-cifar10: CIFAR-10 is not downloaded; run `await ensureCifar10()` once (≈170 MB), or use the MNIST experiment");
  return {
    train: loadCifar10({ perClass: c.trainPerClass, split: "train", standardize: true }),
    test: loadCifar10({ perClass: c.testPerClass, split: "test", standardize: true }),
  };
}

/** One rule's rows: `steps` (step, loss, lr) and `evals` (step, trainLoss, testAccuracy), member column 0. */
export const clrMemberTask = defineTask<ClrMemberTaskConfig, { steps: Table; evals: Table }>("corridors.clr-member", async (c, ctx) => {
  const { train, test } = loadClrData(c);
  const model = mlp({ widths: [train.d, ...c.hidden, train.c], activation: c.activation, bias: true });
  const w0 = initParams(model.layout, { scheme: "torch" }, c.seed);
  const label = c.rule.kind === "gd" ? `η = ${c.rule.lr}` : "Polyak/CLR";
  const bar = ctx.progress(`${c.dataset} ${c.batchSize > 0 ? "mini" : "full"}-batch, ${label}`, c.steps);
  let lastLive = Date.now();
  const rows = await trainMembers({ model, loss: c.loss, train, test, w0 }, [{ name: label, rule: memberRule(c.rule) }], {
    steps: c.steps,
    batchSize: c.batchSize,
    evalEvery: c.evalEvery,
    seed: c.seed + 1,
    onStep: async (t) => {
      bar.update(t + 1);
      if (Date.now() - lastLive > 1000) {
        lastLive = Date.now();
        await ctx.live({});
      }
    },
  });
  bar.finish();
  return { steps: rows.steps, evals: rows.evals };
});
