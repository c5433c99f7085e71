/**
 * Edge-of-stability building blocks: the stability thresholds on quadratics, the training loop's sharpness
 * against a dense Hessian, RK4 gradient flow against the exact solution, the run summaries, and a tiny real run.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { assertClose, relErr, setup } from "./helpers";
import { tf } from "../src/backend";
import { tfDerivatives, type Derivatives } from "../src/autodiff/derivatives";
import { gaussianRegression } from "../src/data/synthetic";
import { symEig } from "../src/linalg/dense";
import { initParams } from "../src/models/init";
import { mlp } from "../src/models/mlp";
import { supervisedObjective, type Objective } from "../src/models/objective";
import { gd, stabilityThreshold } from "../src/optim/gd";
import { GradientFlow } from "../src/papers/eos/flow";
import { edgeSummary, sharpnessAtLoss } from "../src/papers/eos/metrics";
import { growthRate, makeMethod, METHODS, quadratic, runRule } from "../src/papers/eos/quadratic";
import { buildProblem, loadData } from "../src/papers/eos/problem";
import { DivergenceError, trainRuns } from "../src/papers/eos/train";

before(setup);

test("on a quadratic, GD / heavy ball / Nesterov diverge iff λ_max exceeds their threshold", () => {
  const lambdas = [3, 0.7];
  const { A } = quadratic(lambdas, 0.4);
  for (const method of METHODS) {
    for (const beta of method === "gd" ? [0] : [0.5, 0.9]) {
      for (const ratio of [0.6, 0.9, 0.98, 1.02, 1.1, 1.4]) {
        // λ_max = ratio · threshold(η)
        const eta = (ratio * stabilityThreshold(method, 1, beta)) / lambdas[0];
        assertClose(lambdas[0] / stabilityThreshold(method, eta, beta), ratio, 1e-12, 0, "ratio");
        const rho = growthRate(runRule(makeMethod(method, eta, beta), A, [1, -0.5], 3000));
        assert.equal(rho > 1, ratio > 1, `${method} β=${beta} λ_max/threshold=${ratio}: growth rate ${rho}`);
      }
    }
  }
});

test("GD on a quadratic: the top eigen-component flips sign with factor 1 − ηλ_max", () => {
  const lambdas = [2, 0.5];
  const { A, q } = quadratic(lambdas, 0.3);
  const eta = 0.95; // ηλ_max = 1.9: stable, oscillating
  const xs = runRule(gd(eta), A, [0.4, 1], 20);
  for (let t = 1; t < xs.length; t++) {
    const e = (x: Float64Array): number => q[0][0] * x[0] + q[0][1] * x[1];
    assertClose(e(xs[t]) / e(xs[t - 1]), 1 - eta * lambdas[0], 1e-9, 0, `step ${t}`);
  }
});

/** A small MLP regression problem whose full Hessian is cheap to form column by column. */
function tinyNet(): { D: Derivatives; w0: Float64Array; dispose(): void } {
  const data = gaussianRegression({ n: 24, d: 3, out: 2, seed: 3 });
  const model = mlp({ widths: [3, 5, 2], activation: "tanh", bias: true });
  const objective = supervisedObjective(model, "half_sse", data);
  return { D: tfDerivatives(objective), w0: initParams(model.layout, { scheme: "torch" }, 1), dispose: () => objective.dispose() };
}

function denseHessianTop(D: Derivatives, w: Float64Array): number {
  const P = D.dim;
  const cols = D.hvp(
    w,
    Array.from({ length: P }, (_, i) => Float64Array.from({ length: P }, (_, j) => (i === j ? 1 : 0))),
  );
  return symEig(cols.map((c) => Array.from(c))).values[0];
}

test("the training loop's sharpness equals the top eigenvalue of the dense Hessian", async () => {
  const { D, w0, dispose } = tinyNet();
  try {
    const [trace] = await trainRuns(D, [{ label: "tiny", rule: gd(0.2), w0 }], { steps: 30, eigEvery: 10, sharpness: { tol: 1e-6, guard: 2 } });
    assert.deepEqual(trace.eigSteps, [0, 10, 20, 30]);
    assert.equal(trace.loss.length, 31);
    assertClose(trace.sharpness[0], denseHessianTop(D, w0), 1e-4, 0, "sharpness at step 0");
    assertClose(trace.sharpness[3], denseHessianTop(D, trace.w), 1e-4, 0, "sharpness at the last step");
    // The loss decreases under a small step (a sanity check that the steps were applied).
    assert.ok(trace.loss[30] < 0.9 * trace.loss[0], `loss ${trace.loss[0]} → ${trace.loss[30]}`);
  } finally {
    dispose();
  }
});

test("a diverging run stops with an error naming the run and the step", async () => {
  const { D, w0, dispose } = tinyNet();
  try {
    const s0 = denseHessianTop(D, w0);
    await assert.rejects(trainRuns(D, [{ label: "too-large", rule: gd(40 / s0), w0 }], { steps: 500, eigEvery: 0 }), (e: Error) => {
      assert.ok(e instanceof DivergenceError);
      assert.match(e.message, /^too-large diverged at step \d+: /);
      return true;
    });
  } finally {
    dispose();
  }
});

/** ½ xᵀAx as an objective over parameter rows. */
function quadraticObjective(A: number[][]): Objective {
  const At = tf.tensor2d(A);
  return { dim: A.length, values: (W) => tf.mul(tf.sum(tf.mul(tf.matMul(W, At), W), 1), 0.5) as tf.Tensor1D, dispose: () => At.dispose() };
}

test("RK4 gradient flow on a quadratic matches x(t) = Q exp(−Λt) Qᵀ x₀", () => {
  const lambdas = [4, 1];
  const { A, q } = quadratic(lambdas, 0.7);
  const objective = quadraticObjective(A);
  const x0 = Float64Array.of(1, -2);
  const exact = (t: number): Float64Array => {
    const out = new Float64Array(2);
    for (let i = 0; i < 2; i++) {
      const c = (q[i][0] * x0[0] + q[i][1] * x0[1]) * Math.exp(-lambdas[i] * t);
      out[0] += c * q[i][0];
      out[1] += c * q[i][1];
    }
    return out;
  };
  try {
    const flow = new GradientFlow(tfDerivatives(objective), x0, { alpha: 0.05 });
    for (const T of [0.1, 0.25, 0.6]) {
      flow.advance(T, lambdas[0]);
      assertClose(flow.time, [0.1, 0.35, 0.95][[0.1, 0.25, 0.6].indexOf(T)], 1e-12, 0, "time");
      const err = relErr(flow.w, exact(flow.time));
      assert.ok(err < 2e-6, `time ${flow.time}: relative error ${err}`); // float32 gradients
    }
    // dt = α/S: 0.95 time units at dt ≤ 0.0125 take at least 76 steps.
    assert.ok(flow.rkSteps >= 76 && flow.rkSteps <= 80, `RK4 steps ${flow.rkSteps}`);
    // A coarse step (α = 1) is visibly less accurate on the stiff direction: the test can fail.
    const coarse = new GradientFlow(tfDerivatives(objective), x0, { alpha: 1 });
    coarse.advance(0.5, lambdas[0]);
    assert.ok(relErr(coarse.w, exact(0.5)) > 1e-4, "α = 1 should not be float32-exact");
  } finally {
    objective.dispose?.();
  }
});

test("edge summaries: crossing, band, non-monotone loss; sharpness at a loss level", () => {
  const steps = [0, 10, 20, 30, 40, 50];
  const sharp = [2, 3, 4.1, 4.4, 3.9, 3.0];
  const loss = Array.from({ length: 51 }, (_, t) => 1 / (1 + t) + (t > 20 && t % 5 === 0 ? 0.05 : 0));
  const s = edgeSummary(steps, sharp, loss, 4, [0.9, 1.2]);
  assert.equal(s.crossStep, 20);
  assertClose(s.sharpening, 4.1 / 2, 1e-12);
  assertClose(s.inBand, 2 / 3, 1e-12); // 4.4 and 3.9 in [3.6, 4.8], 3.0 not
  assertClose(edgeSummary(steps, sharp, loss, 4, [0.9, 1.2], 15).inBand, 1 / 2, 1e-12); // settled: only steps 40 and 50 count
  assert.ok(s.upSteps > 0.1 && s.upSteps < 0.3, `upSteps ${s.upSteps}`);
  assert.ok(Number.isNaN(edgeSummary(steps, sharp, loss, 10, [0.9, 1.2]).crossStep));
  // loss ≤ 0.04 first at t = 24 (1/25): between the measurements at 20 (4.1) and 30 (4.4).
  assertClose(sharpnessAtLoss(steps, sharp, loss, 0.04), 4.1 + 0.4 * 0.3, 1e-12);
  assert.ok(Number.isNaN(sharpnessAtLoss(steps, sharp, loss, 1e-3)));
});

test("a tiny MNIST run: the sharpness rises to 2/η and then stays near it", async () => {
  const problem = buildProblem({ data: { source: "mnist", n: 100, pool: 4, seed: 0 }, net: { hidden: [16, 16], activation: "tanh", initSeed: 0 }, loss: "half_sse" });
  try {
    const eta = 0.5;
    const [trace] = await trainRuns(problem.D, [{ label: "tiny mnist", rule: gd(eta), w0: problem.w0 }], { steps: 300, eigEvery: 10 });
    const s = edgeSummary(trace.eigSteps, trace.sharpness, trace.loss, 2 / eta, [0.8, 1.3]);
    assert.ok(s.s0 < 0.8 * (2 / eta), `starts below the edge: S₀ = ${s.s0}`);
    assert.ok(s.sharpening >= 1.4, `progressive sharpening: max S before the crossing ÷ S₀ = ${s.sharpening}`);
    assert.ok(Number.isFinite(s.crossStep), `reaches 2/η = ${2 / eta}: max S ${Math.max(...trace.sharpness)}`);
    assert.ok(s.inBand >= 0.8, `stays within [0.8, 1.3]·2/η after the crossing: fraction ${s.inBand}`);
  } finally {
    problem.dispose();
  }
});

test("fine sharpness measurements: every `every` steps from from·threshold until the crossing, then back to eigEvery", async () => {
  const { D, w0, dispose } = tinyNet();
  try {
    const s0 = denseHessianTop(D, w0);
    // A threshold just above the initial sharpness: the run starts inside the fine window.
    const threshold = 1.02 * s0;
    const opts = { steps: 40, eigEvery: 10, sharpness: { tol: 1e-6, guard: 2 } };
    const [coarse] = await trainRuns(D, [{ label: "coarse", rule: gd(0.2), w0 }], opts);
    const [fine] = await trainRuns(D, [{ label: "fine", rule: gd(0.2), w0, threshold }], { ...opts, fine: { from: 0.5, every: 2 } });
    // The same iterates: the schedule of measurements does not change the run.
    assert.deepEqual(fine.loss, coarse.loss);
    const crossed = fine.sharpness.findIndex((s) => s >= threshold);
    const cross = crossed < 0 ? Infinity : fine.eigSteps[crossed];
    for (let k = 1; k < fine.eigSteps.length; k++) {
      const t = fine.eigSteps[k];
      if (t <= cross) assert.equal(t - fine.eigSteps[k - 1], 2, `step ${t} before the crossing at ${cross}`);
      else assert.ok(t % 10 === 0 || t === 40, `step ${t} after the crossing at ${cross}`);
    }
    await assert.rejects(trainRuns(D, [{ label: "bad", rule: gd(0.2), w0, threshold }], { ...opts, fine: { from: 0.5, every: 0 } }), /fine must have/);
  } finally {
    dispose();
  }
});

test("label noise replaces the labels of the first ⌊fraction·n⌋ examples by seeded random one-hot rows", () => {
  const clean = loadData({ source: "mnist", n: 100, pool: 4, seed: 0 });
  const noisy = loadData({ source: "mnist", n: 100, pool: 4, seed: 0, labelNoise: 0.3 });
  const again = loadData({ source: "mnist", n: 100, pool: 4, seed: 0, labelNoise: 0.3 });
  assert.deepEqual(noisy.Y, again.Y);
  assert.deepEqual(noisy.X, clean.X);
  const label = (Y: Float32Array, i: number): number => Array.from(Y.subarray(i * 10, i * 10 + 10)).indexOf(1);
  for (let i = 0; i < 100; i++) {
    const row = Array.from(noisy.Y.subarray(i * 10, i * 10 + 10));
    assert.equal(row.reduce((a, b) => a + b, 0), 1, `row ${i} is one-hot`);
    if (i >= 30) assert.equal(label(noisy.Y, i), label(clean.Y, i), `example ${i} keeps its label`);
  }
  const changed = Array.from({ length: 30 }, (_, i) => i).filter((i) => label(noisy.Y, i) !== label(clean.Y, i)).length;
  // A random class equals the true one with probability 1/10: about 27 of 30 change.
  assert.ok(changed >= 20, `${changed} of 30 noisy labels differ`);
  assert.throws(() => loadData({ source: "mnist", n: 100, pool: 4, seed: 0, labelNoise: 1.5 }), /labelNoise must be in \[0, 1\]/);
});
