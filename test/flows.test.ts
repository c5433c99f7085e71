/**
 * The three processes against closed forms (a quadratic) and against an independent float64 implementation
 * (the reference example problem): GD's closed form, the central flow = gradient flow below the edge, the
 * central flow pinning the top effective eigenvalue at 2 and predicting the time-averaged loss.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setup } from "./helpers";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { loadProblem, problemObjective } from "../src/data/problem";
import { central, discrete, DivergenceError, functionPrediction, quadraticLossPrediction, sigmaSpectrum, stable, type CentralSubstep, type FlowResult } from "../src/flows/index";
import { gd } from "../src/optim/gd";
import { quadratic } from "../src/models/toy";
import { EXAMPLE_PROBLEM as REF, readCsv } from "./reference";
import { gaussianSmooth } from "../src/linalg/smoothing";



/** Largest relative deviation of loss and eig_1..k from the reference rows, over steps [from, to). */
function worstRelative(result: FlowResult, ref: Record<string, number[]>, k: number, from = 0, to = result.rows.length): number {
  let worst = 0;
  for (const row of result.rows.slice(from, to)) {
    const pairs: [number, number][] = [[row.loss, ref.loss[row.step]], ...row.eigs.slice(0, k).map((e, i): [number, number] => [e, ref[`eig_${i + 1}`][row.step]])];
    for (const [ours, theirs] of pairs) worst = Math.max(worst, Math.abs(ours - theirs) / Math.abs(theirs));
  }
  return worst;
}

before(setup);

describe("processes on a quadratic below the threshold", () => {
  const lambdas = [3, 1, 0.5];
  const eta = 0.1; // 2/η = 20 > 3: stable
  const w0 = Float64Array.from([1, -2, 0.5]);

  test("GD matches the closed form w_t = (1 − ηλ)^t w_0 and reports ηλ as eigenvalues", () => {
    const q = quadratic(lambdas);
    const r = discrete({ D: tfDerivatives(q), rule: gd(eta), w0 }, { steps: 20, k: 3 });
    lambdas.forEach((l, i) => {
      const expected = Math.pow(1 - eta * l, 20) * w0[i];
      assert.ok(Math.abs(r.wFinal[i] - expected) < 1e-5 * Math.abs(w0[i]), `w[${i}] = ${r.wFinal[i]}, closed form ${expected}`);
    });
    assert.deepEqual(r.rows[5].eigs.map((e) => Number(e.toFixed(5))), [0.3, 0.1, 0.05]);
    q.dispose();
  });

  test("the central flow is gradient flow there: X = 0 and w(t) = exp(−ηλt) w_0, step for step equal to the stable flow", () => {
    const q = quadratic(lambdas);
    const T = 10;
    const n = 60;
    const c = central({ D: tfDerivatives(q), rule: gd(eta), w0 }, { steps: T, k: 2, substeps: n });
    const s = stable({ D: tfDerivatives(q), rule: gd(eta), w0 }, { steps: T, k: 2, stableStepScale: (eta * lambdas[0]) / n });
    assert.ok(c.rows.every((r) => r.X_trace === 0 && r.loss_pred === r.loss), "no oscillation below the edge");
    lambdas.forEach((l, i) => {
      const exact = Math.exp(-eta * l * T) * w0[i];
      // Euler with dt = 1/60 on rate ηλ ≤ 0.3 over 10 units: relative error ≤ (ηλ)²T/(2n) ≈ 0.8%.
      assert.ok(Math.abs(c.wFinal[i] - exact) <= 0.008 * Math.abs(exact), `central w[${i}] = ${c.wFinal[i]}, gradient flow ${exact}`);
      assert.ok(Math.abs(c.wFinal[i] - s.wFinal[i]) <= 1e-9 * Math.abs(exact), `central and stable flow differ at w[${i}]`);
    });
    q.dispose();
  });

  test("GD above the threshold diverges with a message naming the step", () => {
    const q = quadratic([30, 1]); // 30 > 2/η = 20
    assert.throws(
      () => discrete({ D: tfDerivatives(q), rule: gd(eta), w0: Float64Array.from([1, 1]) }, { steps: 500, k: 1 }),
      (e: unknown) => e instanceof DivergenceError && /at step \d+/.test(e.message) && e.step > 10,
    );
    q.dispose();
  });
});

describe("the reference example (tanh MLP, GD η = 0.15) against an independent float64 implementation", () => {
  const problem = loadProblem(REF);
  const rule = gd(0.15);

  test("stable flow: loss and top-3 eigenvalues within 0.5% for all 800 steps", () => {
    const obj = problemObjective(problem);
    const r = stable({ D: tfDerivatives(obj), rule, w0: problem.w0 }, { steps: 800, k: 3 });
    const ref = readCsv(join(REF, "reference", "stable.csv"));
    const worst = worstRelative(r, ref, 3);
    assert.ok(worst < 0.005, `worst relative deviation ${worst}`);
    assert.deepEqual(r.rows.map((x) => x.substeps), ref.substeps, "adaptive substep counts");
    obj.dispose();
  });

  test("central flow (all 800 steps) and GD: the flow pins λ_1 at 2 and predicts GD's time-averaged loss", () => {
    const steps = 800;
    const obj = problemObjective(problem);
    let probe: { w: Float64Array; detail: CentralSubstep } | null = null;
    let wNow = problem.w0;
    const c = central(
      { D: tfDerivatives(obj), rule, w0: problem.w0 },
      { steps, k: 3, onStep: (_t, w) => (wNow = Float64Array.from(w)), onSubstep: (t, detail) => t === 600 && (probe = { w: wNow, detail }) },
    );
    const ref = readCsv(join(REF, "reference", "central.csv"));
    const worst = worstRelative(c, ref, 3);
    assert.ok(worst < 0.005, `central loss/eigenvalues: worst relative deviation ${worst}`);
    let worstX = 0;
    for (const row of c.rows) {
      const theirs = ref.X_trace[row.step];
      if (theirs > 1e-3) worstX = Math.max(worstX, Math.abs((row.X_trace as number) - theirs) / theirs);
    }
    assert.ok(worstX < 0.02, `X_trace: worst relative deviation ${worstX}`);

    // Self-stabilization: once the oscillation starts, the top effective eigenvalue stays at 2.
    const arrival = c.rows.findIndex((r) => (r.X_trace as number) > 0);
    assert.ok(arrival > 100 && arrival < 200, `edge reached at step ${arrival}`);
    const drift = Math.max(...c.rows.slice(arrival + 1).map((r) => Math.abs(r.eigs[0] - 2)));
    assert.ok(drift < 1e-3, `|λ_1 − 2| up to ${drift} after arrival`);

    // Predictions: the general E[f] formula applied to f = L reproduces L + ½⟨H, Σ⟩ ≈ L + tr X (λ = 2).
    assert.ok(probe !== null, "captured the SDCP solution at step 600");
    const { w: w600, detail } = probe as { w: Float64Array; detail: CentralSubstep };
    const viaHvp = functionPrediction(tfDerivatives(obj), w600, detail);
    const direct = quadraticLossPrediction(viaHvp.value, detail);
    assert.ok(Math.abs(viaHvp.predicted - direct) < 1e-4 * direct, `E[L] by HVP ${viaHvp.predicted}, by ½Σλ_i X_ii ${direct}`);
    assert.ok(Math.abs(direct - (c.rows[600].loss_pred as number)) < 0.01 * direct, `E[L] ${direct} vs loss_pred ${c.rows[600].loss_pred}`);
    assert.ok(detail.X.length >= 1 && sigmaSpectrum(detail.X)[0] > 0, "a non-zero oscillation at step 600");

    // The real optimizer: step for step equal before the chaos sets in ...
    const d = discrete({ D: tfDerivatives(obj), rule, w0: problem.w0 }, { steps, k: 3 });
    const early = worstRelative(d, readCsv(join(REF, "reference", "discrete.csv")), 3, 0, 100);
    assert.ok(early < 0.005, `discrete, steps 0-99: worst relative deviation ${early}`);
    // ... and, once GD's catapults have settled (step ≈ 450 here, as in the reference run), its smoothed loss
    // follows the central flow's predicted time-averaged loss L + tr X.
    const smooth = gaussianSmooth(d.rows.map((r) => r.loss), 8);
    let worstPred = 0;
    for (let t = 450; t < 750; t++) worstPred = Math.max(worstPred, Math.abs(smooth[t] - (c.rows[t].loss_pred as number)) / (c.rows[t].loss_pred as number));
    assert.ok(worstPred < 0.05, `smoothed GD loss vs predicted, steps 450-749: worst relative gap ${worstPred}`);
    obj.dispose();
  });
});
