/**
 * Cost of the three processes on the central-flows example (MLP 8→16→16→1 swish, n = 128, GD η = 0.1,
 * k = 5): wall time and derivative work per unit of time. The authors' JAX code (float32, jit, 2 cores)
 * takes 3.2 s / 3.1 s / 30 s for 1000 steps with about 114 / 107 / 332 HVPs per step.
 */
import { tfDerivatives } from "../src/autodiff/derivatives";
import { gaussianRegression } from "../src/data/synthetic";
import { FLOWS, PROCESSES } from "../src/flows/index";
import { initParams } from "../src/models/init";
import { mlp } from "../src/models/mlp";
import { supervisedObjective } from "../src/models/objective";
import { gd } from "../src/optim/gd";
import { Progress } from "../src/progress";
import type { Row } from "./bench";

export function benchFlows(steps: number): Row[] {
  const model = mlp({ widths: [8, 16, 16, 1], activation: "swish", bias: true });
  const objective = supervisedObjective(model, "mse", gaussianRegression({ n: 128, d: 8, out: 1, seed: 0 }));
  const w0 = initParams(model.layout, { scheme: "lecun_normal" }, 1);
  const name = `flows swish 8-16-16-1 η0.1 ${steps} steps`;
  const rows: Row[] = [];
  try {
    for (const process of PROCESSES) {
      const D = tfDerivatives(objective);
      const bar = new Progress(process, steps);
      const r = FLOWS[process]({ D, rule: gd(0.1), w0 }, { steps, k: 5, onStep: (t) => bar.update(t + 1) });
      bar.finish();
      rows.push(
        { model: name, measure: `${process}: wall time`, value: r.seconds, unit: "s" },
        { model: name, measure: `${process}: gradients per step`, value: r.counters.gradients / steps, unit: "grads" },
        { model: name, measure: `${process}: HVPs per step`, value: r.counters.hvps / steps, unit: "HVP vectors" },
        { model: name, measure: `${process}: third-derivative vectors per step`, value: r.counters.thirds / steps, unit: "vectors" },
        { model: name, measure: `${process}: tfjs calls per step`, value: r.counters.calls / steps, unit: "calls" },
      );
    }
  } finally {
    objective.dispose();
  }
  return rows;
}
