/**
 * Part I: the central flow across architectures and learning rates, and EoS at two learning rates. Each run
 * is GD and the central flow on one (MLP, η); GD's sharpness S rises to 2/η and hovers there, and the
 * central flow's predicted loss L + tr X follows GD's time-averaged loss. The site uses ViTs, CNNs, ResNets,
 * LSTMs and Mambas; here the variants are small MLPs (activation, depth, width) on the Gaussian data.
 */
import { claim } from "../../lab/claims";
import { eigenvaluePanel, lossPanel, type Panel } from "../../plot/panels";
import { logRangeWithRoom } from "../../plot/ranges";
import { sequentialColor } from "../../plot/style";
import { concatTables, emptyTable, where } from "../../lab/tables";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
import type { ComparisonConfig } from "./compare";
import { comparisonTask } from "./tasks";
import { line, rawAndSmoothed, panelFigures } from "./figures";
import { arrival, settledWindow, windowRatio } from "./measures";
import type { TaskSpec } from "./setup";

export interface VariantRun {
  label: string;
  task: TaskSpec;
  lr: number;
  steps: number;
}

export interface GdVariantsConfig {
  runs: VariantRun[];
  /** Runs drawn together in the "two learning rates" panel (indices into runs). */
  twoRates: [number, number];
  k: number;
  chunk: number;
  settle: number;
  smooth: number;
}

const comparison = (r: VariantRun, c: GdVariantsConfig): ComparisonConfig => ({
  task: r.task,
  optimizer: { name: "gd", lr: r.lr },
  steps: r.steps,
  k: c.k,
  processes: ["discrete", "central"],
  output: null,
  chunk: c.chunk,
});

async function run(c: GdVariantsConfig, ctx: RunContext): Promise<Tables> {
  // One task per (network, η): cached on its own, run in parallel when the run has workers.
  const tables = await ctx.map(c.runs.map((r) => comparison(r, c)), comparisonTask);
  const parts = tables.map((t, i): Table => ({ run: t.step.map(() => i), ...t }));
  return { steps: parts.length ? concatTables(parts) : emptyTable(["run", "step"]) };
}

function allPanels(tables: Tables, c: GdVariantsConfig): Panel[] {
  const t = tables.steps;
  const panels: Panel[] = [];
  const [i0, i1] = c.twoRates;
  const two = [i0, i1].map((i) => where(t, { run: i }));
  // Room below the hover for the legend: the y axis starts at 0, and the central flows share one entry (black);
  // the thresholds 2/η lie under them once they arrive, so they go unnamed (the caption says so).
  const top = Math.max(0, ...two.flatMap((ti) => (ti.discrete_sharpness ?? []).filter(Number.isFinite)));
  panels.push(
    eigenvaluePanel({
      title: "(a) sharpness at two learning rates",
      yTitle: "sharpness S = λ<sub>max</sub>(H)",
      series: [i0, i1].flatMap((i, j) => [
        ...line(two[j], "discrete_sharpness", { name: `GD η = ${c.runs[i].lr}`, color: sequentialColor(j, 3), group: `lr${i}` }),
        ...line(two[j], "central_sharpness", { name: "central flow", process: "central", group: "central", showlegend: j === 0 }),
        ...(two[j].step.length > 0 ? [{ name: `2/η = ${+(2 / c.runs[i].lr).toFixed(2)}`, x: [two[j].step[0], two[j].step[two[j].step.length - 1]], y: [2 / c.runs[i].lr, 2 / c.runs[i].lr], process: "threshold" as const, unlabeled: true }] : []),
      ]),
      yRange: top > 0 ? [0, top * 1.05] : undefined,
      legend: "bottom right",
    }),
  );
  // One legend for the loss panels, in the empty lower left (the curves fall from the top left) of the panel where
  // it is largest: the most decades between the lowest loss of the run's first half and the lowest loss drawn.
  const room = (i: number): number => {
    const ti = where(t, { run: i });
    const half = ti.step.length >> 1;
    const positive = (ys: number[]): number[] => ys.filter((y) => Number.isFinite(y) && y > 0);
    const bottom = Math.min(...positive([...(ti.discrete_loss ?? []), ...(ti.central_loss ?? [])]));
    const left = Math.min(...positive([...(ti.discrete_loss ?? []).slice(0, half), ...(ti.central_loss ?? []).slice(0, half)]));
    return Number.isFinite(left) && Number.isFinite(bottom) ? Math.log10(left / bottom) : -Infinity;
  };
  const rooms = c.runs.slice(0, 4).map((_, i) => room(i));
  const legendPanel = rooms.reduce((best, r, i) => (r > rooms[best] ? i : best), rooms.length - 1);
  c.runs.forEach((r, i) => {
    const ti = where(t, { run: i });
    if (ti.step.length === 0) return;
    const a = Math.max(0, arrival(ti));
    const series = [
      ...rawAndSmoothed(ti, "discrete_loss", { name: "GD", process: "discrete", smooth: c.smooth }),
      ...line(ti, "central_loss_pred", { name: "central flow: predicted E[L]", process: "prediction", from: a }),
      ...line(ti, "central_loss", { name: "central flow: L(w(t))", process: "central" }),
    ];
    const legend = i === legendPanel;
    panels.push(
      lossPanel({
        legend: legend ? "bottom left" : "none",
        title: `(${String.fromCharCode(98 + i)}) ${r.label}: loss`,
        series,
        // The legend panel's axis reaches below its curves, so the three entries sit under them.
        ...(legend ? { yRange: logRangeWithRoom(series.flatMap((s) => s.y), { below: 0.8 }) } : {}),
      }),
    );
  });
  return panels;
}

function claims(tables: Tables, c: GdVariantsConfig): Claim[] {
  const t = tables.steps;
  return c.runs.flatMap((r, i): Claim[] => {
    const ti = where(t, { run: i });
    const a = arrival(ti);
    const w = settledWindow(ti, c.settle);
    const locked = a < 0 ? NaN : Math.max(...ti.central_eig1.slice(a + 1).map((x) => Math.abs(x - 2)));
    const id = `run${i + 1}`;
    return [
      claim(`${id}-locked`, `${r.label}: central flow's ηS within 1e-3 of 2 after arrival (step ${a}): max |ηS − 2|`, locked, "<=", 1e-3),
      claim(`${id}-loss-prediction`, `${r.label}: mean GD loss / mean predicted from arrival + ${c.settle}: |ratio − 1|`, Math.abs(windowRatio(ti.discrete_loss, ti.central_loss_pred, w) - 1), "<=", 0.05),
    ];
  });
}

const MLP = (hidden: number[], activation: TaskSpec["activation"]): TaskSpec => ({ hidden, outputs: 1, activation, loss: "mse", data: { kind: "gaussian", n: 128, seed: 0 }, initSeed: 0 });

export const cfGdVariants: Experiment<GdVariantsConfig> = registerExperiment<GdVariantsConfig>({
  id: "central-flows-gd-variants",
  quickClaims: "reported",
  title: "The central flow across MLP variants and learning rates; EoS at two learning rates",
  paper: "Cohen, Damian et al. 2024 (central flows), Part I: EoS at two learning rates; central flows across architectures (MLPs instead of ViT/CNN/ResNet/LSTM/Mamba)",
  configs: {
    quick: {
      runs: [
        { label: "swish 16-16, η=0.2", task: MLP([16, 16], "swish"), lr: 0.2, steps: 200 },
        { label: "swish 16-16, η=0.25", task: MLP([16, 16], "swish"), lr: 0.25, steps: 200 },
      ],
      twoRates: [0, 1],
      k: 2,
      chunk: 25,
      settle: 100,
      smooth: 8,
    },
    full: {
      runs: [
        { label: "swish 16-16, η=0.15", task: MLP([16, 16], "swish"), lr: 0.15, steps: 800 },
        { label: "swish 16-16, η=0.2", task: MLP([16, 16], "swish"), lr: 0.2, steps: 800 },
        { label: "tanh 16-16, η=0.1", task: MLP([16, 16], "tanh"), lr: 0.1, steps: 800 },
        { label: "swish 16-16-16, η=0.1", task: MLP([16, 16, 16], "swish"), lr: 0.1, steps: 800 },
        { label: "gelu 32, η=0.2", task: MLP([32], "gelu"), lr: 0.2, steps: 800 },
      ],
      twoRates: [0, 1],
      k: 3,
      chunk: 25,
      settle: 250,
      smooth: 8,
    },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-gd-two-rates", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part I: EoS at two learning rates", title: "The edge of stability at two learning rates", size: "column", pick: [0],
      caption: (c) => `Sharpness of GD (${c.runs[c.twoRates[0]].label.split(",")[0]}) at η = ${c.twoRates.map((i) => c.runs[i].lr).join(" and ")}, with the central flows' (black) and the two thresholds 2/η = ${c.twoRates.map((i) => +(2 / c.runs[i].lr).toFixed(2)).join(" and ")} (dotted, under the central flows once they arrive): each run's sharpness overshoots, then settles at its own 2/η.` },
    { id: "central-flows-gd-variants", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part I: central flows across architectures (MLP variants here)", title: "The central flow predicts GD's time-averaged loss across MLP variants", size: "text", pick: (ps) => ps.slice(1, 5),
      caption: (c) => `GD on MLP variants (${c.runs.map((r) => r.label).join("; ")}): loss of GD (raw faint, time-averaged solid), the central flow's loss and its prediction of the time average (dashed). Runs beyond the fourth are in the CSV.` },
  ]),
  claims,
});
