/**
 * The processes as step functions over a carry (src/flows/run.ts): chunked runs equal runs in one go, a kept
 * carry is a branch point, cancellation stops at a step; the flows' input validation (before any computation)
 * and their divergence errors; the stable flow's accurate RK4 mode.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setup } from "./helpers";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { CancelledError } from "../src/cancel";
import { loadProblem, problemObjective } from "../src/data/problem";
import { DivergenceError as DivergenceRoot } from "../src/divergence";
import { advance, flowResult } from "../src/flows/run";
import { CENTRAL, central, DISCRETE, discrete, DivergenceError, STABLE, stable, type FlowOptions, type FlowProblem, type FlowRow } from "../src/flows/index";
import { quadratic } from "../src/models/toy";
import { gd } from "../src/optim/gd";
import { ruleFromSpec } from "../src/optim/spec";
import { rmsprop } from "../src/optim/rmsprop";
import { DivergenceError as EosDivergence } from "../src/papers/eos/train";
import { runTrace } from "../src/papers/central-flows/trace";
import { EXAMPLE_PROBLEM as REF } from "./reference";

before(setup);

/** Runs `steps` steps in chunks of the given sizes, collecting rows. */
function chunked(process: typeof DISCRETE, problem: FlowProblem, options: FlowOptions, sizes: number[]): { rows: FlowRow[]; w: Float64Array } {
  let carry = process.init(problem, options);
  const rows: FlowRow[] = [];
  for (const n of sizes) carry = advance(process, carry, n, (s) => void rows.push(s.row));
  return { rows, w: carry.w };
}

describe("step functions: chunks, branches, cancellation", () => {
  test("discrete and stable (RMSProp, quadratic): N steps in chunks give identical rows to N steps in one go", () => {
    const q = quadratic([[3, 1], [1, 2]], [0.5, -1]);
    const rule = rmsprop({ lr: 0.05, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: false });
    const w0 = Float64Array.from([1, -1]);
    for (const [proc, whole] of [[DISCRETE, discrete], [STABLE, stable]] as const) {
      const one = whole({ D: tfDerivatives(q), rule, w0 }, { steps: 30, k: 2 });
      const parts = chunked(proc, { D: tfDerivatives(q), rule, w0 }, { steps: 30, k: 2 }, [7, 7, 1, 15]);
      assert.deepEqual(parts.rows, one.rows, `${proc.name}: rows`);
      assert.deepEqual(parts.w, one.wFinal, `${proc.name}: final w`);
    }
    q.dispose();
  });

  test("central flow at the edge (tanh MLP, GD η = 1): chunked rows are identical, X > 0, warm start kept across chunks", async () => {
    const p = loadProblem(REF);
    const obj = problemObjective(p);
    const problem = (): FlowProblem => ({ D: tfDerivatives(obj), rule: gd(1), w0: p.w0 });
    const one = central(problem(), { steps: 5, k: 2 });
    assert.ok(one.rows.slice(1).every((r) => (r.X_trace as number) > 0), "the flow is at the edge (X > 0)");
    const parts = chunked(CENTRAL, problem(), { steps: 5, k: 2 }, [2, 2, 1]);
    assert.deepEqual(parts.rows, one.rows);
    assert.deepEqual(parts.w, one.wFinal);
    // The experiments' runner (papers/central-flows/trace.ts) chunks the same way: chunk size does not matter.
    const tr2 = await runTrace("central", tfDerivatives(obj), gd(1), p.w0, { steps: 5, k: 2, chunk: 2 });
    assert.deepEqual(tr2.rows, one.rows);
    assert.deepEqual(tr2.ws[5], one.wFinal);
    assert.equal(tr2.details.filter((d) => d !== null).length, 5);
    obj.dispose();
  });

  test("a kept carry is a checkpoint: stepping it twice gives the same step, and the original is unchanged", () => {
    const q = quadratic([3, 1]);
    const c0 = STABLE.init({ D: tfDerivatives(q), rule: gd(0.1), w0: Float64Array.from([1, 1]) }, { steps: 10, k: 1 });
    const w = Float64Array.from(c0.w);
    const a = STABLE.step(c0);
    const b = STABLE.step(c0);
    assert.deepEqual(a.row, b.row);
    assert.deepEqual(a.carry.w, b.carry.w);
    assert.deepEqual(c0.w, w);
    assert.equal(c0.t, 0);
    assert.equal(a.carry.t, 1);
    assert.deepEqual(flowResult(a.carry, [a.row]).wFinal, a.carry.w);
    q.dispose();
  });

  test("an aborted signal stops the run with a CancelledError carrying the step", () => {
    const q = quadratic([3, 1]);
    const ac = new AbortController();
    assert.throws(
      () => discrete({ D: tfDerivatives(q), rule: gd(0.1), w0: Float64Array.from([1, 1]) }, { steps: 50, k: 1, signal: ac.signal, onStep: (t) => t === 6 && ac.abort() }),
      (e: unknown) => e instanceof CancelledError && e.step === 7 && /discrete flow/.test(e.message),
    );
    q.dispose();
  });
});

describe("validation before any computation (issue 16)", () => {
  let q: ReturnType<typeof quadratic> | null = null;
  const base = (): FlowProblem => ({ D: tfDerivatives((q ??= quadratic([3, 1, 0.5]))), rule: gd(0.1), w0: Float64Array.from([1, -2, 0.5]) });
  const cases: [string, Partial<FlowOptions>, RegExp][] = [
    ["k > dim", { k: 4 }, /k must be an integer in \[1, 3\] \(the number of parameters\), got 4/],
    ["activeAbove NaN", { activeAbove: NaN }, /activeAbove must be a finite number, got NaN/],
    ["trackAbove Infinity", { trackAbove: Infinity }, /trackAbove must be a finite number, got Infinity/],
    ["eigTol 0", { eigTol: 0 }, /eigTol must be in \(0, 1\), got 0/],
    ["eigTol NaN", { eigTol: NaN }, /eigTol must be in \(0, 1\), got NaN/],
    ["substeps 0", { substeps: 0 }, /substeps must be an integer in \[1, 1000000\], got 0/],
    ["substeps 2.5", { substeps: 2.5 }, /substeps must be an integer in \[1, 1000000\], got 2.5/],
    ["stableStepScale NaN", { stableStepScale: NaN }, /stableStepScale must be a finite number > 0, got NaN/],
    ["stableStepScale −1", { stableStepScale: -1 }, /stableStepScale must be a finite number > 0, got -1/],
    ["maxSubsteps 0", { maxSubsteps: 0 }, /maxSubsteps must be an integer ≥ 1, got 0/],
    ["sdcpPairs all", { sdcpPairs: "all" as FlowOptions["sdcpPairs"] }, /sdcpPairs must be "active" or "tracked", got "all"/],
  ];
  for (const [name, bad, message] of cases) {
    test(`${name} is rejected by discrete, stable and central, before any derivative is taken`, () => {
      for (const f of [discrete, stable, central]) {
        const problem = base();
        assert.throws(() => f(problem, { steps: 3, k: 2, ...bad }), message);
        assert.equal(problem.D.counters.calls, 0, "no computation");
      }
    });
  }

  test("w0 with NaN or Infinity names w0 and the index; a wrong length names both lengths", () => {
    for (const f of [discrete, stable, central]) {
      assert.throws(() => f({ ...base(), w0: Float64Array.from([1, NaN, 0]) }, { steps: 3, k: 1 }), /w0\[1\] is NaN; every entry of w0 must be finite/);
      assert.throws(() => f({ ...base(), w0: Float64Array.from([1, 0, Infinity]) }, { steps: 3, k: 1 }), /w0\[2\] is Infinity/);
      assert.throws(() => f({ ...base(), w0: new Float64Array(10) }, { steps: 3, k: 1 }), /^Error: w0 has length 10, the model has 3 parameters$/);
    }
  });

  test("lr must be a finite number > 0: Infinity is named as such", () => {
    assert.throws(() => ruleFromSpec({ name: "gd", lr: Infinity }), /optimizer\.lr must be a finite number > 0, got Infinity/);
    assert.throws(() => ruleFromSpec({ name: "rmsprop", lr: 0.1, beta2: 0, eps: 0, biasCorrection: true }), /optimizer\.beta2 must be in \(0, 1\), got 0/);
    assert.throws(() => gd(Infinity), /lr must be a positive finite number, got Infinity/);
  });
});

describe("divergence is one DivergenceError naming process, step and quantity (issue 16)", () => {
  test("one class: flows, the edge-of-stability experiments and the root module share it", () => {
    assert.equal(DivergenceError, DivergenceRoot);
    assert.equal(EosDivergence, DivergenceRoot);
  });

  test("stable flow at lr = 1e6 stops at the substep cap instead of hanging", () => {
    const q = quadratic([3, 1]);
    assert.throws(
      () => stable({ D: tfDerivatives(q), rule: gd(1e6), w0: Float64Array.from([1, 1]) }, { steps: 5, k: 1 }),
      (e: unknown) => e instanceof DivergenceError && e.process === "stable" && e.step === 0 && /substeps per unit time/.test(e.quantity) && e.value > 1e4,
    );
    q.dispose();
  });

  test("lr = 1e300 on an MLP gives a DivergenceError in every process, not a symEig NaN", () => {
    const p = loadProblem(REF);
    const obj = problemObjective(p);
    for (const f of [discrete, stable, central]) {
      assert.throws(
        () => f({ D: tfDerivatives(obj), rule: gd(1e300), w0: p.w0 }, { steps: 5, k: 2 }),
        (e: unknown) => {
          assert.ok(e instanceof DivergenceError, `${f.name}: ${String(e)}`);
          assert.equal(e.process, f.name);
          assert.match(e.message, new RegExp(`^${f.name} diverged at step \\d+: `));
          return true;
        },
      );
    }
    obj.dispose();
  });

  test("central flow with an unbounded SDCP (a quadratic above the edge: no curvature to regularize) names the step", () => {
    const q = quadratic([30, 1]); // ηλ = 3 > 2, and ∇M = 0: nothing keeps λ at 2
    assert.throws(
      () => central({ D: tfDerivatives(q), rule: gd(0.1), w0: Float64Array.from([1, 1]) }, { steps: 3, k: 1 }),
      (e: unknown) => e instanceof DivergenceError && e.process === "central" && e.step === 0 && /SDCP is unbounded/.test(e.message),
    );
    q.dispose();
  });
});

describe("the stable flow as an accurate gradient flow", () => {
  test('integrator "rk4" matches w(t) = exp(−ηλt) w₀ to 1e-5; Euler at the same step (the reference\'s scheme) does not', () => {
    const lambdas = [3, 1, 0.5];
    const eta = 0.1;
    const w0 = Float64Array.from([1, -2, 0.5]);
    const q = quadratic(lambdas);
    const T = 10;
    const rk = stable({ D: tfDerivatives(q), rule: gd(eta), w0 }, { steps: T, k: 1, integrator: "rk4", stableStepScale: 0.05 });
    const eu = stable({ D: tfDerivatives(q), rule: gd(eta), w0 }, { steps: T, k: 1, stableStepScale: 0.05 });
    let worstRk = 0;
    let worstEu = 0;
    lambdas.forEach((l, i) => {
      const exact = Math.exp(-eta * l * T) * w0[i];
      worstRk = Math.max(worstRk, Math.abs(rk.wFinal[i] - exact) / Math.abs(exact));
      worstEu = Math.max(worstEu, Math.abs(eu.wFinal[i] - exact) / Math.abs(exact));
    });
    // 6 substeps per unit (ηλ_max = 0.3, scale 0.05): RK4's error (0.05)⁵/120 per substep is ~1e-9, so what
    // remains is float32 gradient round-off; Euler's is ≈ (ηλ)²T/(2n) ≈ 7e-3 in the fastest mode.
    assert.equal(rk.rows[0].substeps, 6);
    assert.ok(worstRk < 1e-5, `rk4: worst relative error ${worstRk}`);
    assert.ok(worstEu > 1e-3, `euler: worst relative error ${worstEu}`);
    q.dispose();
  });
});
