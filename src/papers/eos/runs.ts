/**
 * The shared shape of the training experiments (Fig. 1 analogue, cross-entropy, momentum, sweeps): groups of
 * full-batch runs, one group per architecture / data size / update rule, one run per learning rate, all from
 * the group's one initialization. A run records its loss at every step and its sharpness every `eigEvery`
 * steps into two long-form tables:
 *   loss       group, eta, step, loss
 *   sharpness  group, eta, step, sharpness, threshold      (threshold: the rule's stability edge, 2/η for GD)
 */
import type { Activation } from "../../models/activations";
import type { LossName } from "../../models/losses";
import { stabilityThreshold } from "../../optim/gd";
import { ruleFromSpec } from "../../optim/spec";
import type { UpdateRule } from "../../optim/rule";
import { defineTask } from "../../lab/task";
import { concatTables } from "../../lab/tables";
import type { RunContext, Table, Tables } from "../../lab/types";
import { edgeSummary, type EdgeSummary } from "./metrics";
import { buildProblem, netLabel, type DataConfig, type ProblemConfig } from "./problem";
import { trainRuns, type RunTrace } from "./train";

export type RuleKind = "gd" | "heavy_ball" | "nesterov";

export interface GroupConfig {
  /** Legend / panel title; empty: derived from the network and rule. */
  label: string;
  /** Training examples. */
  n: number;
  hidden: number[];
  activation: Activation;
  rule: RuleKind;
  /** Momentum β (ignored for gd). */
  beta: number;
  lrs: number[];
}

export interface TrainingConfig {
  source: DataConfig["source"];
  pool: DataConfig["pool"];
  dataSeed: number;
  initSeed: number;
  /** See DataConfig.labelNoise (absent: clean labels). */
  labelNoise?: number;
  loss: LossName;
  groups: GroupConfig[];
  steps: number;
  eigEvery: number;
  /** Finer sharpness measurements near the threshold (see TrainOptions.fine); absent: every eigEvery steps only. */
  fine?: { from: number; every: number };
  /** Eigensolver tolerance (relative residual). */
  eigTol: number;
  /** The band [lo, hi]·θ that the sharpness should stay in after first reaching θ… */
  band: [number, number];
  /** …counted from this many steps after the crossing (the overshoot that follows it is left out). */
  settle: number;
}

export function ruleLabel(g: Pick<GroupConfig, "rule" | "beta">): string {
  return g.rule === "gd" ? "GD" : `${g.rule === "heavy_ball" ? "heavy ball" : "Nesterov"}, β = ${g.beta}`;
}

export function groupLabel(g: GroupConfig): string {
  return g.label || `${netLabel({ hidden: g.hidden, activation: g.activation, initSeed: 0 })}, ${ruleLabel(g)}`;
}

/**
 * A group's rule at one learning rate, through the one spec→rule builder, with float32 iterates as in the
 * paper's float32 training (storedInFloat32 in src/optim/rule.ts says why the edge of stability cares).
 */
export function makeRule(kind: RuleKind, lr: number, beta: number): UpdateRule {
  return ruleFromSpec(kind === "gd" ? { name: "gd", lr, precision: "float32" } : { name: kind, lr, beta, precision: "float32" });
}

export function threshold(g: Pick<GroupConfig, "rule" | "beta">, lr: number): number {
  return stabilityThreshold(g.rule, lr, g.rule === "gd" ? 0 : g.beta);
}

export function problemOf(c: TrainingConfig, g: GroupConfig): ProblemConfig {
  return {
    data: { source: c.source, n: g.n, pool: c.pool, seed: c.dataSeed, ...(c.labelNoise ? { labelNoise: c.labelNoise } : {}) },
    net: { hidden: g.hidden, activation: g.activation, initSeed: c.initSeed },
    loss: c.loss,
  };
}

function validate(c: TrainingConfig): void {
  if (c.groups.length === 0) throw new Error("groups must not be empty");
  for (const g of c.groups) {
    if (g.lrs.length === 0) throw new Error(`group ${groupLabel(g)}: lrs must not be empty`);
    if (new Set(g.lrs).size !== g.lrs.length) throw new Error(`group ${groupLabel(g)}: lrs must be distinct`);
  }
  if (!(c.band[0] < 1 && c.band[1] > 1)) throw new Error(`band must contain 1, got [${c.band}]`);
}

/** Trains every group, streaming partial tables to `ctx.live`. */
/** One group's task: the training config with that group alone, and the group's index in the experiment. */
export interface GroupTaskConfig {
  training: Omit<TrainingConfig, "groups">;
  group: GroupConfig;
  index: number;
}

/**
 * One group (one network, its learning rates trained together) as a task: the unit the EoS sweeps are made
 * of (network size, depth, momentum, losses), cached and run in parallel on its own.
 */
export const trainingGroupTask = defineTask<GroupTaskConfig, TrainingTables>("eos.training-group", async ({ training, group: g, index: gi }, ctx) => {
  const c: TrainingConfig = { ...training, groups: [g] };
  const tables: TrainingTables = { loss: { group: [], eta: [], step: [], loss: [] }, sharpness: { group: [], eta: [], step: [], sharpness: [], threshold: [] } };
  const bar = ctx.progress(`training ${groupLabel(g)}`, g.lrs.length * (c.steps + 1));
  let done = 0;
  const problem = buildProblem(problemOf(c, g));
  try {
    const traces = await trainRuns(
      problem.D,
      g.lrs.map((lr) => ({ label: `${groupLabel(g)}, η = ${lr}`, rule: makeRule(g.rule, lr, g.beta), w0: problem.w0, threshold: threshold(g, lr) })),
      {
        steps: c.steps,
        eigEvery: c.eigEvery,
        ...(c.fine ? { fine: c.fine } : {}),
        sharpness: { tol: c.eigTol },
        afterStep: async (t, partial) => {
          done += g.lrs.length;
          const last = partial[partial.length - 1];
          const s = last.sharpness.length > 0 ? last.sharpness[last.sharpness.length - 1].toFixed(2) : "–";
          bar.update(done, `${groupLabel(g)}: loss ${last.loss[t].toExponential(2)}, S ${s}`);
          // Yield every step so that notebook output (progress lines) is sent while we compute.
          await ctx.live({});
        },
      },
    );
    appendTraces(tables, gi, g, traces);
  } finally {
    problem.dispose();
  }
  bar.finish();
  return tables;
});

export async function runGroups(c: TrainingConfig, ctx: RunContext): Promise<Tables> {
  validate(c);
  const { groups, ...training } = c;
  // One task per group; the tables are the groups' rows in order.
  const parts = await ctx.map(groups.map((group, index) => ({ training, group, index })), trainingGroupTask);
  return { loss: concatTables(parts.map((p) => p.loss)), sharpness: concatTables(parts.map((p) => p.sharpness)) };
}

interface TrainingTables {
  loss: Table;
  sharpness: Table;
}

/** Appends the traces of group `gi` (one per learning rate) to the tables. */
function appendTraces(tables: TrainingTables, gi: number, g: GroupConfig, traces: RunTrace[]): void {
  traces.forEach((tr, r) => {
    const eta = g.lrs[r];
    tr.eigSteps.forEach((s, k) => {
      tables.sharpness.group.push(gi);
      tables.sharpness.eta.push(eta);
      tables.sharpness.step.push(s);
      tables.sharpness.sharpness.push(tr.sharpness[k]);
      tables.sharpness.threshold.push(threshold(g, eta));
    });
    tr.loss.forEach((l, t) => {
      tables.loss.group.push(gi);
      tables.loss.eta.push(eta);
      tables.loss.step.push(t);
      tables.loss.loss.push(l);
    });
  });
}

/** Rows of `t` where each given column equals its value. */
export function rowsWhere(t: Table, match: Record<string, number>): Table {
  const keys = Object.entries(match);
  const n = t[keys[0][0]].length;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (keys.every(([k, v]) => t[k][i] === v)) keep.push(i);
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

export interface RunSummary extends EdgeSummary {
  group: number;
  eta: number;
  threshold: number;
}

/** The edge summary of every run that has data in the tables. */
export function summarize(tables: Tables, c: TrainingConfig): RunSummary[] {
  const out: RunSummary[] = [];
  c.groups.forEach((g, gi) => {
    for (const eta of g.lrs) {
      const s = rowsWhere(tables.sharpness, { group: gi, eta });
      const l = rowsWhere(tables.loss, { group: gi, eta });
      if (s.step.length === 0 || l.step.length === 0) continue;
      const theta = threshold(g, eta);
      out.push({ group: gi, eta, threshold: theta, ...edgeSummary(s.step, s.sharpness, l.loss, theta, c.band, c.settle) });
    }
  });
  return out;
}
