/**
 * The edge of stability under momentum (Cohen et al. 2021, appendix on momentum): full-batch heavy-ball and
 * Nesterov GD with β = 0.9. On a quadratic they are stable iff the sharpness is below
 *     heavy ball (2 + 2β)/η,        Nesterov (2 + 2β)/((1 + 2β)η),
 * and on a network the sharpness rises to that threshold and hovers there, as it does at 2/η for plain GD.
 *
 * Scale: with β = 0.9 the effective step η/(1 − β) is ten times η, so on our small problems (sharpness ≈ 3–10)
 * the thresholds are reached within a few hundred steps at η ≈ 0.2–0.6; much larger η diverges early.
 */
import { registerExperiment } from "../../lab/registry";
import type { Experiment, FigureSpec, Tables } from "../../lab/types";
import { edgeClaims } from "./claims";
import { trainingFigure } from "./panels";
import { netLabel } from "./problem";
import { runGroups, summarize, type GroupConfig, type TrainingConfig } from "./runs";

const heavyBall = (n: number, hidden: number[], lrs: number[]): GroupConfig => ({ label: "", n, hidden, activation: "tanh", rule: "heavy_ball", beta: 0.9, lrs });
const nesterov = (n: number, hidden: number[], lrs: number[]): GroupConfig => ({ label: "", n, hidden, activation: "tanh", rule: "nesterov", beta: 0.9, lrs });

const QUICK: TrainingConfig = {
  source: "mnist",
  pool: 2,
  dataSeed: 0,
  initSeed: 0,
  loss: "half_sse",
  groups: [heavyBall(500, [64, 64], [0.5, 0.6]), nesterov(500, [64, 64], [0.2, 0.25])],
  steps: 250,
  eigEvery: 10,
  eigTol: 1e-2,
  band: [0.8, 1.25],
  settle: 50,
};

const FULL: TrainingConfig = { ...QUICK, steps: 400 };

const RULE_IDS = ["heavy-ball", "nesterov"] as const;

/** One figure per update rule: loss above sharpness, the rule's threshold dotted. */
function momentumFigure(gi: number): FigureSpec<TrainingConfig> {
  return {
    id: `eos-momentum-${RULE_IDS[gi]}`,
    paperFigure: "Cohen et al. 2021, appendix (momentum), Fig. 1 layout",
    title: gi === 0 ? "Heavy-ball momentum at its edge of stability" : "Nesterov momentum at its edge of stability",
    size: "column",
    caption: (c) => {
      const g = c.groups[gi];
      const th = g.rule === "heavy_ball" ? "(2 + 2β)/η" : "(2 + 2β)/((1 + 2β)η)";
      return (
        `Full-batch ${g.rule === "heavy_ball" ? "heavy-ball" : "Nesterov"} GD, β = ${g.beta}, η ∈ {${g.lrs.join(", ")}}, on MNIST (${g.n} examples, ${c.pool}×${c.pool} pooled), ` +
        `${netLabel({ hidden: g.hidden, activation: g.activation, initSeed: 0 })} MLP, squared loss. (a) train loss; (b) sharpness with the rule's stability threshold ${th} dotted in each run's colour: ` +
        `the sharpness rises to it and hovers there.`
      );
    },
    build: (tables, c) => trainingFigure(tables, gi, c.groups[gi]),
  };
}

function claims(tables: Tables, c: TrainingConfig) {
  return edgeClaims(summarize(tables, c), { sharpening: 1.5, band: c.band, inBand: 0.8, upSteps: 0.01, nonMonotoneRuns: 0.75, thresholdName: "the momentum threshold", settle: c.settle });
}

export const eosMomentum: Experiment<TrainingConfig> = registerExperiment<TrainingConfig>({
  id: "eos-momentum",
  title: "Heavy-ball and Nesterov momentum: the sharpness rises to (2 + 2β)/η resp. (2 + 2β)/((1 + 2β)η)",
  paper: "Cohen et al. 2021, appendix (momentum)",
  configs: { quick: QUICK, full: FULL },
  run: runGroups,
  runsTasks: true,
  figures: RULE_IDS.map((_, gi) => momentumFigure(gi)),
  claims,
});
