/** Update rules: closed forms, the discrete/continuous state correspondence, dP/dt, validation. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { clr, cosine, gd, momentum, polyak, rmsprop, ruleFromSpec, stabilityThreshold, validateOptimizerSpec, warmup, type UpdateRule } from "../src/optim/index";
import { makeRule } from "../src/papers/central-flows/setup";

const g = Float64Array.from([0.5, -2, 0.1]);
const w = Float64Array.from([1, 2, 3]);

test("GD steps w − ηg and follows its schedule", () => {
  const rule = gd(0.1, warmup(0.1, 10));
  const s0 = rule.init(3);
  const { w: w1, lr } = rule.step(s0, { w, g, loss: 1 });
  assert.ok(Math.abs(lr - 0.01) < 1e-15, `warm-up lr ${lr}`);
  [1 - 0.005, 2 + 0.02, 3 - 0.001].forEach((x, i) => assert.ok(Math.abs(w1[i] - x) < 1e-12));
  assert.ok(Math.abs(cosine(1, 100)(100) - 0) < 1e-12 && cosine(1, 100)(0) === 1);
  assert.throws(() => gd(-1), /lr must be a positive finite number, got -1/);
});

test("RMSProp: ν is updated first with the current gradient, bias-corrected, and P = (√ν̂ + ε)/η", () => {
  const rule = rmsprop({ lr: 0.01, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: false });
  const { w: w1, state } = rule.step(rule.init(3), { w, g, loss: 1 });
  assert.deepEqual(Array.from(state.nu).map((v) => +v.toFixed(12)), Array.from(g).map((x) => +(0.1 * x * x).toFixed(12)));
  // First step: ν̂ = g², so each coordinate moves by η·sign(g) (up to ε).
  w1.forEach((x, i) => assert.ok(Math.abs(x - (w[i] - 0.01 * Math.sign(g[i]))) < 1e-9));
  assert.throws(() => rmsprop({ lr: 0.01, beta2: 1, eps: 0, biasCorrection: true, scalar: false }), /beta2 must be in \(0, 1\)/);
  assert.throws(() => rule.precond(rule.init(3), 3), /apply one update first/);
  assert.throws(() => rule.precond({ step: 1, nu: new Float64Array(2), buf: new Float64Array(0) }, 3), /state.nu has length 2; .* needs/);
});

test("Scalar RMSProp uses ‖g‖²", () => {
  const rule = rmsprop({ lr: 0.05, beta2: 0.99, eps: 0, biasCorrection: false, scalar: true });
  const s = rule.updateState(rule.init(3), g);
  const g2 = g.reduce((a, x) => a + x * x, 0);
  assert.equal(s.nu.length, 1);
  assert.ok(Math.abs(s.nu[0] - 0.01 * g2) < 1e-12);
  rule.precond(s, 3).forEach((p) => assert.ok(Math.abs(p - Math.sqrt(0.01 * g2) / 0.05) < 1e-12));
});

test("the discrete ν recursion is exactly ν_t − ν_{t−1} = c(g_t² − ν_t) with c = (1 − β2)/β2, the flows' ODE", () => {
  const beta2 = 0.95;
  const rule = rmsprop({ lr: 0.01, beta2, eps: 0, biasCorrection: false, scalar: false });
  const s1 = rule.updateState(rule.updateState(rule.init(3), g), g.map((x) => 2 * x));
  const s2 = rule.updateState(s1, g);
  const rate = rule.stateRate(s2, g.map((x) => x * x));
  assert.ok(rate);
  s2.nu.forEach((v, i) => assert.ok(Math.abs(v - s1.nu[i] - (rate as NonNullable<typeof rate>).nu[i]) < 1e-12));
});

test("precondRate is the derivative of precond along the state's motion (finite differences)", () => {
  for (const scalar of [false, true]) {
    const rule = rmsprop({ lr: 0.02, beta2: 0.99, eps: 1e-3, biasCorrection: true, scalar });
    let s = rule.init(3);
    for (let t = 0; t < 5; t++) s = rule.updateState(s, g.map((x) => x * (1 + t)));
    const ds = rule.stateRate(s, g.map((x) => 3 * x * x));
    assert.ok(ds);
    const h = 1e-6;
    const at = (e: number) => rule.precond({ step: s.step + e * ds.step, nu: s.nu.map((v, i) => v + e * ds.nu[i]), buf: s.buf }, 3);
    const fd = at(h).map((p, i) => (p - at(-h)[i]) / (2 * h));
    rule.precondRate(s, ds, 3).forEach((d, i) => assert.ok(Math.abs(d - fd[i]) < 1e-5 * Math.max(1, Math.abs(fd[i])), `scalar=${scalar} dP[${i}] ${d} vs ${fd[i]}`));
  }
});

test("momentum thresholds and Polyak / CLR steps", () => {
  assert.equal(stabilityThreshold("gd", 0.1), 20);
  assert.ok(Math.abs(stabilityThreshold("heavy_ball", 0.1, 0.9) - 38) < 1e-12);
  assert.ok(Math.abs(stabilityThreshold("nesterov", 0.1, 0.9) - 38 / 2.8) < 1e-12);
  const hb = momentum(0.1, 0.5);
  const a = hb.step(hb.init(3), { w, g, loss: 1 });
  const b = hb.step(a.state, { w: a.w, g, loss: 1 });
  b.w.forEach((x, i) => assert.ok(Math.abs(x - (w[i] - 0.1 * g[i] - 0.1 * 1.5 * g[i])) < 1e-12));
  // CLR: h = E/‖g‖², so the linear model of the loss reaches zero in one step.
  const g2 = g.reduce((s, x) => s + x * x, 0);
  const step = clr().step(clr().init(3), { w, g, loss: 2 });
  assert.ok(Math.abs(step.lr - 2 / g2) < 1e-12);
  assert.equal(polyak({ target: 3, maxLr: 5 }).step(polyak().init(3), { w, g, loss: 2 }).lr, 0, "no step below the target");
  assert.equal(clr(0.1).step(clr().init(3), { w, g, loss: 100 }).lr, 0.1, "capped");
});

test("one optimizer spec: ruleFromSpec builds each rule; the validator names the field and its range", () => {
  const w = Float64Array.from([1, -2]);
  const g = Float64Array.from([0.5, 0.25]);
  const same = (a: UpdateRule, b: UpdateRule): void => {
    const sa = a.step(a.init(2), { w, g, loss: 1 });
    const sb = b.step(b.init(2), { w, g, loss: 1 });
    assert.equal(a.name, b.name);
    assert.deepEqual(sa.w, sb.w);
  };
  same(ruleFromSpec({ name: "gd", lr: 0.1 }), gd(0.1));
  same(ruleFromSpec({ name: "nesterov", lr: 0.1, beta: 0.9 }), momentum(0.1, 0.9, "nesterov"));
  same(ruleFromSpec({ name: "scalar_rmsprop", lr: 0.1, beta2: 0.9, eps: 1e-8, biasCorrection: true }), rmsprop({ lr: 0.1, beta2: 0.9, eps: 1e-8, biasCorrection: true, scalar: true }));
  // The central-flows experiments build through it too, with float32 iterates unless the spec says otherwise.
  const stored = makeRule({ name: "gd", lr: 0.1 }).step(gd(0.1).init(2), { w: Float64Array.from([0.1, 1 / 3]), g, loss: 1 }).w;
  stored.forEach((x) => assert.equal(Math.fround(x), x));
  same(makeRule({ name: "gd", lr: 0.1, precision: "float64" }), gd(0.1));
  const bad: [unknown, RegExp][] = [
    [{ name: "adam", lr: 0.1 }, /optimizer\.name must be one of gd, heavy_ball, nesterov, rmsprop, scalar_rmsprop, got "adam"/],
    [{ name: "gd", lr: Infinity }, /optimizer\.lr must be a finite number > 0, got Infinity/],
    [{ name: "gd", lr: NaN }, /optimizer\.lr must be a finite number > 0, got NaN/],
    [{ name: "heavy_ball", lr: 0.1, beta: 1 }, /optimizer\.beta must be in \[0, 1\), got 1/],
    [{ name: "rmsprop", lr: 0.1, beta2: 0, eps: 0, biasCorrection: true }, /optimizer\.beta2 must be in \(0, 1\), got 0/],
    [{ name: "rmsprop", lr: 0.1, beta2: 0.9, eps: -1, biasCorrection: true }, /optimizer\.eps must be a finite number ≥ 0, got -1/],
    [{ name: "rmsprop", lr: 0.1, beta2: 0.9, eps: 0, biasCorrection: "yes" }, /optimizer\.biasCorrection must be true or false, got "yes"/],
    [null, /optimizer must be an object, got null/],
    [{ name: "gd", lr: 0.1, precision: "float16" }, /optimizer\.precision must be one of float64, float32, got "float16"/],
  ];
  for (const [spec, message] of bad) assert.throws(() => validateOptimizerSpec(spec), message);
  // β₂ = 0 fails the constructor exactly as it fails the spec (it passed problem.json before).
  assert.throws(() => rmsprop({ lr: 0.1, beta2: 0, eps: 0, biasCorrection: true, scalar: false }), /beta2 must be in \(0, 1\)/);
});

test("precision float32 stores iterate and state in float32; at a contracting direction GD stops at float32's floor", () => {
  const spec = { name: "nesterov" as const, lr: 0.1, beta: 0.9, precision: "float32" as const };
  assert.deepEqual(validateOptimizerSpec(spec), spec);
  const rule = ruleFromSpec(spec);
  const out = rule.step(rule.init(2), { w: Float64Array.from([0.1, 1 / 3]), g: Float64Array.from([1 / 7, 0.3]), loss: 1 });
  [...out.w, ...out.state.buf].forEach((x) => assert.equal(Math.fround(x), x, `${x} is not a float32`));
  // L = ½ s (w − c)² with ηs = 1.9: the error shrinks by 0.9 per step until rounding stops it, a few float64 ulps
  // of c (1.1e-15) with float64 iterates and ~1e8 times higher with float32 ones (the floor under GD's oscillation).
  const c = 1 + 1 / 3;
  const run = (r: UpdateRule): number => {
    let w: Float64Array = Float64Array.from([0]);
    let s = r.init(1);
    for (let t = 0; t < 650; t++) ({ w, state: s } = r.step(s, { w, g: Float64Array.from([19 * (w[0] - c)]), loss: 0 }) as { w: Float64Array; state: typeof s });
    return Math.abs(w[0] - c);
  };
  const float64 = run(ruleFromSpec({ name: "gd", lr: 0.1 }));
  const float32 = run(ruleFromSpec({ name: "gd", lr: 0.1, precision: "float32" }));
  assert.ok(float64 < 1e-14, `float64 floor ${float64}`);
  assert.ok(float32 > 1e-8 && float32 < 1e-6, `float32 floor ${float32}`);
});
