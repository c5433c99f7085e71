/**
 * Figure 5, corridors and the edge of stability: along full-batch GD on a small MNIST subset, how far each
 * step is from a corridor step (corridor-ness ‖Hg‖/(λ_max‖g‖), with λ_max from the latest eigensolve, every
 * `eigEvery` steps, so it can exceed 1 slightly; and the relative linearity error
 * (E(θ − ηg) − (E − η‖g‖²))/(η‖g‖²) ≈ (η/2)·gᵀHg/‖g‖²), next to sharpness and 2/η. While the sharpness
 * is below 2/η, GD moves almost as in a corridor (the loss falls as its linear model says); at the edge of
 * stability the gradient turns into the top eigenvector, and a step gains nothing over its linear model's
 * promise (relative error ≈ 1). Our construction connecting the two papers' quantities.
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, eigenvaluePanel } from "../../plot/panels";
import { OKABE_ITO } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import type { AlongRows } from "./along-training";
import { alongGdTask, type AlongGdRunConfig } from "./along-gd-task";
import { median } from "../../lab/stats";

export interface AlongGdConfig extends AlongGdRunConfig {
  /** Steps after the sharpness first reaches 2/η before the edge phase is judged. */
  settle: number;
}

async function run(c: AlongGdConfig, ctx: RunContext): Promise<Tables> {
  // The GD run is a task (along-gd-task.ts); `settle` only shapes the claims.
  const { settle: _settle, ...runConfig } = c;
  return { along: await ctx.run(alongGdTask, runConfig) };
}

/** Steps before the sharpness first reaches 0.9·2/η (stable), and from `settle` steps after it reaches 2/η (edge). */
function phases(along: Table, c: AlongGdConfig): { stable: number[]; edge: number[] } {
  const edge = 2 / c.lr;
  const near = along.sharpness.findIndex((s) => s >= 0.9 * edge);
  const at = along.sharpness.findIndex((s) => s >= edge);
  const idx = along.step.map((_, i) => i);
  return {
    stable: idx.filter((i) => i >= 1 && (near < 0 || i < near)),
    edge: at < 0 ? [] : idx.filter((i) => i >= at + c.settle),
  };
}

/** Loss and sharpness along GD (the edge of stability), and corridor-ness and the linearity error of each step. */
function figures(): FigureSpec<AlongGdConfig>[] {
  const setting = (c: AlongGdConfig): string =>
    `Full-batch GD, η = ${c.lr}, on ${c.trainPerClass * 10} MNIST digits (${c.pool}×${c.pool} pooled), ${c.activation} MLP ${c.hidden.join("-")}, squared loss; λmax every ${c.eigEvery} steps.`;
  return [
    {
      id: "corridors-along-gd-fig5",
      paperFigure: "Dherin & Rosca 2024 (corridor condition) with Cohen et al. 2021 (edge of stability); our construction",
      title: "GD leaves the corridors at the edge of stability",
      size: "text",
      caption: (c) =>
        `${setting(c)} (a) sharpness λmax and the curvature along the gradient gᵀHg/‖g‖², 2/η dotted; ` +
        `(b) corridor-ness 1 − ‖Hg‖/(λmax‖g‖) of each step: ≈ 1 (a corridor step: Hg ≈ 0) while λmax < 2/η, ≈ 0 at the edge of stability, where g turns into the top eigenvector of H; ` +
        `(c) the share of the decrease η‖g‖² promised by the linear model that a step does not realize, (E(t+1) − E(t) + η‖g‖²)/(η‖g‖²), measured and its second-order prediction (η/2)·gᵀHg/‖g‖² (dashed).`,
      build: (tables, c) => {
        const a = tables.along as unknown as AlongRows;
        const eigSteps = a.step.filter((_, i) => Number.isFinite(a.sharpness[i]));
        const sharp = a.sharpness.filter(Number.isFinite);
        const span = [0, Math.max(...a.step)];
        return composeFigure(
          [
            {
              ...eigenvaluePanel({
                title: "(a) sharpness",
                yTitle: "curvature",
                series: [
                  { name: "λmax", x: eigSteps, y: sharp, process: "optimizer" },
                  { name: "gᵀHg/‖g‖²", x: a.step, y: a.rayleigh, color: OKABE_ITO.skyBlue, width: 1 },
                ],
                thresholds: [{ x: span, y: 2 / c.lr }],
                // Headroom above the overshoot for the legend (below, gᵀHg/‖g‖² swings over the whole range).
                yRange: [-0.2, 2.3 * Math.max(2 / c.lr, ...sharp.filter(Number.isFinite), ...a.rayleigh.filter(Number.isFinite))],
              }),
              legend: "top left",
            },
            {
              ...curvesPanel({ title: "(b) corridor-ness", yTitle: "1 − ‖Hg‖/(λmax‖g‖)", yRange: [-0.05, 1.05], series: [{ name: "corridor-ness", x: a.step, y: a.hgRatio.map((r) => 1 - r), process: "optimizer", width: 1, unlabeled: true }] }),
              legend: "none",
            },
            {
              ...curvesPanel({
                title: "(c) linearity error of a step",
                yTitle: "relative error",
                series: [
                  { name: "measured", x: a.step, y: a.relativeLinearityError, process: "optimizer", width: 1 },
                  { name: "(η/2)·gᵀHg/‖g‖²", x: a.step, y: a.predictedRelativeError, process: "prediction" },
                ],
                yRange: [-0.05, 1.6 * Math.max(1, ...a.relativeLinearityError.filter(Number.isFinite))],
              }),
              legend: "top left",
            },
          ],
          { size: "text", cols: 3 },
        );
      },
    },
  ];
}

function claims(tables: Tables, c: AlongGdConfig): Claim[] {
  const along = tables.along;
  const { stable, edge } = phases(along, c);
  const med = (col: string, idx: number[], f: (x: number) => number = (x) => x): number => median(idx.map((i) => f(along[col][i])));
  const secondOrder = median(along.step.map((_, i) => Math.abs(along.relativeLinearityError[i] - along.predictedRelativeError[i])));
  return [
    claim("stable-corridor-like", `below the edge (${stable.length} steps with sharpness < 0.9·2/η) steps are corridor-like: median corridor-ness 1 − ‖Hg‖/(λ_max‖g‖)`, med("hgRatio", stable, (r) => 1 - r), ">=", 0.9),
    claim("stable-linear", "…and the loss falls as its linear model says: median |relative linearity error|", med("relativeLinearityError", stable, Math.abs), "<=", 0.05),
    claim("edge-not-corridor", `at the edge of stability (${edge.length} steps from ${c.settle} after sharpness reaches 2/η) g turns into the top eigenvector: median corridor-ness 1 − ‖Hg‖/(λ_max‖g‖)`, med("hgRatio", edge, (r) => 1 - r), "<=", 0.2),
    claim("edge-no-decrease", "…and a step realizes little of the decrease η‖g‖² its linear model promises: median fraction realized, 1 − relative error", 1 - med("relativeLinearityError", edge), "<=", 0.25),
    claim("second-order", "the relative linearity error is (η/2)·gᵀHg/‖g‖² to second order: median absolute difference over all steps", secondOrder, "<=", 0.05),
  ];
}

const FULL: AlongGdConfig = {
  trainPerClass: 20,
  pool: 4,
  hidden: [32, 32],
  activation: "tanh",
  loss: "half_sse",
  lr: 0.5,
  steps: 800,
  eigEvery: 5,
  seed: 1,
  settle: 30,
};

export const corridorsAlongGd: Experiment<AlongGdConfig> = registerExperiment<AlongGdConfig>({
  id: "corridors-along-gd",
  title: "Corridor-ness and linearity error along GD, next to sharpness and 2/η",
  paper: "Dherin & Rosca 2024 (corridor condition) with Cohen et al. 2021 (edge of stability); our construction",
  configs: { quick: { ...FULL, steps: 320, eigEvery: 10 }, full: FULL },
  run,
  runsTasks: true,
  figures: figures(),
  claims,
});
