/**
 * The flows of adaptive optimizers track the real optimizer (verified scaled settings of the central-flows
 * reference: MLP 8→16→16→1 swish, n = 128, x, y ~ N(0, 1)). Distances are relative to the distance the
 * optimizer has travelled from w0.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { setup } from "./helpers";
import { tfDerivatives, type Vec } from "../src/autodiff/derivatives";
import { gaussianRegression } from "../src/data/synthetic";
import { central, discrete, stable } from "../src/flows/index";
import { initParams } from "../src/models/init";
import { mlp } from "../src/models/mlp";
import { supervisedObjective } from "../src/models/objective";
import { rmsprop, type RmspropConfig } from "../src/optim/rmsprop";

before(setup);

function distance(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Relative distances of the central and stable flows to the optimizer at the given steps. */
function track(config: RmspropConfig, steps: number, at: number[]): { central: number[]; stable: number[]; arrival: number } {
  const model = mlp({ widths: [8, 16, 16, 1], activation: "swish", bias: true });
  const objective = supervisedObjective(model, "mse", gaussianRegression({ n: 128, d: 8, out: 1, seed: 0 }));
  const w0 = initParams(model.layout, { scheme: "lecun_normal" }, 0);
  const rule = rmsprop(config);
  const paths: Record<string, Vec[]> = { discrete: [], central: [], stable: [] };
  const keep = (name: string) => (t: number, w: Vec) => at.includes(t) && (paths[name][at.indexOf(t)] = Float64Array.from(w));
  discrete({ D: tfDerivatives(objective), rule, w0 }, { steps, k: 1, onStep: keep("discrete") });
  const c = central({ D: tfDerivatives(objective), rule, w0 }, { steps, k: 2, onStep: keep("central") });
  stable({ D: tfDerivatives(objective), rule, w0 }, { steps, k: 1, onStep: keep("stable") });
  objective.dispose();
  const rel = (name: string) => at.map((_, i) => distance(paths[name][i], paths.discrete[i]) / distance(paths.discrete[i], w0));
  const arrival = c.rows.findIndex((r, t) => t > 20 && (r.X_trace as number) > 0);
  return { central: rel("central"), stable: rel("stable"), arrival };
}

test("Scalar RMSProp (η = 0.05, β2 = 0.99): the central flow tracks the optimizer through the edge of stability; the stable flow does not", () => {
  const r = track({ lr: 0.05, beta2: 0.99, eps: 1e-8, biasCorrection: true, scalar: true }, 300, [100, 299]);
  assert.ok(r.arrival > 80 && r.arrival < 140, `edge reached at step ${r.arrival} (reference: near 100)`);
  assert.ok(r.central[1] < 0.05, `central flow at step 299: ${r.central[1]} of the distance travelled`);
  assert.ok(r.stable[1] > 5 * r.central[1], `stable flow at step 299: ${r.stable[1]} vs central ${r.central[1]}`);
});

test("RMSProp (η = 1e-3, β2 = 0.99): the central flow stays within 5% of the optimizer over the first 200 steps", () => {
  const r = track({ lr: 1e-3, beta2: 0.99, eps: 1e-8, biasCorrection: true, scalar: false }, 200, [100, 199]);
  r.central.forEach((d, i) => assert.ok(d < 0.05, `central flow at step ${[100, 199][i]}: ${d} of the distance travelled`));
});
