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
import { GREY, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, Tables } from "../../lab/types";
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
  fine: { from: 0.8, every: 2 },
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
  fine: { from: 0.8, every: 2 },
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

const factorOf = (c: SweepConfig, g: GroupConfig): number => (c.factor === "examples" ? g.n : g.hidden.length);
const factorTitle = (c: SweepConfig): string => (c.factor === "examples" ? "training examples n" : "hidden layers");

/** Sharpness (with the one 2/η) and train loss of every setting, coloured along the sweep. */
function curvesFigure(tables: Tables, c: SweepConfig) {
  const eta = c.groups[0].lrs[0];
  const sharp: Series[] = [];
  const loss: Series[] = [];
  c.groups.forEach((g, gi) => {
    const color = sweepColor(gi, c.groups.length);
    const s = rowsWhere(tables.sharpness, { group: gi });
    const l = rowsWhere(tables.loss, { group: gi });
    if (s.step.length > 0) sharp.push({ name: g.label, x: s.step, y: s.sharpness, color, width: 1.25 });
    if (l.step.length > 0) loss.push({ name: g.label, x: l.step, y: l.loss, color, width: 1 });
  });
  const steps = Math.max(1, ...(tables.loss.step.length > 0 ? tables.loss.step : [1]));
  return composeFigure(
    [
      // The shared legend sits below the hover at 2/η (dotted), in the sharpness panel's empty bottom right (y from
      // 0; the loss curves fill every corner of theirs). The figure is a little taller than the summary's to fit it.
      { ...curvesPanel({ title: "(a) sharpness", xTitle: "step", yTitle: "sharpness λ<sub>max</sub>", series: [...sharp, { name: "2/η", x: [0, steps], y: [2 / eta, 2 / eta], process: "threshold", unlabeled: true }], yRange: [0, 1.03 * Math.max(2 / eta, ...sharp.flatMap((t) => t.y).filter(Number.isFinite))] }), legend: "bottom right" },
      { ...lossPanel({ title: "(b) train loss", xTitle: "step", series: loss }), legend: "none" },
    ],
    { size: "column", cols: 1, heightIn: 4.4 },
  );
}

/** Per setting: progressive sharpening at equal loss, and the first step with S ≥ 2/η. */
function summaryFigure(tables: Tables, c: SweepConfig) {
  const runs = summarize(tables, c);
  const xs = c.groups.map((g) => factorOf(c, g));
  const logX = c.factor === "examples";
  const s0 = c.groups.map((_, gi) => rowsWhere(tables.sharpness, { group: gi }).sharpness[0] ?? NaN);
  const atFit = sharpeningAtFit(tables, c).map((r, i) => r * s0[i]);
  const eta = c.groups[0].lrs[0];
  const marker = { mode: "lines+markers" as const, width: 1.25 };
  const first =
    c.factor === "examples"
      ? curvesPanel({ title: "(a) sharpening at equal loss", xTitle: factorTitle(c), yTitle: "S(L*) ÷ S₀", logX, series: [{ name: "S(L*) ÷ S₀", x: xs, y: sharpeningAtFit(tables, c), process: "optimizer", ...marker, unlabeled: true }] })
      : curvesPanel({
          title: "(a) sharpness at start and at L*",
          xTitle: factorTitle(c),
          yTitle: "sharpness λ<sub>max</sub>",
          // Headroom above 2/η (dotted, named in the caption) for the two-entry legend.
          yRange: [0, 1.9 * Math.max(2 / eta, ...atFit.filter(Number.isFinite), ...s0.filter(Number.isFinite))],
          series: [
            { name: "at L = L*", x: xs, y: atFit, process: "optimizer", ...marker },
            { name: "at step 0", x: xs, y: s0, color: GREY.mid, ...marker, dash: "dash" },
            { name: "2/η", x: [Math.min(...xs), Math.max(...xs)], y: [2 / eta, 2 / eta], process: "threshold", unlabeled: true },
          ],
        });
  const cross = curvesPanel({
    title: "(b) first step with S ≥ 2/η",
    xTitle: factorTitle(c),
    yTitle: "step",
    logX,
    series: [{ name: "crossing step", x: runs.map((r) => factorOf(c, c.groups[r.group])), y: runs.map((r) => r.crossStep), process: "optimizer", ...marker, unlabeled: true }],
  });
  if (logX) for (const p of [first, cross]) p.xaxis = { ...p.xaxis, tickvals: xs, ticktext: xs.map(String), dtick: undefined };
  else for (const p of [first, cross]) p.xaxis = { ...p.xaxis, tickvals: xs };
  return composeFigure([{ ...first, legend: c.factor === "examples" ? "none" : "top right" }, { ...cross, legend: "none" }], { size: "column", cols: 1, heightIn: 3.6 });
}

function sweepFigures(kind: "size" | "depth"): FigureSpec<SweepConfig>[] {
  const paperFigure = kind === "size" ? "Cohen et al. 2021, appendix (data set size)" : "Cohen et al. 2021, appendix (depth)";
  const setting = (c: SweepConfig): string =>
    `Full-batch GD at η = ${c.groups[0].lrs[0]} on MNIST (${c.groups[0].n === c.groups[c.groups.length - 1].n ? `${c.groups[0].n} examples` : `${c.groups.map((g) => g.n).join(", ")} examples`}, ${c.pool}×${c.pool} pooled), ` +
    `tanh MLPs of width ${c.groups[0].hidden[0]}${kind === "size" ? ` and depth ${c.groups[0].hidden.length}` : `, ${c.groups.map((g) => g.hidden.length).join(", ")} hidden layers`}, squared loss, ${c.steps} steps; ` +
    `sharpness every ${c.eigEvery} steps${c.fine ? `, every ${c.fine.every} steps once it is within ${Math.round((1 - c.fine.from) * 100)}% of 2/η until it reaches it` : ""}.`;
  return [
    {
      id: `eos-sweep-${kind}-curves`,
      paperFigure,
      title: kind === "size" ? "Every data set size reaches the edge of stability" : "Every depth reaches the edge of stability",
      size: "column",
      caption: (c) => `${setting(c)} (a) sharpness, 2/η dotted: each setting rises to 2/η and hovers there; (b) train loss.`,
      build: curvesFigure,
    },
    {
      id: `eos-sweep-${kind}-summary`,
      paperFigure,
      title: kind === "size" ? "More examples, more progressive sharpening" : "Sharpening and the crossing step against depth",
      size: "column",
      caption: (c) =>
        `${setting(c)} ` +
        (kind === "size"
          ? `(a) progressive sharpening at equal progress, S(L*) ÷ S₀ with S(L*) the sharpness when the loss first reaches L* = ${c.fitLoss}: it grows with n; (b) the first step with S ≥ 2/η: larger data sets take longer.`
          : `(a) the sharpness at initialization and when the loss first reaches L* = ${c.fitLoss}: one hidden layer starts close to 2/η and has little room to sharpen, deeper nets start lower and sharpen from there (so the ratio S(L*) ÷ S₀, which the size sweep uses, is not a monotone function of depth and is not claimed); (b) the first step with S ≥ 2/η.`),
      build: summaryFigure,
    },
  ];
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

const common = { run: runGroups, runsTasks: true, claims };

export const eosSweepSize: Experiment<SweepConfig> = registerExperiment<SweepConfig>({
  id: "eos-sweep-size",
  title: "Data set size sweep: progressive sharpening grows with the number of examples",
  paper: "Cohen et al. 2021, appendix (data set size)",
  figures: sweepFigures("size"),
  configs: { quick: SIZE_QUICK, full: SIZE_FULL },
  ...common,
});

export const eosSweepDepth: Experiment<SweepConfig> = registerExperiment<SweepConfig>({
  id: "eos-sweep-depth",
  title: "Depth sweep: the edge of stability at every depth (1–4 hidden layers)",
  paper: "Cohen et al. 2021, appendix (depth)",
  figures: sweepFigures("depth"),
  configs: { quick: DEPTH_QUICK, full: DEPTH_FULL },
  ...common,
});
