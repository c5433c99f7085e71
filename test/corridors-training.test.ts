/** The corridor experiments' training pieces: corridor-ness along GD on a quadratic, and the side-by-side trainer. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tf } from "../src/backend";
import { hgRatioAlongGd } from "../src/papers/corridors/along-training";
import { accuracy, subset, trainMembers, type LabelledDataset } from "../src/papers/corridors/nets";
import { initParams } from "../src/models/init";
import { mlp } from "../src/models/mlp";
import type { Objective } from "../src/models/objective";
import { gd } from "../src/optim/gd";
import { polyak } from "../src/optim/polyak";
import { Rng } from "../src/random";
import { assertClose, setup } from "./helpers";

/** E = ½ Σ λᵢ wᵢ², written in tf ops. */
function quadratic(lambdas: number[]): Objective {
  const L = tf.tensor1d(lambdas);
  return { dim: lambdas.length, values: (W) => tf.mul(tf.sum(tf.mul(tf.square(W), L), 1), 0.5) as tf.Tensor1D };
}

test("on a quadratic the linearity error is exactly (η/2)·gᵀHg/‖g‖² and the corridor-ness is ‖Hg‖/(λ_max‖g‖)", async () => {
  await setup();
  const lambdas = [4, 1, 0.25];
  const w0 = Float64Array.of(0.5, -1, 2);
  const eta = 0.3;
  const rows = await hgRatioAlongGd(quadratic(lambdas), w0, { lr: eta, steps: 4, eigEvery: 1, seed: 0 });
  let w = Array.from(w0);
  for (let t = 0; t < 4; t++) {
    const g = w.map((wi, i) => lambdas[i] * wi);
    const Hg = g.map((gi, i) => lambdas[i] * gi);
    const g2 = g.reduce((s, x) => s + x * x, 0);
    const rayleigh = g.reduce((s, x, i) => s + x * Hg[i], 0) / g2;
    assertClose(rows.rayleigh[t], rayleigh, 1e-4, 0, `Rayleigh quotient at step ${t}`);
    assertClose(rows.sharpness[t], 4, 1e-4, 0, "sharpness");
    assertClose(rows.hgRatio[t], Math.hypot(...Hg) / (4 * Math.sqrt(g2)), 1e-4, 0, "corridor-ness");
    // Float32 losses: the error η²/2·gᵀHg is resolved to ≈1e-7·E.
    assertClose(rows.relativeLinearityError[t], (eta / 2) * rayleigh, 2e-3, 1e-5, `relative linearity error at step ${t}`);
    w = w.map((wi, i) => wi - eta * g[i]);
  }
});

/** A small 3-class problem with labels from a random linear teacher (fixed by `teacherSeed`). */
function toyClassification(n: number, d: number, seed: number, teacherSeed = 0): LabelledDataset {
  const teacher = new Rng(teacherSeed).normals(d * 3);
  const rng = new Rng(seed);
  const X = Float32Array.from(rng.normals(n * d));
  const Y = new Float32Array(n * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const scores = [0, 1, 2].map((k) => X.subarray(i * d, (i + 1) * d).reduce((s, x, j) => s + x * teacher[j * 3 + k], 0));
    labels[i] = scores.indexOf(Math.max(...scores));
    Y[i * 3 + labels[i]] = 1;
  }
  return { X, Y, n, d, c: 3, labels };
}

test("the trainer runs members side by side: same start, finite CLR steps, divergence stopped", async () => {
  await setup();
  const train = toyClassification(60, 5, 1);
  const test_ = toyClassification(30, 5, 2);
  const model = mlp({ widths: [5, 8, 3], activation: "tanh", bias: true });
  const w0 = initParams(model.layout, { scheme: "torch" }, 3);
  const problem = { model, loss: "cross_entropy" as const, train, test: test_, w0 };
  const members = [
    { name: "gd", rule: gd(0.5) },
    { name: "clr", rule: polyak({ delta: 1e-8 }) },
    { name: "huge", rule: gd(1e6) },
  ];
  const rows = await trainMembers(problem, members, { steps: 12, batchSize: 0, evalEvery: 4, seed: 0 });
  const first = (m: number, col: "loss" | "lr"): number[] => rows.steps[col].filter((_, i) => rows.steps.member[i] === m);
  assert.equal(first(0, "loss")[0], first(1, "loss")[0], "members start from the same parameters");
  assert.ok(first(0, "loss")[11] < first(0, "loss")[0], "GD lowers the loss");
  assert.ok(first(1, "lr").every((h) => h > 0 && Number.isFinite(h)));
  assert.ok(Number.isNaN(first(2, "loss")[11]), "the diverging member is stopped and reported as NaN");
  // Evaluations at steps 0, 4, 8 and the end, three members each.
  assert.deepEqual([...new Set(rows.evals.step)], [0, 4, 8, 12]);
  const acc = rows.evals.testAccuracy.filter((_, i) => rows.evals.member[i] === 1 && rows.evals.step[i] === 12)[0];
  assert.ok(acc > 0.5, `CLR test accuracy ${acc}`);
  // Mini-batches: every member sees the same batch, so with equal parameters their batch losses agree at step 0.
  const mini = await trainMembers(problem, members.slice(0, 2), { steps: 3, batchSize: 16, evalEvery: 10, seed: 5 });
  assert.equal(mini.steps.loss[0], mini.steps.loss[1]);
});

test("subset and accuracy", async () => {
  await setup();
  const data = toyClassification(10, 4, 7);
  const s = subset(data, [3, 0]);
  assert.deepEqual(Array.from(s.X.subarray(0, 4)), Array.from(data.X.subarray(12, 16)));
  assert.deepEqual(Array.from(s.Y.subarray(3, 6)), Array.from(data.Y.subarray(0, 3)));
  // A linear model whose weights are the one-hot of the label's feature classifies perfectly.
  const model = mlp({ widths: [3, 3], activation: "identity", bias: false });
  const onehot: LabelledDataset = { X: data.Y, Y: data.Y, n: data.n, d: 3, c: 3, labels: data.labels };
  assert.equal(accuracy(model, Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), onehot), 1);
  assert.ok(accuracy(model, Float64Array.of(0, 1, 0, 0, 0, 1, 1, 0, 0), onehot) < 1);
});
