/**
 * The float64 MLP engine (src/autodiff/f64) for every activation × loss, against
 *  - the independent float64 reference of test/reference-mlp.ts (plain-JS forward pass, hand-written backprop):
 *    loss and gradient to 1e-10 relative; H v against a Richardson-extrapolated central difference of the
 *    reference gradient (h = 1e-3 and h/2: truncation O(h⁴) ≈ 1e-12, roundoff ≈ ε|∇L|/h ≈ 1e-13), to 1e-10;
 *  - third vectors ∇(uᵀHv) = ∂/∂s H(w + s u) v against a Richardson central difference of the engine's own HVPs
 *    (checked above), to 1e-8, and against the reference's mixed second differences of its gradient (h = 1e-3,
 *    error ~h² ≈ 1e-6), to 1e-5;
 *  - the tfjs engine at float32 level (1e-5 for gradients and HVPs, 1e-4 for third vectors, as test/hessian.test.ts).
 * Plus the ensemble dimension, gradAndHvp, counters and engine selection.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { tfDerivatives, type Derivatives } from "../src/autodiff/derivatives";
import { activationDerivatives } from "../src/autodiff/f64/activations";
import { erf } from "../src/autodiff/f64/erf";
import { f64Derivatives } from "../src/autodiff/f64/derivatives";
import { derivatives, F64_MAX_MULTIPLY_ADDS, resolveEngine } from "../src/autodiff/select";
import { ACTIVATIONS, type Activation } from "../src/models/activations";
import { initParams } from "../src/models/init";
import { LOSSES, type LossName } from "../src/models/losses";
import { mlp } from "../src/models/mlp";
import { supervisedObjective, type Dataset } from "../src/models/objective";
import { quadratic } from "../src/models/toy";
import { Rng } from "../src/random";
import { relErr, setup } from "./helpers";
import { erf64, pointAwayFromKinks, referenceLossAndGrad, referenceMlp, referenceThird, testDataset, unitVector, type ReferenceMlp } from "./reference-mlp";

const WIDTHS = [3, 4, 4, 3];
const N = 5;
const KINK_MARGIN = 0.02;

before(setup);

function dataset(loss: LossName, seed: number): Dataset {
  return testDataset(WIDTHS, N, loss, seed);
}

function point(ref: ReferenceMlp, seed: number): Float64Array {
  return pointAwayFromKinks(ref, seed, KINK_MARGIN);
}

const axpy = (w: Float64Array, s: number, u: Float64Array): Float64Array => w.map((x, i) => x + s * u[i]);

/** Richardson-extrapolated central difference of a vector function along a line: (4 D(h/2) − D(h)) / 3. */
function richardson(f: (s: number) => Float64Array, h: number): Float64Array {
  const d = (step: number): Float64Array => {
    const p = f(step);
    const m = f(-step);
    return p.map((x, i) => (x - m[i]) / (2 * step));
  };
  const coarse = d(h);
  const fine = d(h / 2);
  return fine.map((x, i) => (4 * x - coarse[i]) / 3);
}

describe("f64 activations", () => {
  test("erf matches the float64 series of test/reference-mlp.ts to 2e-15 (≈ 10 ulps of 1)", () => {
    let worst = 0;
    for (let x = -7; x <= 7; x += 0.01237) worst = Math.max(worst, Math.abs(erf(x) - erf64(x)));
    assert.ok(worst < 2e-15, `worst |erf − series| ${worst}`);
    assert.equal(erf(0), 0);
    assert.ok(Number.isNaN(erf(NaN)));
  });

  for (const name of ACTIVATIONS) {
    test(`${name}: σ', σ'', σ''' are the derivatives of σ, σ', σ'' (Richardson differences, 1e-9)`, () => {
      const xs = Float64Array.from([-3.1, -1.2, -0.4, -0.05, 0.07, 0.3, 0.9, 2.2, 4.5]);
      const at = (x: number): number[] => {
        const z = Float64Array.of(x);
        const b = { f: new Float64Array(1), d1: new Float64Array(1), d2: new Float64Array(1), d3: new Float64Array(1) };
        activationDerivatives(name as Activation, z, 1, b);
        return [b.f[0], b.d1[0], b.d2[0], b.d3[0]];
      };
      for (const x of xs) {
        const fd = richardson((s) => Float64Array.from(at(x + s)), 1e-3);
        const exact = at(x);
        for (let k = 1; k <= 3; k++) {
          assert.ok(Math.abs(fd[k - 1] - exact[k]) <= 1e-9 * (1 + Math.abs(exact[k])), `${name} derivative ${k} at ${x}: ${exact[k]} vs FD ${fd[k - 1]}`);
        }
      }
    });
  }
});

describe("f64 engine vs float64 references and the tfjs engine, every activation × loss", () => {
  for (const activation of ACTIVATIONS) {
    for (const loss of LOSSES) {
      const bias = !(activation === "tanh" && loss === "mse"); // one case without biases
      test(`${activation} [${WIDTHS}] ${loss}${bias ? "" : " (no bias)"}`, () => {
        const data = dataset(loss, 11);
        const ref = referenceMlp(WIDTHS, bias, activation, loss, data);
        const objective = supervisedObjective(mlp({ widths: WIDTHS, activation, bias }), loss, data);
        try {
          const D = derivatives(objective, { engine: "f64" });
          const T = tfDerivatives(objective);
          assert.equal(D.engine, "f64");
          assert.equal(D.dtype, "float64");
          const w = point(ref, 3);
          const P = D.dim;
          const rng = new Rng(5);

          const want = referenceLossAndGrad(ref, w);
          const got = D.lossAndGrad(w);
          assert.ok(Math.abs(got.loss - want.loss) <= 1e-12 * Math.abs(want.loss), `loss ${got.loss} vs ${want.loss}`);
          assert.ok(relErr(got.grad, want.grad) <= 1e-10, `gradient rel err ${relErr(got.grad, want.grad)}`);
          assert.equal(D.loss(w), got.loss);

          const vs = [unitVector(rng, P), unitVector(rng, P), unitVector(rng, P)];
          const hv = D.hvp(w, vs);
          vs.forEach((v, k) => {
            const fd = richardson((s) => referenceLossAndGrad(ref, axpy(w, s, v)).grad, 1e-3);
            assert.ok(relErr(hv[k], fd) <= 1e-10, `HVP ${k}: rel err ${relErr(hv[k], fd)}`);
          });

          // Pairs with a repeated vector object (tangents shared) and a copy of it (computed separately).
          const us = [vs[0], vs[0], Float64Array.from(vs[1])];
          const ws = [vs[0], vs[2], vs[1]];
          const th = D.third(w, us, ws);
          us.forEach((u, k) => {
            const fdOwn = richardson((s) => D.hvp(axpy(w, s, u), [ws[k]])[0], 1e-3);
            assert.ok(relErr(th[k], fdOwn) <= 1e-8, `third ${k} vs FD of HVPs: rel err ${relErr(th[k], fdOwn)}`);
            const fdRef = referenceThird(ref, w, u, ws[k]);
            assert.ok(relErr(th[k], fdRef) <= 1e-5, `third ${k} vs reference mixed differences: rel err ${relErr(th[k], fdRef)}`);
          });
          // Symmetry ∇(uᵀHv) = ∇(vᵀHu).
          const swapped = D.third(w, [ws[1]], [us[1]])[0];
          assert.ok(relErr(swapped, th[1]) <= 1e-13, "third vectors are symmetric in (u, v)");

          // tfjs at float32 level.
          const w32 = w; // float32-representable by construction
          assert.ok(relErr(T.lossAndGrad(w32).grad, got.grad) <= 1e-5, "tfjs gradient");
          const hvT = T.hvp(w32, vs.slice(0, 1))[0];
          assert.ok(relErr(hvT, hv[0]) <= 1e-5, `tfjs HVP rel err ${relErr(hvT, hv[0])}`);
          const thT = T.third(w32, us.slice(1, 2), ws.slice(1, 2))[0];
          assert.ok(relErr(thT, th[1]) <= 1e-4, `tfjs third rel err ${relErr(thT, th[1])}`);
        } finally {
          objective.dispose();
        }
      });
    }
  }
});

describe("f64 engine: ensemble, fused calls, caching, counters", () => {
  const data = dataset("mse", 2);
  const model = mlp({ widths: WIDTHS, activation: "swish", bias: true });
  let objective: ReturnType<typeof supervisedObjective>;
  before(() => (objective = supervisedObjective(model, "mse", data)));
  after(() => objective.dispose());
  const rng = new Rng(9);
  const points = [0, 1, 2, 3].map((s) => initParams(model.layout, { scheme: "torch" }, s));

  test("gradMany and lossMany equal per-point lossAndGrad, bit for bit", () => {
    const D = derivatives(objective, { engine: "f64" });
    const many = D.gradMany(points);
    const losses = D.lossMany(points);
    points.forEach((w, i) => {
      const one = f64Derivatives({ ...model.spec, loss: "mse", X: data.X, Y: data.Y, n: data.n }).lossAndGrad(w);
      assert.equal(many.losses[i], one.loss);
      assert.equal(losses[i], one.loss);
      assert.deepEqual(many.grads[i], one.grad);
    });
  });

  test("the cached primal pass follows the point: values at w, w', w agree with fresh engines", () => {
    const D = derivatives(objective, { engine: "f64" });
    const v = rng.normals(D.dim);
    const a = D.hvp(points[0], [v])[0];
    const w = Float64Array.from(points[1]);
    const b = D.hvp(w, [v])[0];
    w.set(points[0]); // same array object, new contents
    assert.deepEqual(D.hvp(w, [v])[0], a);
    const fresh = derivatives(objective, { engine: "f64" });
    assert.deepEqual(fresh.hvp(points[1], [v])[0], b);
  });

  test("gradAndHvp equals lossAndGrad and hvp (f64 exactly, tfjs to float32), one call each", () => {
    for (const D of [derivatives(objective, { engine: "f64" }), tfDerivatives(objective)]) {
      const w = Float64Array.from(Float32Array.from(points[2]));
      const vs = [rng.normals(D.dim), rng.normals(D.dim)];
      const before = { ...D.counters };
      const fused = D.gradAndHvp(w, vs);
      assert.deepEqual(
        { calls: D.counters.calls - before.calls, gradients: D.counters.gradients - before.gradients, hvps: D.counters.hvps - before.hvps },
        { calls: 1, gradients: 1, hvps: 2 },
      );
      const sep = D.lossAndGrad(w);
      const hv = D.hvp(w, vs);
      const tol = D.dtype === "float64" ? 0 : 1e-5;
      assert.ok(Math.abs(fused.loss - sep.loss) <= tol * Math.abs(sep.loss), `${D.engine} loss`);
      assert.ok(relErr(fused.grad, sep.grad) <= tol, `${D.engine} gradient`);
      vs.forEach((_, k) => assert.ok(relErr(fused.hvps[k], hv[k]) <= tol, `${D.engine} HVP ${k}: ${relErr(fused.hvps[k], hv[k])}`));
      assert.deepEqual(D.gradAndHvp(w, []).hvps, []);
    }
  });

  test("counters count as the tfjs engine's: per vector, one call per batched request", () => {
    const run = (D: Derivatives): Derivatives["counters"] => {
      const vs = [rng.normals(D.dim), rng.normals(D.dim), rng.normals(D.dim)];
      D.loss(points[0]);
      D.lossMany(points);
      D.lossAndGrad(points[0]);
      D.gradMany(points.slice(0, 2));
      D.hvp(points[0], vs);
      D.hvp(points[0], []);
      D.third(points[0], vs.slice(0, 2), vs.slice(1, 3));
      D.gradAndHvp(points[1], vs.slice(0, 1));
      return { ...D.counters };
    };
    const f = run(derivatives(objective, { engine: "f64" }));
    assert.deepEqual(f, run(tfDerivatives(objective)));
    assert.deepEqual(f, { losses: 5, gradients: 4, hvps: 4, thirds: 2, calls: 7 });
  });

  test("bad input is a clear error", () => {
    const D = derivatives(objective, { engine: "f64" });
    assert.throws(() => D.lossAndGrad(new Float64Array(3)), /parameter vector has length 3, expected 51/);
    assert.throws(() => D.hvp(points[0], [new Float64Array(2)]), /vs\[0\] has length 2/);
    assert.throws(() => D.third(points[0], [points[1]], []), /1 u vectors but 0 v vectors/);
  });
});

describe("engine selection", () => {
  const saved = process.env.FLOWLAB_ENGINE;
  after(() => {
    if (saved === undefined) delete process.env.FLOWLAB_ENGINE;
    else process.env.FLOWLAB_ENGINE = saved;
  });
  type Obj = ReturnType<typeof supervisedObjective>;
  let small: Obj, big: Obj, q: ReturnType<typeof quadratic>;
  before(() => {
    small = supervisedObjective(mlp({ widths: [2, 3, 1], activation: "tanh", bias: true }), "mse", { X: new Float32Array(8), Y: new Float32Array(4), n: 4, d: 2, c: 1 });
    // n · (10·300 + 300·1) multiply-adds, just above the threshold.
    const nBig = Math.floor(F64_MAX_MULTIPLY_ADDS / 3300) + 1;
    big = supervisedObjective(mlp({ widths: [10, 300, 1], activation: "tanh", bias: true }), "mse", { X: new Float32Array(nBig * 10), Y: new Float32Array(nBig), n: nBig, d: 10, c: 1 });
    q = quadratic([2, 1]);
  });
  after(() => [small, big, q].forEach((o) => o.dispose()));

  test("auto: f64 for small MLPs, tfjs above the threshold and for objectives that are not MLPs", () => {
    delete process.env.FLOWLAB_ENGINE;
    assert.equal(derivatives(small).engine, "f64");
    assert.equal(resolveEngine(big), "tfjs");
    const Dq = derivatives(q);
    assert.equal(Dq.engine, "tfjs");
    assert.equal(Dq.dtype, "float32");
  });

  test("FLOWLAB_ENGINE overrides auto; the option overrides FLOWLAB_ENGINE; bad values and impossible choices are errors", () => {
    process.env.FLOWLAB_ENGINE = "tfjs";
    assert.equal(derivatives(small).engine, "tfjs");
    assert.equal(derivatives(small, { engine: "f64" }).engine, "f64");
    process.env.FLOWLAB_ENGINE = "f64";
    assert.equal(resolveEngine(big), "f64");
    assert.throws(() => derivatives(q), /engine f64 needs a supervised MLP objective/);
    process.env.FLOWLAB_ENGINE = "auto";
    assert.equal(derivatives(q).engine, "tfjs");
    process.env.FLOWLAB_ENGINE = "float64";
    assert.throws(() => derivatives(small), /FLOWLAB_ENGINE must be one of auto, f64, tfjs; got "float64"/);
    assert.throws(() => derivatives(small, { engine: "gpu" as "f64" }), /engine option must be one of auto, f64, tfjs; got "gpu"/);
  });
});
