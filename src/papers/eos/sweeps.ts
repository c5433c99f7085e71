/**
 * The paper's appendix sweeps that fit a CPU, each a compact grid: full-batch GD at one step size η while one
 * factor varies: the number of training examples, or the depth of a tanh MLP. Each setting is a group of one
 * run; the figure overlays the settings (colour = factor) with the one threshold 2/η, and sums each run up by
 * its progressive sharpening at equal progress, S(L*) ÷ S₀ with S(L*) the sharpness when the loss first
 * reaches the level L* (larger data sets take more steps to fit, so equal steps would compare unequal
 * progress), and by the step at which it first reached 2/η.
 *
 * Claims: in every setting the sharpness reaches 2/η and then hovers there; progressive sharpening grows with
 * the number of examples (the depth sweep reports its trend without a claim: see the notebook).
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, lossPanel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, Tables } from "../../lab/types";
import { sharpnessAtLoss } from "./metrics";
import { rowsWhere, runGroups, summarize, type GroupConfig, type TrainingConfig } from "./runs";

export interface SweepConfig extends TrainingConfig {
  /** Which factor the groups vary (for labels). */
  factor: "examples" | "depth";
  /** The loss level L* at which runs are compared; reached by every run before its sharpness reaches 2/η. */
  fitLoss: number;
  /** Claim that S(L*) ÷ S₀ grows along the sweep. */
  trendClaim: boolean;
}

const tanhNet = (n: number, depth: number, width: number, eta: number, label: string): GroupConfig => ({
  label,
  n,
  hidden: new Array<number>(depth).fill(width),
  activation: "tanh",
  rule: "gd",
  beta: 0,
  lrs: [eta],
});

const BASE = { source: "mnist", pool: 2, dataSeed: 0, initSeed: 0, loss: "half_sse", eigTol: 1e-2, band: [0.85, 1.25], settle: 0 } as const;

const sizeGroups = (ns: number[], width: number, eta: number): GroupConfig[] => ns.map((n) => tanhNet(n, 2, width, eta, `n = ${n}`));
const depthGroups = (depths: number[], n: number, width: number, eta: number): GroupConfig[] => depths.map((d) => tanhNet(n, d, width, eta, `depth ${d}`));

const SIZE_QUICK: SweepConfig = {
  ...BASE,
  band: [...BASE.band],
  factor: "examples",
  groups: sizeGroups([250, 500, 1000], 32, 0.4),
  steps: 300,
  eigEvery: 10,
  fitLoss: 0.12,
  trendClaim: true,
};
const SIZE_FULL: SweepConfig = { ...SIZE_QUICK, groups: sizeGroups([250, 500, 1000, 2000], 64, 0.4), steps: 600, eigEvery: 20 };
const DEPTH_QUICK: SweepConfig = {
  ...BASE,
  band: [...BASE.band],
  factor: "depth",
  groups: depthGroups([1, 2, 3, 4], 250, 32, 0.3),
  steps: 300,
  eigEvery: 10,
  fitLoss: 0.12,
  trendClaim: false,
};
const DEPTH_FULL: SweepConfig = { ...DEPTH_QUICK, groups: depthGroups([1, 2, 3, 4], 500, 48, 0.3), steps: 600, eigEvery: 20 };

/** S(L*) ÷ S₀ for every setting, in sweep order (NaN where the loss never reached L*). */
function sharpeningAtFit(tables: Tables, c: SweepConfig): number[] {
  return c.groups.map((_, gi) => {
    const s = rowsWhere(tables.sharpness, { group: gi });
    const l = rowsWhere(tables.loss, { group: gi });
    return s.step.length > 0 ? sharpnessAtLoss(s.step, s.sharpness, l.loss, c.fitLoss) / s.sharpness[0] : NaN;
  });
}

function figure(tables: Tables, c: SweepConfig) {
  const eta = c.groups[0].lrs[0];
  const color = (i: number): string => sequentialColor(i, c.groups.length);
  const sharp: Series[] = [];
  const loss: Series[] = [];
  c.groups.forEach((g, gi) => {
    const s = rowsWhere(tables.sharpness, { group: gi });
    const l = rowsWhere(tables.loss, { group: gi });
    if (s.step.length > 0) sharp.push({ name: g.label, x: s.step, y: s.sharpness, color: color(gi), group: g.label });
    if (l.step.length > 0) loss.push({ name: g.label, x: l.step, y: l.loss, color: color(gi), group: g.label, width: 1 });
  });
  const runs = summarize(tables, c);
  const factorOf = (g: GroupConfig): number => (c.factor === "examples" ? g.n : g.hidden.length);
  const x = runs.map((r) => factorOf(c.groups[r.group]));
  const xTitle = c.factor === "examples" ? "training examples n" : "hidden layers";
  const steps = Math.max(1, ...(tables.loss.step.length > 0 ? tables.loss.step : [1]));
  const panels = [
    curvesPanel({ title: "(a) sharpness", xTitle: "step", yTitle: "sharpness", series: sharp, thresholds: [{ x: [0, steps], y: 2 / eta, name: "2/η" }] }),
    lossPanel({ title: "(b) train loss", xTitle: "step", series: loss }),
    curvesPanel({
      title: `(c) sharpening at equal loss L* = ${c.fitLoss}`,
      xTitle,
      yTitle: "S(L*) ÷ S₀",
      logX: c.factor === "examples",
      series: [{ name: "S(L*) ÷ S₀", x: c.groups.map(factorOf), y: sharpeningAtFit(tables, c), process: "discrete", mode: "lines+markers" }],
    }),
    curvesPanel({
      title: "(d) first step with S ≥ 2/η",
      xTitle,
      yTitle: "step",
      logX: c.factor === "examples",
      series: [{ name: "crossing step", x, y: runs.map((r) => r.crossStep), process: "central", mode: "lines+markers" }],
    }),
  ];
  const what = c.factor === "examples" ? `data set size (tanh ${c.groups[0].hidden.join("-")})` : `depth (tanh, width ${c.groups[0].hidden[0]}, MNIST ${c.groups[0].n})`;
  return composeFigure(panels, { cols: 4, title: `Sweep over ${what}: GD at η = ${eta}` });
}

/** Adjacent pairs (in sweep order) where `values` does not increase; NaN entries count too. */
function nonIncreases(values: number[]): number {
  let count = 0;
  for (let i = 0; i + 1 < values.length; i++) if (!(values[i + 1] > values[i])) count++;
  return count;
}

function claims(tables: Tables, c: SweepConfig): Claim[] {
  const runs = summarize(tables, c);
  const crossed = runs.filter((r) => Number.isFinite(r.crossStep));
  const factor = c.factor === "examples" ? "n" : "depth";
  const out: Claim[] = [
    claim("reaches-threshold", `every setting's sharpness reaches 2/η: settings that never did, of ${c.groups.length}`, c.groups.length - crossed.length, "<=", 0),
    claim(
      "hovers-at-edge",
      `after first reaching 2/η, S stays in [${c.band[0]}, ${c.band[1]}]·2/η: min over settings of the fraction of measurements`,
      crossed.length > 0 ? Math.min(...crossed.map((r) => r.inBand)) : NaN,
      ">=",
      0.8,
    ),
  ];
  if (c.trendClaim) {
    out.push(
      claim(
        "sharpening-grows",
        `progressive sharpening grows with ${factor}: adjacent settings (of ${c.groups.length}) where S(L* = ${c.fitLoss}) ÷ S₀ does not grow`,
        nonIncreases(sharpeningAtFit(tables, c)),
        "<=",
        0,
      ),
    );
  }
  return out;
}

const common = { run: runGroups, runsTasks: true, figure, claims };

export const eosSweepSize: Experiment<SweepConfig> = registerExperiment<SweepConfig>({
  id: "eos-sweep-size",
  title: "Data set size sweep: progressive sharpening grows with the number of examples",
  paper: "Cohen et al. 2021, appendix (data set size)",
  configs: { quick: SIZE_QUICK, full: SIZE_FULL },
  ...common,
});

export const eosSweepDepth: Experiment<SweepConfig> = registerExperiment<SweepConfig>({
  id: "eos-sweep-depth",
  title: "Depth sweep: the edge of stability at every depth (1–4 hidden layers)",
  paper: "Cohen et al. 2021, appendix (depth)",
  configs: { quick: DEPTH_QUICK, full: DEPTH_FULL },
  ...common,
});
