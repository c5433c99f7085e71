/**
 * Figure 3 (left) of Saxe et al. (2014): mode strengths over time on hierarchical data, closed form vs a
 * simulated linear net vs a tanh net (both trained by the library's GD on float32 tfjs gradients), plus the
 * task's singular values level by level against the tree's closed form √(F λ_k).
 */
import { treeModes } from "../../data/hierarchical";
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, type Panel, type Series } from "../../plot/panels";
import { GREY, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, RunContext, Tables } from "../../lab/types";
import { halfLearningTime, modeStrength } from "./analytic";
import { halfLearningSteps, simulateModeLearning, treeTask, type TreeTask } from "./mode-learning-model";
import { emptyTable, pushRow, where } from "../../lab/tables";
import { spearman } from "../../lab/stats";

export interface TreeTaskConfig {
  /** Binary tree depth L (2^L items), features F, flip probability p, data seed. */
  levels: number;
  features: number;
  flip: number;
  dataSeed: number;
  /** Hidden units N₂, learning rate λ (τ = 1/λ), closed form's u₀, GD steps, record interval. */
  hidden: number;
  lr: number;
  u0: number;
  steps: number;
  recordEvery: number;
}

/** The hierarchical task of Fig. 3 (both panels): 32 items, 1000 features, a small random init. */
export const TREE_TASK: TreeTaskConfig = { levels: 5, features: 1000, flip: 0.1, dataSeed: 1, hidden: 32, lr: 0.5e-3, u0: 1e-6, steps: 2500, recordEvery: 5 };

export interface ModeLearningConfig extends TreeTaskConfig {
  seed: number;
  /** Modes drawn (1-based, as in the paper). */
  shownModes: number[];
  /** The claim on half-learning times covers modes 1..strongModes. */
  strongModes: number;
}

export const SOURCE = { closedForm: 0, linear: 1, tanh: 2 } as const;

export function buildTreeTask(c: TreeTaskConfig): TreeTask {
  return treeTask({ levels: c.levels, features: c.features, flip: c.flip, seed: c.dataSeed });
}

/** Level of the i-th strongest mode: −1 for the constant mode, else the depth k of its tree node. */
export function levelOfMode(i: number): number {
  return i === 0 ? -1 : Math.floor(Math.log2(i));
}

async function run(c: ModeLearningConfig, ctx: RunContext): Promise<Tables> {
  const task = buildTreeTask(c);
  const { s } = task.modes;
  const expected = treeModes(c.levels, c.flip);
  const spectrum = emptyTable(["mode", "s", "level", "expected"]);
  s.forEach((si, i) => {
    const level = levelOfMode(i);
    const m = expected[level + 1];
    pushRow(spectrum, { mode: i + 1, s: si, level, expected: Math.sqrt(c.features * m.eigenvalue) });
  });
  const strengths = emptyTable(["source", "mode", "step", "u"]);
  const shown = c.shownModes.filter((m) => m >= 1 && m <= s.length);
  const halfTimes = emptyTable(["mode", "s", "closed_form", "linear", "tanh"]);
  const sims: Record<string, number[]> = {};
  const bar = ctx.progress("linear and tanh nets", 2);
  for (const [name, activation] of [
    ["linear", "identity"],
    ["tanh", "tanh"],
  ] as const) {
    const runResult = await simulateModeLearning(
      { task, hidden: c.hidden, activation, lr: c.lr, u0: c.u0, steps: c.steps, seeds: [c.seed], recordEvery: c.recordEvery },
      () => ctx.live({ strengths, spectrum }),
    );
    for (const m of shown) runResult.steps.forEach((step, k) => pushRow(strengths, { source: SOURCE[name], mode: m, step, u: runResult.strengths[0][k][m - 1] }));
    sims[name] = halfLearningSteps(runResult, task.modes, c.u0, c.lr).simulated[0];
    bar.update(name === "linear" ? 1 : 2);
    await ctx.live({ strengths, spectrum });
  }
  bar.finish();
  const recorded = where(strengths, { source: SOURCE.linear, mode: shown[0] }).step;
  for (const m of shown) for (const step of recorded) pushRow(strengths, { source: SOURCE.closedForm, mode: m, step, u: modeStrength(step, s[m - 1], c.u0, 1 / c.lr) });
  s.forEach((si, i) => pushRow(halfTimes, { mode: i + 1, s: si, closed_form: halfLearningTime(si, c.u0, 1 / c.lr), linear: sims.linear[i], tanh: sims.tanh[i] }));
  return { strengths, half_times: halfTimes, spectrum };
}

function figure(tables: Tables, c: ModeLearningConfig) {
  const { strengths, spectrum, half_times: half } = tables;
  const panels: Panel[] = [];
  const shown = c.shownModes.filter((m) => where(strengths, { mode: m }).step.length > 0);
  const color = (i: number): string => sweepColor(i, shown.length);
  const series: Series[] = [];
  const styles = [
    { source: SOURCE.closedForm, label: "closed form", dash: "dot" as const, width: 1 },
    { source: SOURCE.linear, label: "linear net (GD)", dash: "solid" as const, width: 1.5 },
    { source: SOURCE.tanh, label: "tanh net (GD)", dash: "dash" as const, width: 1.5 },
  ];
  shown.forEach((m, i) => {
    for (const st of styles) {
      const rows = where(strengths, { source: st.source, mode: m });
      if (rows.step.length === 0) continue;
      series.push({ name: st.label, x: rows.step, y: rows.u, color: color(i), dash: st.dash, width: st.width, group: st.label, showlegend: i === 0 });
    }
  });
  // Headroom above the strongest mode holds the legend (below it every region is crossed by some mode's curve).
  const top = Math.max(...series.flatMap((s) => s.y.filter(Number.isFinite)));
  panels.push({ ...curvesPanel({ title: "(a) mode strengths", xTitle: "t (iterations)", yTitle: "mode strength", series, yRange: [-0.03 * top, 2 * top] }), legend: "top right" });
  if (spectrum) {
    panels.push(
      {
        ...curvesPanel({
        title: "(b) singular values of Σ³¹",
        xTitle: "mode α",
        yTitle: "sα",
        series: [
          { name: "sampled data", x: spectrum.mode, y: spectrum.s, mode: "markers", process: "discrete" },
          { name: "tree closed form", x: spectrum.mode, y: spectrum.expected, process: "prediction", mode: "lines" },
        ],
      }),
        legend: "top right",
      },
    );
  }
  if (half) {
    panels.push(
      {
        ...curvesPanel({
        title: "(c) half-learning time",
        xTitle: "1/sα",
        yTitle: "t½ (iterations)",
        series: [
          { name: "closed form", x: half.s.map((v) => 1 / v), y: half.closed_form, process: "prediction" },
          { name: "linear net", x: half.s.map((v) => 1 / v), y: half.linear, mode: "markers", process: "optimizer" },
          { name: "tanh net", x: half.s.map((v) => 1 / v), y: half.tanh, mode: "markers", color: GREY.dark },
        ],
      }),
        legend: "top left",
      },
    );
  }
  return composeFigure(panels, { size: "text", cols: panels.length });
}

export function relativeDelays(simulated: number[], analytic: number[]): number[] {
  return simulated.map((t, i) => (t - analytic[i]) / analytic[i]);
}

function claims(tables: Tables, c: ModeLearningConfig) {
  const { half_times: half, spectrum } = tables;
  const rel = relativeDelays(half.linear, half.closed_form);
  const strong = rel.slice(0, c.strongModes).map(Math.abs);
  const worstStrong = strong.some(Number.isNaN) ? Number.NaN : Math.max(...strong);
  const order = spearman(half.linear, half.s.map((v) => -v));
  const levels = [...new Set(spectrum.level)];
  let levelErr = 0;
  for (const level of levels) {
    const rows = where(spectrum, { level });
    const meanS = rows.s.reduce((a, b) => a + b, 0) / rows.s.length;
    levelErr = Math.max(levelErr, Math.abs(meanS - rows.expected[0]) / rows.expected[0]);
  }
  const tanhLag = half.tanh.map((t, i) => (t - half.linear[i]) / half.linear[i]).filter(Number.isFinite).sort((a, b) => a - b);
  return [
    claim("linear-half-times", `linear net's half-learning times within 10% of the closed form for modes 1–${c.strongModes}: max relative deviation`, worstStrong, "<=", 0.1),
    claim("mode-order", "modes are learned in the order of their singular values: Spearman correlation of the linear net's t½ with −s_α, all modes", order, ">=", 0.95),
    claim("tree-spectrum", "sampled singular values match the tree's closed form √(F λ_k): max relative error of the level means", levelErr, "<=", 0.1),
    claim("tanh-lags", "the tanh net learns later than the linear net: median relative lag of t½ over the modes both reach", tanhLag.length ? tanhLag[tanhLag.length >> 1] : Number.NaN, ">", 0),
  ];
}


export const saxeModeLearning: Experiment<ModeLearningConfig> = registerExperiment<ModeLearningConfig>({
  id: "saxe-mode-learning",
  title: "Mode-by-mode learning of hierarchical data: closed form vs linear and tanh nets",
  paper: "Saxe, McClelland & Ganguli 2014, Fig. 3 (left)",
  configs: {
    quick: { ...TREE_TASK, steps: 1800, seed: 100, shownModes: [1, 2, 3, 5, 12, 18, 31], strongModes: 5 },
    full: { ...TREE_TASK, seed: 100, shownModes: [1, 2, 3, 5, 12, 18, 31], strongModes: 5 },
  },
  run,
  figures: [{ id: "saxe-mode-learning-fig3", paperFigure: "Saxe, McClelland & Ganguli 2014, Fig. 3 (left)", title: "Mode-by-mode learning of hierarchical data: closed form vs linear and tanh nets", caption: (c) => `Hierarchical data from a ${c.levels}-level binary tree (flip probability ${c.flip}, ${c.features} features), two-layer nets with N₂ = ${c.hidden} hidden units, GD at λ = ${c.lr} from u₀ = ${c.u0.toExponential(0)}. (a) Strengths of modes ${c.shownModes.join(", ")} (light to dark: strong to weak): closed form (dotted), linear net (solid), tanh net (dashed); each mode is learned in a sigmoidal step at a time ∝ 1/sα. (b) The singular values of the sampled Σ³¹ and of the tree closed form. (c) The half-learning time against 1/sα: linear and tanh nets against the closed form (τ/2s)ln(s/u₀ − 1).`, size: "text", build: figure }],
  claims,
});
