/** Saxe et al. (2014) closed forms against float64 RK4 integrations of their own ODEs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { integrate, rk4Step } from "../src/flows/ode";
import {
  approxLearningTime,
  crossingTime,
  depthRate,
  halfLearningTime,
  integrateDepthOde,
  learningTime,
  modeField,
  modeMapStep,
  modeStrength,
} from "../src/papers/saxe/analytic";
import { depthOdeLearningTime, modeMapLearningTime } from "../src/papers/saxe/depth-model";
import { assertClose } from "./helpers";

test("closed-form u(t) solves τu̇ = 2u(s − u): RK4 in float64 agrees to 1e-9", () => {
  for (const [s, u0, tau] of [
    [1, 1e-3, 1],
    [3.5, 1e-6, 2000],
    [0.4, 0.3, 5],
  ]) {
    const duration = (4 * tau * Math.log(s / u0 + 2)) / s;
    const steps = 20000;
    const path = integrate((y) => Float64Array.of((2 * y[0] * (s - y[0])) / tau), Float64Array.of(u0), duration, steps);
    let worst = 0;
    path.t.forEach((t, i) => (worst = Math.max(worst, Math.abs(path.y[i][0] - modeStrength(t, s, u0, tau)) / s)));
    assert.ok(worst < 1e-9, `s = ${s}, u0 = ${u0}: max |u_rk4 − u_closed|/s = ${worst}`);
  }
});

test("a wrong closed form fails the same check (the test can fail)", () => {
  const s = 1;
  const u0 = 1e-3;
  const path = integrate((y) => Float64Array.of(2 * y[0] * (s - y[0])), Float64Array.of(u0), 8, 800);
  // u(t) with the rate s instead of 2s.
  const worst = Math.max(...path.t.map((t, i) => Math.abs(path.y[i][0] - modeStrength(t / 2, s, u0, 1))));
  assert.ok(worst > 0.1, `a factor-2 error in time should be visible, got ${worst}`);
});

test("learning time inverts the closed form; half time and the (τ/s) ln(s/ε) approximation", () => {
  const s = 2.5;
  const tau = 40;
  for (const [u0, uf] of [
    [1e-4, 1.25],
    [0.01, 2.4],
    [1.0, 2.0],
  ]) {
    const t = learningTime(s, u0, uf, tau);
    assertClose(modeStrength(t, s, u0, tau), uf, 1e-12, 0, "u(learningTime)");
  }
  assertClose(modeStrength(halfLearningTime(s, 1e-6, tau), s, 1e-6, tau), s / 2, 1e-12, 0, "u(t½)");
  // From ε to s − ε the exact time is (τ/2s) ln((s − ε)²/ε²) → (τ/s) ln(s/ε) as ε → 0.
  const eps = 1e-8;
  assertClose(learningTime(s, eps, s - eps, tau), approxLearningTime(s, eps, tau), 1e-7, 0, "approximation");
  // Each mode's learning time scales as 1/s.
  assertClose(halfLearningTime(2 * s, 2 * 1e-6, tau) * 2, halfLearningTime(s, 1e-6, tau), 1e-12, 0, "1/s scaling");
  assert.throws(() => learningTime(s, 0, 1, tau), /0 < u0, uf < s/);
});

test("a² − b² is conserved along RK4-integrated mode dynamics; balanced starts follow the closed form", () => {
  const s = 1;
  const starts = [
    [-1.8, 0.3],
    [0.2, 1.9],
    [1.9, -0.4],
    [0.5, -1.9],
  ];
  for (const [a0, b0] of starts) {
    const path = integrate(modeField(s), Float64Array.of(a0, b0), 12, 6000);
    const c0 = a0 * a0 - b0 * b0;
    const drift = Math.max(...path.y.map((y) => Math.abs(y[0] * y[0] - y[1] * y[1] - c0)));
    assert.ok(drift < 1e-9, `start (${a0}, ${b0}): drift of a² − b² = ${drift}`);
    const end = path.y[path.y.length - 1];
    assertClose(end[0] * end[1], s, 0, 1e-6, "ends on ab = s");
  }
  const u0 = 1e-4;
  const path = integrate(modeField(s, 3), Float64Array.of(Math.sqrt(u0), Math.sqrt(u0)), 40, 8000);
  const worst = Math.max(...path.t.map((t, i) => Math.abs(path.y[i][0] * path.y[i][1] - modeStrength(t, s, u0, 3))));
  assert.ok(worst < 1e-9, `balanced path vs closed form: ${worst}`);
});

test("depth ODE: D = 2 is the logistic equation; the mode map tends to the ODE as λ → 0", () => {
  for (const u of [1e-3, 0.2, 0.7]) assertClose(depthRate(u, 1.3, 2), 2 * u * (1.3 - u), 1e-14, 0, "D = 2 rate");
  const traj = integrateDepthOde(1, 2, 1e-3, 1, 0.01, 500);
  assertClose(traj[500], modeStrength(5, 1, 1e-3, 1), 1e-8, 0, "integrateDepthOde(D = 2)");
  // GD on a decoupled mode, balanced, D matrices: a ← a + λ a^{D−1}(s − a^D); in time t = steps·λ it
  // approaches the ODE's time with an O(λ) error.
  const s = [1, 0.6];
  for (const D of [2, 5, 12]) {
    const T = depthOdeLearningTime(s, D, 1e-2, 1e-3, 1e-3, 1e4);
    const errors = [0.02, 0.005].map((lr) => Math.abs(modeMapLearningTime(s, D, 1e-2, lr, 1e-3, 1e7) * lr - T) / T);
    assert.ok(errors[1] < 0.02, `D = ${D}: relative gap at λ = 0.005 is ${errors[1]}`);
    assert.ok(errors[1] < errors[0], `D = ${D}: the gap shrinks with λ (${errors})`);
  }
  assertClose(modeMapStep(0.5, 1, 3, 0.1), 0.5 + 0.1 * 0.25 * (1 - 0.125), 1e-15, 0, "mode map step");
});

test("crossingTime interpolates the first upward crossing", () => {
  assertClose(crossingTime([0, 1, 2, 3], [0, 0.2, 0.6, 1], 0.4), 1.5, 1e-12, 0, "crossing");
  assert.ok(Number.isNaN(crossingTime([0, 1], [0, 0.1], 0.5)));
  // One RK4 step of a linear field is exact to O(dt⁵): a smoke check of the integrator this file relies on.
  const y = rk4Step((v) => v.map((x) => -x), Float64Array.of(1), 0.1);
  assertClose(y[0], Math.exp(-0.1), 1e-6, 0, "rk4");
});
