/**
 * The pieces the central-flows experiments add on top of src/flows: chunked runs that resume exactly, the
 * frozen-w ν-flow's fixed point ν̄ (closed form on a diagonal quadratic), the ablated flow (equal to the
 * central flow where there is no curvature to regularize), Scalar RMSProp's stationary flows, and the
 * quadratic demos' closed forms.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setup, relErr } from "./helpers";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { central, discrete } from "../src/flows/index";
import { quadratic } from "../src/models/toy";
import { rmsprop } from "../src/optim/rmsprop";
import { gd } from "../src/optim/gd";
import { runTrace } from "../src/papers/central-flows/trace";
import { frozenNuFlow } from "../src/papers/central-flows/nu-flow";
import { ablatedFlow } from "../src/papers/central-flows/ablated";
import { scalarStationaryFlow, stationaryNu } from "../src/papers/central-flows/scalar-stationary";
import { gdOnParabola, generalizedEigs } from "../src/papers/central-flows/quadratics";
import { buildTask, GAUSSIAN_MLP } from "../src/papers/central-flows/setup";

before(setup);

describe("chunked runs", () => {
  test("the discrete process resumed every 7 steps is step for step the uninterrupted run (RMSProp state included)", async () => {
    const q = quadratic([[3, 1], [1, 2]], [0.5, -1]);
    const rule = rmsprop({ lr: 0.05, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: false });
    const w0 = Float64Array.from([1, -1]);
    const whole = discrete({ D: tfDerivatives(q), rule, w0 }, { steps: 30, k: 1 });
    const chunked = await runTrace("discrete", tfDerivatives(q), rule, w0, { steps: 30, k: 1, chunk: 7 });
    assert.equal(chunked.rows.length, 30);
    assert.equal(chunked.ws.length, 31);
    assert.deepEqual(chunked.rows.map((r) => r.step), whole.rows.map((r) => r.step));
    assert.ok(relErr(chunked.ws[30], whole.wFinal) < 1e-12, "same final weights");
    assert.ok(relErr(chunked.states[29].nu, whole.stateFinal.nu) < 1e-12, "same final ν");
    q.dispose();
  });

  test("the central flow resumed in chunks follows the uninterrupted flow (only the eigensolver's warm start differs)", async () => {
    const task = buildTask(GAUSSIAN_MLP);
    const rule = gd(0.1);
    const whole = central({ D: task.derivatives(), rule, w0: task.w0 }, { steps: 12, k: 2 });
    const chunked = await runTrace("central", task.derivatives(), rule, task.w0, { steps: 12, k: 2, chunk: 5 });
    assert.ok(relErr(chunked.ws[12], whole.wFinal) < 1e-6, `relative gap ${relErr(chunked.ws[12], whole.wFinal)}`);
    assert.equal(chunked.details.length, 12);
    task.dispose();
  });

  test("a flow branched off the optimizer at step b shares its first b steps and continues from its checkpoint", async () => {
    const q = quadratic([[3, 1], [1, 2]], [0.5, -1]);
    const rule = rmsprop({ lr: 0.05, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: false });
    const w0 = Float64Array.from([1, -1]);
    const dis = await runTrace("discrete", tfDerivatives(q), rule, w0, { steps: 30, k: 1, chunk: 7 });
    const fromB = await runTrace("stable", tfDerivatives(q), rule, w0, { steps: 30, k: 1, chunk: 7 }, undefined, { from: dis, at: 10 });
    assert.equal(fromB.rows.length, 30);
    assert.deepEqual(fromB.rows.map((r) => r.step), dis.rows.map((r) => r.step));
    assert.deepEqual(fromB.ws.slice(0, 11), dis.ws.slice(0, 11), "the optimizer's path up to w_b");
    // At the branch point the flow's state is the optimizer's state for step b (ν updated with g(w_b)).
    assert.ok(relErr(fromB.states[10].nu, dis.states[10].nu) < 1e-12);
    const direct = await runTrace("stable", tfDerivatives(q), rule, dis.ws[10], { steps: 20, k: 1, chunk: 20 }, undefined, undefined);
    assert.ok(relErr(fromB.ws[30], dis.ws[30]) < relErr(direct.ws[20], dis.ws[30]), "closer to the optimizer than a flow started afresh at w_b");
    await assert.rejects(runTrace("stable", tfDerivatives(q), rule, w0, { steps: 30, k: 1 }, undefined, { from: fromB, at: 10 }), /discrete trace/);
    q.dispose();
  });

  test("a diverging run keeps its finite path and says where it stopped", async () => {
    const q = quadratic([30, 1]); // 30 > 2/η = 20: GD diverges
    const tr = await runTrace("discrete", tfDerivatives(q), gd(0.1), Float64Array.from([1, 1]), { steps: 2000, k: 1, chunk: 100 });
    assert.ok(tr.stopped !== null && tr.rows.length < 2000 && tr.rows.length > 10, `stopped at ${tr.stopped?.step}`);
    assert.ok(tr.rows.every((r) => Number.isFinite(r.loss)));
    q.dispose();
  });
});

describe("RMSProp's stationary second moment", () => {
  test("the frozen-w ν-flow converges to ν̄ᵢ = max(gᵢ², (ηHᵢᵢ/2)²) on a diagonal quadratic", () => {
    const h = [4, 1, 0.5];
    const w = Float64Array.from([0.1, 1, 2]); // g = (0.4, 1, 1): only coordinate 0 is above the edge with ν = g²
    const q = quadratic(h);
    const eta = 1;
    const rule = rmsprop({ lr: eta, beta2: 0.9, eps: 0, biasCorrection: false, scalar: false });
    const g = h.map((hi, i) => hi * w[i]);
    const s0 = { step: 10, nu: Float64Array.from(g, (x) => x * x), buf: new Float64Array(0) };
    const r = frozenNuFlow(tfDerivatives(q), w, rule, s0, { iterations: 400, dt: 1, k: 2 });
    const expected = h.map((hi, i) => Math.max(g[i] ** 2, ((eta * hi) / 2) ** 2));
    assert.ok(relErr(r.nu, Float64Array.from(expected)) < 1e-3, `ν = ${Array.from(r.nu)}, expected ${expected}`);
    assert.ok(Math.abs(r.history[r.history.length - 1].top - 2) < 1e-2, "the top effective eigenvalue sits at the edge");
    assert.ok(r.history[0].cosToFinal < r.history[r.history.length - 1].cosToFinal);
    q.dispose();
  });

  test("started above ν̄ it comes down to the same fixed point", () => {
    const h = [4, 1];
    const w = Float64Array.from([0.1, 1]);
    const q = quadratic(h);
    const rule = rmsprop({ lr: 1, beta2: 0.9, eps: 0, biasCorrection: false, scalar: false });
    const s0 = { step: 10, nu: Float64Array.from([40, 10]), buf: new Float64Array(0) };
    const r = frozenNuFlow(tfDerivatives(q), w, rule, s0, { iterations: 400, dt: 1, k: 2 });
    assert.ok(relErr(r.nu, Float64Array.from([4, 1])) < 1e-3, `ν = ${Array.from(r.nu)}`);
    q.dispose();
  });
});

describe("the ablated flow", () => {
  test("on a quadratic (no curvature to regularize) it is the central flow, at the edge included", async () => {
    const q = quadratic([[6, 1], [1, 3]], [1, -2]);
    const rule = rmsprop({ lr: 0.1, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: false });
    const w0 = Float64Array.from([1, 1]);
    const D = tfDerivatives(q);
    const c = central({ D, rule, w0 }, { steps: 60, k: 2 });
    const s0 = rule.updateState(rule.init(2), D.lossAndGrad(w0).grad);
    const a = await ablatedFlow(tfDerivatives(q), rule, w0, s0, { steps: 60, k: 2 });
    assert.ok(c.rows.filter((r) => (r.X_trace as number) > 0).length > 15, "the run spends a while at the edge");
    assert.ok(relErr(a.ws[60], c.wFinal) < 1e-5, `weights differ by ${relErr(a.ws[60], c.wFinal)}`);
    a.rows.forEach((r, t) => assert.ok(Math.abs(r.X_trace - (c.rows[t].X_trace as number)) <= 1e-5 * (1 + r.X_trace), `tr X at step ${t}`));
    q.dispose();
  });
});

describe("Scalar RMSProp's stationary flows", () => {
  test("ν̄ = max(‖g‖², η²S²/4) and σ̄² = max(0, η²/4 − ‖g‖²/S²)", () => {
    assert.deepEqual(stationaryNu(0.1, 1, 4), { nu: 1, sigma2: 0 });
    const r = stationaryNu(0.1, 0.01, 4); // ‖g‖ = 0.1 < ηS/2 = 0.2: at the edge
    assert.ok(Math.abs(r.nu - 0.04) < 1e-15 && Math.abs(r.sigma2 - (0.0025 - 0.01 / 16)) < 1e-15);
  });

  test("on a quadratic (∇S = 0) the reduced and the ablated flow coincide: Euler steps of −(η/√ν̄)∇L", async () => {
    const h = [5, 1];
    const q = quadratic(h);
    const w0 = Float64Array.from([0.2, 0.5]);
    const eta = 0.1;
    const reduced = await scalarStationaryFlow(tfDerivatives(q), w0, { eta, steps: 5, regularize: true, substeps: 2 });
    const ablated = await scalarStationaryFlow(tfDerivatives(q), w0, { eta, steps: 5, regularize: false, substeps: 2 });
    let w = Array.from(w0);
    for (let n = 0; n < 10; n++) {
      const g = w.map((x, i) => h[i] * x);
      const { nu } = stationaryNu(eta, g[0] ** 2 + g[1] ** 2, 5);
      w = w.map((x, i) => x - 0.5 * (eta / Math.sqrt(nu)) * g[i]);
    }
    assert.ok(relErr(reduced.ws[5], Float64Array.from(w)) < 1e-5, `reduced ${Array.from(reduced.ws[5])} vs ${w}`);
    assert.ok(relErr(ablated.ws[5], reduced.ws[5]) < 1e-12);
    assert.ok(Math.abs(reduced.rows[0].sharpness - 5) < 1e-4);
    q.dispose();
  });

  test("on a network the regularizer lowers the sharpness relative to the ablated flow", async () => {
    const task = buildTask(GAUSSIAN_MLP);
    const opts = { eta: 0.1, steps: 40, substeps: 2 };
    const reduced = await scalarStationaryFlow(task.derivatives(), task.w0, { ...opts, regularize: true });
    const ablated = await scalarStationaryFlow(task.derivatives(), task.w0, { ...opts, regularize: false });
    const S = (r: typeof reduced): number => r.rows[r.rows.length - 1].sharpness;
    assert.ok(reduced.rows.some((r) => r.sigma2 > 0), "the reduced flow reaches the edge");
    assert.ok(S(reduced) < S(ablated), `S reduced ${S(reduced)}, ablated ${S(ablated)}`);
    task.dispose();
  });
});

describe("the quadratic demos", () => {
  test("GD on ½Sx² is x_t = (1 − ηS)ᵗx₀", () => {
    const xs = gdOnParabola(2.5, 1, 1, 10);
    assert.ok(Math.abs(xs[10] - (-1.5) ** 10) < 1e-9);
  });

  test("generalized eigenpairs satisfy Hu = λPu with uᵀPu = 1", () => {
    const H = [[1, 0.6], [0.6, 4]];
    const P = [1, 4];
    const { values, u } = generalizedEigs(H, P);
    values.forEach((l, i) => {
      for (let r = 0; r < 2; r++) assert.ok(Math.abs(H[r][0] * u[i][0] + H[r][1] * u[i][1] - l * P[r] * u[i][r]) < 1e-12);
      assert.ok(Math.abs(P[0] * u[i][0] ** 2 + P[1] * u[i][1] ** 2 - 1) < 1e-12);
    });
    assert.ok(Math.abs(values[0] - 1.3) < 1e-12 && Math.abs(values[1] - 0.7) < 1e-12);
  });
});
