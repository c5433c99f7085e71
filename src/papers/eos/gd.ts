/**
 * Cohen et al. (2021), Fig. 1 analogue: full-batch GD on real data for three architectures at three step sizes.
 * The sharpness first rises (progressive sharpening), reaches 2/η and then hovers just above it, while the
 * loss keeps decreasing over long times but not monotonically.
 *
 * Scale: MNIST digits (2×2 pooled, 196 features, standardized) instead of CIFAR-10, 500 examples instead of
 * 5,000, widths 64 instead of 200, hundreds of steps instead of thousands; the sharpness scale is then ≈ 3–10
 * instead of ≈ 100, so the step sizes are ≈ 0.3–0.6 instead of ≈ 0.01.
 */
import { registerExperiment } from "../../lab/registry";
import type { Experiment, FigureSpec, Tables } from "../../lab/types";
import { edgeClaims } from "./claims";
import { trainingFigure } from "./panels";
import { netLabel } from "./problem";
import { runGroups, summarize, type GroupConfig, type TrainingConfig } from "./runs";

const group = (hidden: number[], activation: GroupConfig["activation"], n: number, lrs: number[]): GroupConfig => ({ label: "", n, hidden, activation, rule: "gd", beta: 0, lrs });

const BAND: [number, number] = [0.85, 1.25];

const QUICK: TrainingConfig = {
  source: "mnist",
  pool: 2,
  dataSeed: 0,
  initSeed: 0,
  loss: "half_sse",
  groups: [group([32, 32], "tanh", 250, [0.4, 0.5, 0.6]), group([32, 32], "relu", 250, [0.4, 0.5, 0.6]), group([32, 32, 32], "tanh", 250, [0.4, 0.5, 0.6])],
  steps: 350,
  eigEvery: 10,
  eigTol: 1e-2,
  band: BAND,
  settle: 0,
};

const FULL: TrainingConfig = {
  ...QUICK,
  groups: [group([64, 64], "tanh", 500, [0.3, 0.4, 0.55]), group([64, 64], "relu", 500, [0.3, 0.4, 0.55]), group([48, 48, 48], "tanh", 500, [0.3, 0.4, 0.55])],
  steps: 800,
  eigEvery: 20,
};

const FIG1_PARTS = ["tanh", "relu", "tanh-deep"] as const;

/** One figure per architecture, as the columns of the paper's Fig. 1. */
function fig1(gi: number): FigureSpec<TrainingConfig> {
  return {
    id: `eos-gd-fig1-${FIG1_PARTS[gi]}`,
    paperFigure: "Cohen et al. 2021, Fig. 1",
    title: "Progressive sharpening, then the edge of stability",
    size: "column",
    caption: (c) => {
      const g = c.groups[gi];
      return (
        `Full-batch GD on ${c.source === "mnist" ? "MNIST" : "CIFAR-10"} (${g.n} examples${c.source === "mnist" ? `, ${c.pool}×${c.pool} pooled` : ""}), ` +
        `${netLabel({ hidden: g.hidden, activation: g.activation, initSeed: 0 })} MLP, ${c.loss === "half_sse" ? "squared loss" : c.loss}, η ∈ {${g.lrs.join(", ")}}, ` +
        `sharpness every ${c.eigEvery} steps. (a) train loss; (b) sharpness, with 2/η dotted in each run's colour: it rises, reaches 2/η and hovers there while the loss keeps falling non-monotonically.`
      );
    },
    build: (tables, c) => trainingFigure(tables, gi, c.groups[gi]),
  };
}

function claims(tables: Tables, c: TrainingConfig) {
  return edgeClaims(summarize(tables, c), { sharpening: 1.5, band: c.band, inBand: 0.8, upSteps: 0.01, nonMonotoneRuns: 0.75 });
}

export const eosGd: Experiment<TrainingConfig> = registerExperiment<TrainingConfig>({
  id: "eos-gd",
  title: "Progressive sharpening and the edge of stability under full-batch GD (three MLPs × three step sizes)",
  paper: "Cohen et al. 2021, Fig. 1",
  configs: { quick: QUICK, full: FULL },
  run: runGroups,
  runsTasks: true,
  figures: FIG1_PARTS.map((_, gi) => fig1(gi)),
  claims,
});
