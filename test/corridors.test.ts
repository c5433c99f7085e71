/** The corridor toys, the GD-versus-flow drift and the CLR on simple losses (float64, fast). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { corridorToy } from "../src/papers/corridors/corridor-toy";
import { compareModifiedLoss, oneStepGaps } from "../src/papers/corridors/drift";
import { lineFit, logLogSlope } from "../src/papers/corridors/fit";
import { distance, flowPath, gdPath, runRule } from "../src/papers/corridors/paths";
import { absResidual, diagonalQuadratic, halfSquareResidual } from "../src/papers/corridors/simple-losses";
import { hgRatio, hessGrad, matVec, toyObjective, vec2, type Toy2D } from "../src/papers/corridors/toy";
import { integrate } from "../src/flows/ode";
import { clr, polyak } from "../src/optim/polyak";
import { assertClose, fdDirectional, relErr, setup } from "./helpers";

const toy = corridorToy();
const INSIDE = [vec2(4, 0.3), vec2(0.5, -0.9), vec2(2, 0)];
const OUTSIDE = [vec2(3, 1.8), vec2(1, -2.5), vec2(-0.5, 0.2)];

test("Hg vanishes exactly inside the corridor and not outside it", () => {
  for (const p of INSIDE) {
    assert.ok(toy.inCorridor(p));
    assert.deepEqual(Array.from(hessGrad(toy, p)), [0, 0]);
    assert.equal(hgRatio(toy, p), 0);
  }
  for (const p of OUTSIDE) {
    assert.ok(!toy.inCorridor(p));
    const Hg = hessGrad(toy, p);
    assert.ok(Math.hypot(Hg[0], Hg[1]) > 1e-2, `Hg at (${p}) is ${Hg}`);
  }
});

test("the corridor toy's closed-form gradient and Hessian match finite differences", () => {
  const dirs = [vec2(1, 0), vec2(0, 1), vec2(0.6, -0.8)];
  for (const p of [...INSIDE, ...OUTSIDE, vec2(-1.2, 1.5)]) {
    for (const v of dirs) {
      const g = toy.grad(p);
      assertClose(fdDirectional((q) => toy.value(q), p, v), g[0] * v[0] + g[1] * v[1], 1e-7, 1e-8, `dE(${p})·v`);
      const Hv = matVec(toy.hessian(p), v);
      for (const i of [0, 1]) assertClose(fdDirectional((q) => toy.grad(q)[i], p, v), Hv[i], 1e-6, 1e-7, `(Hv)_${i} at (${p})`);
    }
  }
  assertClose(toy.value(vec2(toy.xMin, 0.4)), 0, 0, 1e-15, "minimum value");
  assertClose(toy.grad(vec2(toy.xMin, 0.4))[0], 0, 0, 1e-15, "gradient at the minimum");
});

test("each toy's tf version equals its float64 version (value, gradient, HVP)", async () => {
  await setup();
  const toys: Toy2D[] = [toy, absResidual([1, 2], 1), halfSquareResidual([1, 2], 1), diagonalQuadratic(1, 50)];
  const points = [...INSIDE, ...OUTSIDE, vec2(-1.2, 1.5)];
  const vs = [vec2(1, 0), vec2(0.3, -0.7)];
  for (const t of toys) {
    const D = tfDerivatives(toyObjective(t));
    for (const p of points) {
      const { loss, grad } = D.lossAndGrad(p);
      assertClose(loss, t.value(p), 1e-6, 1e-6, `${t.name} value at (${p})`);
      assert.ok(relErr(grad, t.grad(p), 1e-3) < 1e-5, `${t.name} gradient at (${p}): ${grad} vs ${t.grad(p)}`);
      const Hvs = D.hvp(p, vs);
      vs.forEach((v, i) => {
        const expected = matVec(t.hessian(p), v);
        assert.ok(relErr(Hvs[i], expected, 1e-3) < 1e-5, `${t.name} HVP at (${p}): ${Hvs[i]} vs ${expected}`);
      });
    }
  }
});

test("GD and gradient flow coincide to float precision inside the corridor, not outside", () => {
  const h = 0.5;
  const steps = 6;
  const inside = gdPath(toy, INSIDE[0], h, steps).points;
  const flowIn = flowPath(toy, INSIDE[0], h * steps, h / 8, h);
  inside.forEach((p, n) => {
    assert.ok(toy.inCorridor(p));
    assert.ok(distance(p, flowIn.y[n]) < 1e-13, `step ${n}: ${distance(p, flowIn.y[n])}`);
  });
  // E falls by exactly h s² per step there.
  const fit = lineFit(inside.map((_, n) => n), inside.map((p) => toy.value(p)));
  assertClose(fit.slope, -h, 1e-12, 0, "loss slope per step");
  const outside = gdPath(toy, OUTSIDE[0], h, steps).points;
  const flowOut = flowPath(toy, OUTSIDE[0], h * steps, h / 64, h);
  assert.ok(distance(outside[steps], flowOut.y[steps]) > 1e-2);
});

test("the one-step gap grows like h² outside the corridor and is rounding inside", () => {
  const hs = [1e-3, 2e-3, 5e-3, 1e-2, 2e-2];
  for (const p of OUTSIDE) {
    const rows = oneStepGaps(toy, p, hs);
    assertClose(logLogSlope(hs, rows.map((r) => r.gap)), 2, 0.02, 0, `log-log slope at (${p})`);
    for (const r of rows) assertClose(r.gap, r.predicted, 0.1, 0, `gap vs (h²/2)‖Hg‖ at h = ${r.h}`);
  }
  // Inside, only rounding: 256 RK4 substeps of a few ulps of |θ| ≈ 4 each (outside, the gap is ≥ 1e-7).
  for (const p of INSIDE) for (const r of oneStepGaps(toy, p, [...hs, 0.5])) assert.ok(r.gap < 1e-12, `gap ${r.gap} at h = ${r.h}`);
});

test("GD follows the flow of E + (h/4)‖g‖² more closely than the flow of E", () => {
  const cmp = compareModifiedLoss(toy, OUTSIDE[0], 0.05, 10);
  const last = cmp.steps.length - 1;
  assert.ok(cmp.gapToModifiedFlow[last] < 0.2 * cmp.gapToFlow[last], `${cmp.gapToModifiedFlow[last]} vs ${cmp.gapToFlow[last]}`);
});

test("CLR lands on the hyperplane in one step on |aᵀθ − b| and halves ½r²", () => {
  const a: [number, number] = [1, 2];
  const p0 = vec2(2, 2);
  const abs = absResidual(a, 1);
  const one = runRule(abs, clr(), p0, 1);
  // clr()'s denominator floor δ = 1e-12 leaves a relative residual δ/‖g‖².
  assert.ok(Math.abs(abs.residual(one.points[1])) < 1e-11 * Math.abs(abs.residual(p0)), `residual ${abs.residual(one.points[1])}`);
  assertClose(one.lrs[0], Math.abs(abs.residual(p0)) / 5, 1e-12, 0, "CLR value |r|/‖a‖²");
  const sq = halfSquareResidual(a, 1);
  const path = runRule(sq, polyak({ delta: 0 }), p0, 8); // the CLR without its floor δ
  for (let n = 1; n < path.points.length; n++) {
    assertClose(sq.residual(path.points[n]) / sq.residual(path.points[n - 1]), 0.5, 1e-12, 0, `ratio at step ${n}`);
  }
  // Polyak with c = ½ is the Newton step on ½r²: one step.
  const newton = runRule(sq, polyak({ c: 0.5 }), p0, 1);
  assert.ok(Math.abs(sq.residual(newton.points[1])) < 1e-11 * Math.abs(sq.residual(p0)));
});

test("RK4 has fourth-order global error and lineFit recovers a line", () => {
  const f = (y: Float64Array): Float64Array => y.map((v) => -v);
  const err = (steps: number): number => Math.abs(integrate(f, Float64Array.of(1), 1, steps).y.at(-1)![0] - Math.exp(-1));
  assertClose(Math.log2(err(10) / err(20)), 4, 0.05, 0, "RK4 order");
  const fit = lineFit([0, 1, 2, 3], [1, 3, 5, 7.5]);
  assert.ok(fit.r2 < 0.9999 && fit.r2 > 0.99);
  assertClose(lineFit([0, 1, 2], [1, 3, 5]).r2, 1, 1e-15);
});
