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
import type { OptState } from "../src/optim/rule";

before(setup);

function distance(a: Vec, b: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/**
 * Relative distances of the central and stable flows to the optimizer at the given steps. The flows branch
 * off the optimizer at step `branch` (0: both start at w0): from the optimizer's w and its state before the
 * update there (FlowProblem.state0).
 */
function track(config: RmspropConfig, steps: number, at: number[], branch = 0): { central: number[]; stable: number[]; arrival: number } {
  const model = mlp({ widths: [8, 16, 16, 1], activation: "swish", bias: true });
  const objective = supervisedObjective(model, "mse", gaussianRegression({ n: 128, d: 8, out: 1, seed: 0 }));
  const w0 = initParams(model.layout, { scheme: "lecun_normal" }, 0);
  const rule = rmsprop(config);
  const paths: Record<string, Vec[]> = { discrete: [], central: [], stable: [] };
  const keep = (name: string, offset: number) => (t: number, w: Vec) => at.includes(t + offset) && (paths[name][at.indexOf(t + offset)] = Float64Array.from(w));
  let checkpoint: { w: Vec; state: OptState } = { w: w0, state: rule.init(w0.length) };
  discrete({ D: tfDerivatives(objective), rule, w0 }, {
    steps,
    k: 1,
    onStep: (t, w, state) => {
      keep("discrete", 0)(t, w);
      if (t === branch - 1) checkpoint = { w: Float64Array.from(w), state };
    },
  });
  const start = { D: tfDerivatives(objective), rule, w0: checkpoint.w, state0: checkpoint.state };
  const c = central(start, { steps: steps - branch, k: 2, onStep: keep("central", branch) });
  stable({ ...start, D: tfDerivatives(objective) }, { steps: steps - branch, k: 1, onStep: keep("stable", branch) });
  objective.dispose();
  const rel = (name: string) => at.map((_, i) => distance(paths[name][i], paths.discrete[i]) / distance(paths.discrete[i], w0));
  const arrival = branch + c.rows.findIndex((r, t) => t + branch > 20 && (r.X_trace as number) > 0);
  return { central: rel("central"), stable: rel("stable"), arrival };
}

test("Scalar RMSProp (η = 0.05, β2 = 0.99): the central flow tracks the optimizer through the edge of stability; the stable flow does not", () => {
  const r = track({ lr: 0.05, beta2: 0.99, eps: 1e-8, biasCorrection: true, scalar: true }, 300, [100, 299]);
  assert.ok(r.arrival > 80 && r.arrival < 140, `edge reached at step ${r.arrival} (reference: near 100)`);
  assert.ok(r.central[1] < 0.05, `central flow at step 299: ${r.central[1]} of the distance travelled`);
  assert.ok(r.stable[1] > 5 * r.central[1], `stable flow at step 299: ${r.stable[1]} vs central ${r.central[1]}`);
});

test("RMSProp (η = 1e-3, β2 = 0.99, 500 steps): flows branched off at step 20 stay within 5% of the optimizer; the stable flow does not", () => {
  const at = [100, 200, 300, 400, 499];
  const r = track({ lr: 1e-3, beta2: 0.99, eps: 1e-8, biasCorrection: true, scalar: false }, 500, at, 20);
  assert.ok(r.arrival > 220 && r.arrival < 320, `edge reached at step ${r.arrival} (reference: near 270)`);
  r.central.forEach((d, i) => assert.ok(d < 0.05, `central flow at step ${at[i]}: ${d} of the distance travelled`));
  assert.ok(r.stable[4] > 3 * r.central[4], `stable flow at step 499: ${r.stable[4]} vs central ${r.central[4]}`);
});

test("state0: a run resumed from an optimizer checkpoint continues the uninterrupted run exactly; the flows start from the updated state", () => {
  const model = mlp({ widths: [3, 4, 1], activation: "tanh", bias: true });
  const objective = supervisedObjective(model, "mse", gaussianRegression({ n: 16, d: 3, out: 1, seed: 1 }));
  const w0 = initParams(model.layout, { scheme: "lecun_normal" }, 1);
  const rule = rmsprop({ lr: 0.01, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: false });
  const D = tfDerivatives(objective);
  const ws: Vec[] = [];
  const states: OptState[] = [];
  discrete({ D, rule, w0 }, { steps: 12, k: 1, onStep: (_t, w, s) => (ws.push(Float64Array.from(w)), states.push(s)) });
  const resumed = discrete({ D, rule, w0: ws[5], state0: states[5] }, { steps: 6, k: 1 });
  assert.deepEqual(Array.from(resumed.wFinal), Array.from(ws[11]));
  assert.equal(resumed.stateFinal.step, 12);
  // The stable flow from (w_6, ν_6) starts with s(0) = updateState(ν_6, g(w_6)) = ν_7, the optimizer's state for step 6.
  const seen: OptState[] = [];
  const probe = {
    ...rule,
    stateRate: (s: OptState, g2: Float64Array) => {
      seen.push(s);
      return rule.stateRate(s, g2);
    },
  };
  stable({ D, rule: probe, w0: ws[5], state0: states[5] }, { steps: 1, k: 1 });
  assert.deepEqual(Array.from(seen[0].nu), Array.from(states[6].nu));
  assert.equal(seen[0].step, 7);
  objective.dispose();
});
