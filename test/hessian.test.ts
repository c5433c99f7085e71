/**
 * Dense Hessians of small MLPs through `tfDerivatives`, for every activation and every loss, against an independent
 * float64 reference (test/reference-mlp.ts: plain-JS forward pass and hand-written backprop; H e_j by a central
 * difference of that gradient, h = 1e-5, error ~ h²·|∇³L| + ε₆₄|∇L|/h ≈ 1e-10, far below float32 noise).
 *
 * Tolerances: tfjs computes in float32, so each Hessian entry carries roundoff of order ε₃₂ ≈ 6e-8 times the size of
 * the terms it sums (a few hundred products of O(1) weights, activations and curvatures). We allow
 * |H_tf − H_ref| ≤ 1e-5·max|H_ref| + 1e-4·|H_ref| entrywise; measured worst errors (FLOWLAB_VERBOSE=1) are
 * ≲ 3e-7·max|H|, some 30× below. A gradient taken from a saved output, by contrast, is off by O(1) or throws; the
 * last test checks that the Hessian comparison catches that.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { tfDerivatives, type Derivatives } from "../src/autodiff/derivatives";
import { withTfjsGradient } from "../src/autodiff/gradients";
import { ACTIVATIONS, type Activation } from "../src/models/activations";
import { initParams } from "../src/models/init";
import { LOSSES, type LossName } from "../src/models/losses";
import { mlp } from "../src/models/mlp";
import { supervisedObjective, type Dataset } from "../src/models/objective";
import { Rng } from "../src/random";
import { relErr, setup } from "./helpers";
import {
  pointAwayFromKinks,
  referenceHvp,
  referenceLoss,
  referenceLossAndGrad,
  referenceMlp,
  referenceThird,
  testDataset,
  unitVector,
  type ReferenceMlp,
} from "./reference-mlp";

const WIDTHS = [3, 4, 4, 3]; // c = 3 outputs so that mse (1/(n·c)) and half_sse (1/(2n)) differ
const N = 5;
const H_ATOL = 1e-5; // × max |H_ref|
const H_RTOL = 1e-4;
const GRAD_RTOL = 1e-5; // relative in norm
const THIRD_RTOL = 1e-4; // relative in norm; the reference's mixed differences are good to ~1e-6
/** relu and elu have kinks at 0: keep every hidden pre-activation farther from 0 than the FD steps move it. */
const KINK_MARGIN = 0.02;

const verbose = (msg: string): void => {
  if (process.env.FLOWLAB_VERBOSE) console.log(msg);
};

function dataset(loss: LossName, seed: number): Dataset {
  return testDataset(WIDTHS, N, loss, seed);
}

function point(ref: ReferenceMlp, seed: number): Float64Array {
  return pointAwayFromKinks(ref, seed, KINK_MARGIN);
}

function basis(dim: number): Float64Array[] {
  return Array.from({ length: dim }, (_, j) => {
    const e = new Float64Array(dim);
    e[j] = 1;
    return e;
  });
}

interface Setup {
  ref: ReferenceMlp;
  derivs: Derivatives;
  w: Float64Array;
  dispose(): void;
}

function build(activation: Activation, loss: LossName, bias = true, seed = 1): Setup {
  const data = dataset(loss, 100 + seed);
  const model = mlp({ widths: WIDTHS, activation, bias });
  const objective = supervisedObjective(model, loss, data);
  const ref = referenceMlp(WIDTHS, bias, activation, loss, data);
  return { ref, derivs: tfDerivatives(objective), w: point(ref, seed), dispose: () => objective.dispose() };
}

/** Worst entrywise error of H_tf against H_ref, as a fraction of the allowance (≤ 1 passes). */
function compareHessians(hTf: Float64Array[], hRef: Float64Array[]): { ratio: number; maxAbs: number; worstErr: number } {
  let maxAbs = 0;
  for (const col of hRef) for (const x of col) maxAbs = Math.max(maxAbs, Math.abs(x));
  let ratio = 0;
  let worstErr = 0;
  hRef.forEach((col, j) =>
    col.forEach((want, i) => {
      const err = Math.abs(hTf[j][i] - want);
      worstErr = Math.max(worstErr, err);
      ratio = Math.max(ratio, err / (H_ATOL * maxAbs + H_RTOL * Math.abs(want)));
    }),
  );
  return { ratio, maxAbs, worstErr };
}

describe("dense Hessians and third derivatives of small MLPs vs a float64 reference", () => {
  before(setup);

  for (const activation of ACTIVATIONS) {
    for (const loss of LOSSES) {
      test(`${activation} MLP [${WIDTHS}], ${loss}`, () => {
        const { ref, derivs, w, dispose } = build(activation, loss);
        try {
          const P = derivs.dim;
          assert.equal(P, ref.layout.size);

          // The reference's own backprop against float64 finite differences of its loss.
          const { loss: L64, grad: g64 } = referenceLossAndGrad(ref, w);
          const gFd = basis(P).map((e) => {
            const h = 1e-6;
            return (referenceLoss(ref, w.map((x, i) => x + h * e[i])) - referenceLoss(ref, w.map((x, i) => x - h * e[i]))) / (2 * h);
          });
          assert.ok(relErr(g64, gFd) < 1e-7, `reference backprop: rel err ${relErr(g64, gFd)}`);

          // Loss and gradient.
          const { loss: L32, grad: g32 } = derivs.lossAndGrad(w);
          assert.ok(Math.abs(L32 - L64) <= 1e-5 * Math.abs(L64) + 1e-7, `loss ${L32} vs ${L64}`);
          const gradErr = relErr(g32, g64);
          assert.ok(gradErr < GRAD_RTOL, `gradient rel err ${gradErr}`);

          // Dense Hessian, one batched call with all P basis vectors.
          const hTf = derivs.hvp(w, basis(P));
          const hRef = basis(P).map((e) => referenceHvp(ref, w, e));
          const { ratio, maxAbs, worstErr } = compareHessians(hTf, hRef);
          assert.ok(ratio <= 1, `Hessian: worst entry error ${worstErr.toExponential(2)} (max |H| ${maxAbs.toExponential(2)}), ${ratio.toFixed(2)}× the tolerance`);

          // Third derivatives ∇(uᵀH v) for two pairs, against mixed differences of the reference gradient.
          const rng = new Rng(7);
          const us = [unitVector(rng, P), unitVector(rng, P)];
          const vs = [unitVector(rng, P), us[0]];
          const tTf = derivs.third(w, us, vs);
          let thirdErr = 0;
          us.forEach((u, k) => {
            const want = referenceThird(ref, w, u, vs[k]);
            const err = relErr(tTf[k], want);
            thirdErr = Math.max(thirdErr, err);
            assert.ok(err < THIRD_RTOL, `third derivative pair ${k}: rel err ${err}`);
          });
          verbose(
            `${activation.padEnd(9)} ${loss.padEnd(13)} grad ${gradErr.toExponential(1)}  H: worst |err| ${worstErr.toExponential(1)} ` +
              `of max|H| ${maxAbs.toExponential(1)} (${ratio.toFixed(3)}× tol)  third ${thirdErr.toExponential(1)}`,
          );
        } finally {
          dispose();
        }
      });
    }
  }

  test("a model without biases uses the same layout as the reference", () => {
    const { ref, derivs, w, dispose } = build("tanh", "half_sse", false, 3);
    try {
      assert.equal(derivs.dim, 3 * 4 + 4 * 4 + 4 * 3);
      const hTf = derivs.hvp(w, basis(derivs.dim));
      const hRef = basis(derivs.dim).map((e) => referenceHvp(ref, w, e));
      assert.ok(compareHessians(hTf, hRef).ratio <= 1);
      assert.ok(relErr(derivs.lossAndGrad(w).grad, referenceLossAndGrad(ref, w).grad) < GRAD_RTOL);
    } finally {
      dispose();
    }
  });

  test("ensemble calls (lossMany, gradMany, batched hvp) equal per-point calls", () => {
    const { ref, derivs, w, dispose } = build("swish", "cross_entropy", true, 5);
    try {
      const rng = new Rng(11);
      const ws = [w, ...[1, 2, 3].map(() => Float64Array.from(Float32Array.from(w.map((x) => x + 0.3 * rng.normal()))))];
      const many = derivs.lossMany(ws);
      const { losses, grads } = derivs.gradMany(ws);
      ws.forEach((wk, k) => {
        const single = derivs.lossAndGrad(wk);
        const L64 = referenceLoss(ref, wk);
        assert.ok(Math.abs(many[k] - single.loss) <= 1e-6 * Math.abs(single.loss), `lossMany[${k}] ${many[k]} vs ${single.loss}`);
        assert.ok(Math.abs(losses[k] - single.loss) <= 1e-6 * Math.abs(single.loss), `gradMany loss[${k}]`);
        assert.ok(Math.abs(derivs.loss(wk) - L64) <= 1e-5 * Math.abs(L64), `loss(w${k}) vs float64`);
        assert.ok(relErr(grads[k], single.grad) < 1e-6, `gradMany[${k}] vs lossAndGrad: ${relErr(grads[k], single.grad)}`);
        assert.ok(relErr(grads[k], referenceLossAndGrad(ref, wk).grad) < GRAD_RTOL, `gradMany[${k}] vs float64`);
      });
      const vs = [unitVector(rng, derivs.dim), unitVector(rng, derivs.dim), unitVector(rng, derivs.dim)];
      const batched = derivs.hvp(w, vs);
      vs.forEach((v, k) => assert.ok(relErr(batched[k], derivs.hvp(w, [v])[0]) < 1e-6, `batched hvp ${k}`));
    } finally {
      dispose();
    }
  });

  test("third(w, u, v) is the derivative of hvp(·, v) along u (tfjs on both sides)", () => {
    // (H(w + h u) v − H(w − h u) v) / 2h = ∇(uᵀH v) + O(h²); in float32 the difference adds ~ε₃₂|w|/h ≈ 1e-5.
    for (const [activation, loss] of [["tanh", "mse"], ["swish", "cross_entropy"], ["gelu", "half_sse"]] as const) {
      const { derivs, w, dispose } = build(activation, loss, true, 9);
      try {
        const rng = new Rng(13);
        const u = unitVector(rng, derivs.dim);
        const v = unitVector(rng, derivs.dim);
        const h = 1e-2;
        const [plus] = derivs.hvp(w.map((x, i) => x + h * u[i]), [v]);
        const [minus] = derivs.hvp(w.map((x, i) => x - h * u[i]), [v]);
        const fd = plus.map((p, i) => (p - minus[i]) / (2 * h));
        const err = relErr(derivs.third(w, [u], [v])[0], fd);
        verbose(`${activation}/${loss}: third vs FD of hvp, rel err ${err.toExponential(1)}`);
        assert.ok(err < 1e-3, `${activation}/${loss}: third vs FD of hvp, rel err ${err}`);
      } finally {
        dispose();
      }
    }
  });

  test("the Hessian comparison fails when a model's kernel keeps tfjs's own gradient", () => {
    const cases: [Activation, LossName, string][] = [
      ["tanh", "mse", "Tanh"],
      ["swish", "half_sse", "Sigmoid"],
      ["elu", "mse", "Elu"],
      ["identity", "cross_entropy", "Exp"],
      ["identity", "cross_entropy", "Equal"], // the mask in the max shift of logsumexp
    ];
    for (const [activation, loss, kernel] of cases) {
      const { ref, derivs, w, dispose } = build(activation, loss);
      try {
        let outcome = "throws";
        try {
          const hTf = withTfjsGradient(kernel, () => derivs.hvp(w, basis(derivs.dim)));
          const { ratio } = compareHessians(hTf, basis(derivs.dim).map((e) => referenceHvp(ref, w, e)));
          outcome = `${ratio.toFixed(0)}× the tolerance`;
          assert.ok(ratio > 1, `${activation}/${loss} passes with tfjs's ${kernel} gradient`);
        } catch (e) {
          if (e instanceof assert.AssertionError) throw e;
        }
        verbose(`${activation}/${loss} with tfjs's ${kernel} gradient: ${outcome}`);
      } finally {
        dispose();
      }
    }
  });
});

test("looped and batched ensemble evaluation agree (values, HVPs)", () => {
  const rng = new Rng(3);
  const spec = { widths: [4, 6, 3], activation: "tanh" as const, bias: true };
  const data = { X: Float32Array.from(rng.normals(7 * 4)), Y: Float32Array.from(rng.normals(7 * 3)), n: 7, d: 4, c: 3 };
  const w = initParams(mlp(spec).layout, { scheme: "torch" }, 0);
  const vs = [rng.normals(w.length), rng.normals(w.length), rng.normals(w.length)];
  const [a, b] = (["batched", "looped"] as const).map((mode) => {
    const obj = supervisedObjective(mlp(spec, mode), "half_sse", data);
    const D = tfDerivatives(obj);
    const out = { losses: D.lossMany(vs), hv: D.hvp(w, vs) };
    obj.dispose();
    return out;
  });
  a.losses.forEach((x, i) => assert.ok(Math.abs(x - b.losses[i]) < 1e-5 * Math.abs(x)));
  a.hv.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - b.hv[i][j]) < 1e-4 * (1 + Math.abs(x)), `hv[${i}][${j}]`)));
});
