/**
 * Simulated networks (library mlp + tfDerivatives + gd, float32) against Saxe et al.'s exact solutions, and
 * the random-matrix facts behind the depth results.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Matrix, QrDecomposition } from "ml-matrix";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { mlp } from "../src/models/mlp";
import { initParams } from "../src/models/init";
import { gd } from "../src/optim/gd";
import { unravel } from "../src/params";
import { Rng } from "../src/random";
import { crossingTime, halfLearningTime, modeMapStep } from "../src/papers/saxe/analytic";
import { decoupledInit } from "../src/papers/saxe/deep-inits";
import { referenceError } from "../src/papers/saxe/depth-model";
import { tanhJacobianSpectra } from "../src/papers/saxe/edge-of-chaos-model";
import { halfLearningSteps, simulateModeLearning, treeTask } from "../src/papers/saxe/mode-learning-model";
import { inputOutputCorrelation, networkModeStrengths, taskModes } from "../src/papers/saxe/modes";
import { correlationDataset, summedSquaredError } from "../src/papers/saxe/objective";
import { gdModePaths } from "../src/papers/saxe/phase-portrait-model";
import { productSpectra, summarizeSpectrum } from "../src/papers/saxe/random-products-model";
import { trainEnsemble } from "../src/papers/saxe/train";
import { assertClose, relErr, setup } from "./helpers";

const small = { levels: 3, features: 200, flip: 0.1, seed: 4 };

test("decoupled 2-layer net: GD follows the exact mode map, and the closed form's half-learning times within 3%", async () => {
  await setup();
  const task = treeTask(small);
  const { data, modes } = task;
  const model = mlp({ widths: [data.d, data.d, data.c], activation: "identity", bias: false });
  const objective = summedSquaredError(model, data);
  const lr = 0.02 / modes.s[0];
  const u0 = 1e-3;
  const steps = Math.ceil(1.3 * halfLearningTime(modes.s[modes.r - 1], u0, 1 / lr));
  const w0 = decoupledInit(model.layout, modes, u0, 1);
  const records: Float64Array[] = [];
  await trainEnsemble(tfDerivatives(objective), [w0], [gd(lr)], {
    steps,
    onStep: (_t, _a, ws) => {
      records.push(networkModeStrengths(model, ws, data, modes, true)[0]);
    },
  });
  objective.dispose();
  const times = records.map((_, t) => t);
  modes.s.forEach((s, a) => {
    // Exact prediction for GD: a_l ← a_l + λ a_l (s − a_l²) in both layers, u = a².
    let amp = Math.sqrt(u0);
    let worst = 0;
    for (let t = 0; t < records.length; t++) {
      worst = Math.max(worst, Math.abs(records[t][a] - amp * amp) / s);
      amp = modeMapStep(amp, s, 2, lr);
    }
    assert.ok(worst < 2e-4, `mode ${a + 1}: max |u_sim − u_map|/s = ${worst}`);
    const tHalf = crossingTime(times, records.map((u) => u[a]), s / 2);
    assertClose(tHalf, halfLearningTime(s, u0, 1 / lr), 0.03, 0, `mode ${a + 1} t½`);
  });
});

test("small random init: the strongest modes' half-learning times are within 10% of the closed form", async () => {
  await setup();
  const task = treeTask(small);
  const lr = 0.02 / task.modes.s[0];
  const u0 = 1e-4;
  const steps = Math.ceil(1.6 * halfLearningTime(task.modes.s[7], u0, 1 / lr));
  const run = await simulateModeLearning({ task, hidden: 32, activation: "identity", lr, u0, steps, seeds: [1, 2], recordEvery: 2 });
  const { simulated, analytic } = halfLearningSteps(run, task.modes, u0, lr);
  for (const sim of simulated) for (let a = 0; a < 3; a++) assertClose(sim[a], analytic[a], 0.1, 0, `mode ${a + 1}`);
  // Weaker modes come later (ordering by singular value).
  for (const sim of simulated) assert.ok(sim[0] < sim[3] && sim[3] < sim[7], `ordering: ${sim.map((x) => x.toFixed(0))}`);
});

test("training in the output subspace of Σ³¹ gives the full net's mode strengths", async () => {
  await setup();
  const opts = { levels: 2, features: 40, flip: 0.1, seed: 2 };
  const reduced = treeTask(opts);
  const { hierarchicalDataset } = await import("../src/data/hierarchical");
  const full = hierarchicalDataset(opts);
  const fullModes = taskModes(inputOutputCorrelation(full), full.d, full.c);
  const r = reduced.data.c;
  const netR = mlp({ widths: [4, 6, r], activation: "tanh", bias: false });
  const netF = mlp({ widths: [4, 6, full.c], activation: "tanh", bias: false });
  const wR = initParams(netR.layout, { scheme: "gaussian", std: 0.05 }, 3);
  // The full net's output weights W₂ Uᵀ (inside span U), so the two nets compute rotated copies of each other.
  const pR = unravel(netR.layout, wR);
  const W2 = new Float64Array(6 * full.c);
  for (let h = 0; h < 6; h++) for (let f = 0; f < full.c; f++) for (let a = 0; a < r; a++) W2[h * full.c + f] += pR.weights[1][h * r + a] * fullModes.U[f * r + a];
  const wF = new Float64Array(netF.numParams);
  wF.set(pR.weights[0], 0);
  wF.set(W2, 24);
  const lr = 0.002;
  const trace = async (net: typeof netR, data: typeof full, modes: typeof fullModes, w: Float64Array): Promise<Float64Array[]> => {
    const obj = summedSquaredError(net, data);
    const out: Float64Array[] = [];
    await trainEnsemble(tfDerivatives(obj), [w], [gd(lr)], { steps: 60, onStep: (t, _a, ws) => void (t % 20 === 0 && out.push(networkModeStrengths(net, ws, data, modes, true)[0])) });
    obj.dispose();
    return out;
  };
  const a = await trace(netR, reduced.data, reduced.modes, wR);
  const b = await trace(netF, full, fullModes, wF);
  a.forEach((u, k) => {
    // Singular vectors may differ in sign between the two SVDs: compare |u|.
    assert.ok(relErr(u.map(Math.abs), b[k].map(Math.abs)) < 1e-4, `record ${k}: ${u} vs ${b[k]}`);
  });
});

test("whitened inputs: (X, Y) and (I, XᵀY) give the same gradients; the losses differ by the residual", async () => {
  await setup();
  const rng = new Rng(5);
  const n = 30;
  const d = 5;
  const c = 3;
  const A = new Matrix(n, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) A.set(i, j, rng.normal());
  const Q = new QrDecomposition(A).orthogonalMatrix; // columns 0..d−1 are orthonormal: XᵀX = I
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) X[i * d + j] = Q.get(i, j);
  const Y = Float32Array.from(rng.normals(n * c));
  const data = { X, Y, n, d, c };
  const S = inputOutputCorrelation(data);
  const net = mlp({ widths: [d, 4, 4, c], activation: "identity", bias: false });
  const w = initParams(net.layout, { scheme: "gaussian", std: 0.5 }, 8);
  const g1 = tfDerivatives(summedSquaredError(net, data)).lossAndGrad(w);
  const g2 = tfDerivatives(summedSquaredError(net, correlationDataset(S, d, c))).lossAndGrad(w);
  assert.ok(relErr(g1.grad, g2.grad) < 1e-5, `gradients differ: ${relErr(g1.grad, g2.grad)}`);
  let yy = 0;
  Y.forEach((v) => (yy += v * v));
  let ss = 0;
  S.forEach((v) => (ss += v * v));
  assertClose(g1.loss - g2.loss, 0.5 * (yy - ss), 1e-4, 1e-5, "loss gap = least-squares residual");
});

test("decoupled deep init: the end-to-end map is u₀ Σ v uᵀ and GD's excess error follows the mode map", async () => {
  await setup();
  const rng = new Rng(2);
  const d = 6;
  const c = 3;
  const sigma31T = rng.normals(d * c);
  const modes = taskModes(sigma31T, d, c);
  const scale = 1 / modes.s[0];
  const S = sigma31T.map((v) => v * scale);
  const m = taskModes(S, d, c);
  const D = 4;
  const net = mlp({ widths: [d, 5, 5, 5, c], activation: "identity", bias: false });
  const u0 = 0.05;
  const w0 = decoupledInit(net.layout, m, u0, 7);
  // End-to-end map W₁W₂W₃W₄ = u₀ V Uᵀ.
  const { weights } = unravel(net.layout, w0);
  let M = new Matrix(1, 1);
  weights.forEach((W, l) => {
    const s = net.layout.layers[l];
    const Wm = new Matrix(s.in, s.out);
    for (let i = 0; i < s.in; i++) for (let j = 0; j < s.out; j++) Wm.set(i, j, W[i * s.out + j]);
    M = l === 0 ? Wm : M.mmul(Wm);
  });
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < c; j++) {
      let want = 0;
      for (let a = 0; a < m.r; a++) want += u0 * m.V[i * m.r + a] * m.U[j * m.r + a];
      assertClose(M.get(i, j), want, 0, 1e-12, `M[${i}, ${j}]`);
    }
  }
  const obj = summedSquaredError(net, correlationDataset(S, d, c));
  const lr = 0.5 / D;
  const losses: number[] = [];
  await trainEnsemble(tfDerivatives(obj), [w0], [gd(lr)], { steps: 40, observe: (_t, _i, _w, loss) => void losses.push(loss) });
  obj.dispose();
  const amp = Array.from(m.s, () => Math.pow(u0, 1 / D));
  losses.forEach((loss, t) => {
    let excess = 0;
    m.s.forEach((s, a) => (excess += 0.5 * (s - amp[a] ** D) ** 2));
    assertClose(loss, excess, 2e-4, 1e-6, `excess error at step ${t}`);
    m.s.forEach((s, a) => (amp[a] = modeMapStep(amp[a], s, D, lr)));
  });
  assert.ok(losses[losses.length - 1] < 0.1 * referenceError(m.s), "and it learns");
});

test("products of orthogonal matrices stay orthogonal; Gaussian products spread", () => {
  const orth = productSpectra("orthogonal", 30, [1, 10, 60], 1);
  for (const sv of orth) assert.ok(summarizeSpectrum(sv).maxDeviation < 1e-12, `max |σ − 1| = ${summarizeSpectrum(sv).maxDeviation}`);
  const gauss = productSpectra("gaussian", 60, [1, 8], 1).map(summarizeSpectrum);
  assert.ok(gauss[1].logSpread > 2 * gauss[0].logSpread, `spread ${gauss[0].logSpread} → ${gauss[1].logSpread}`);
  assert.ok(gauss[1].nearOne < gauss[0].nearOne);
});

test("tanh net with orthogonal weights: with a tiny input J is g^D times an orthogonal matrix", () => {
  const [g1, g09] = tanhJacobianSpectra(20, 15, [1, 0.9], 4, 1e-5);
  for (const s of g1.singularValues) assertClose(s, 1, 0, 1e-6, "σ at g = 1");
  for (const s of g09.singularValues) assertClose(s, 0.9 ** 15, 1e-6, 0, "σ at g = 0.9");
  // With unit inputs the saturating units break the isometry at large gain.
  const [big] = tanhJacobianSpectra(20, 15, [3], 4, 1);
  assert.ok(summarizeSpectrum(big.singularValues).logSpread > 1);
});

test("library GD on the scalar net ŷ = abx: a² − b² follows (a² − b²)·Π(1 − λ²(s − ab)²)", async () => {
  await setup();
  const lr = 0.1;
  const s = 1;
  const [path] = await gdModePaths([[1.9, -0.4]], s, lr, 60);
  let predicted = path.a[0] ** 2 - path.b[0] ** 2;
  path.t.forEach((_, i) => {
    assertClose(path.a[i] ** 2 - path.b[i] ** 2, predicted, 1e-6, 0, `step ${i}`);
    predicted *= 1 - lr ** 2 * (s - path.a[i] * path.b[i]) ** 2;
  });
  assert.ok(Math.abs(path.a[60] * path.b[60] - s) < 1e-5, "ends on ab = s");
});
