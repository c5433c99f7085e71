/** Eigen tracking along a trajectory: clusters at the edge are never split, vectors keep their signs. */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { setup } from "./helpers";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { EigenTracker, extrapolateBlock } from "../src/curvature/tracker";
import { quadratic } from "../src/models/toy";
import { dot } from "../src/linalg/vec";

before(setup);

test("the tracker grows k until the smallest tracked eigenvalue is below the threshold", () => {
  // Effective eigenvalues (GD, η = 1): a cluster of four above 1.5, then a gap.
  const q = quadratic([2.1, 2.0, 2.0, 1.6, 1.0, 0.5, 0.2, 0.1]);
  const tracker = new EigenTracker({ k: 2, growAbove: 1.5, maxK: 8, tol: 1e-6, seed: 0 });
  const w = Float64Array.from([0.3, -0.2, 0.1, 0.4, -0.5, 0.2, 0.1, 0.3]);
  const s = tracker.solve(tfDerivatives(q), w);
  assert.ok(s.values.length >= 5, `tracked ${s.values.length} pairs`);
  assert.deepEqual(Array.from(s.values.slice(0, 5)).map((v) => Number(v.toFixed(4))), [2.1, 2, 2, 1.6, 1]);
  q.dispose();
});

test("a cluster is reported whole when k cuts through it, and vectors keep their signs between solves", () => {
  const q = quadratic([3, 2, 2, 2, 0.5, 0.1]);
  const tracker = new EigenTracker({ k: 2, growAbove: 1.5, maxK: 6, tol: 1e-6, seed: 1 });
  const D = tfDerivatives(q);
  const w = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const first = tracker.solve(D, w);
  const second = tracker.solve(D, w.map((x) => x * 1.01));
  // The three 2's span the same space in both solves; the isolated top vector keeps its sign.
  assert.ok(second.values.length >= 5);
  assert.ok(dot(first.y[0], second.y[0]) > 0.999, "top eigenvector sign-aligned");
  first.y.forEach((v, i) => {
    if (i < second.y.length) assert.ok(dot(v, second.y[i]) > -1e-9, `vector ${i} flipped`);
  });
  // The warm solve is cheaper than the cold one.
  assert.ok(second.matvecs < first.matvecs, `warm ${second.matvecs} vs cold ${first.matvecs} matvecs`);
  q.dispose();
});

test("extrapolateBlock: 2·Y − Y₀Q predicts the next eigenbasis to O(dt²), whatever the order and signs of Y₀", () => {
  // A(t) = R(t) diag(λ) R(t)ᵀ with R(t) a product of rotations in every coordinate plane, each at its own rate.
  const lambdas = Array.from({ length: 12 }, (_, i) => (i < 3 ? [2, 1.6, 1.3][i] : 1 / (i + 1)));
  const dim = lambdas.length;
  const topAt = (t: number): Float64Array[] => {
    let R: number[][] = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? 1 : 0)));
    for (let p = 0; p < dim; p++) {
      for (let q = p + 1; q < dim; q++) {
        const angle = 0.2 * t * Math.sin(1 + 3 * p + 7 * q);
        const [c, s] = [Math.cos(angle), Math.sin(angle)];
        R = R.map((row) => row.map((x, j) => (j === p ? c * x - s * row[q] : j === q ? s * row[p] + c * x : x)));
      }
    }
    return [0, 1, 2].map((j) => Float64Array.from(R, (row) => row[j])); // eigenvectors of λ₀, λ₁, λ₂
  };
  // Distance of v from span(basis) (basis orthonormal), relative to ‖v‖.
  const offSpan = (v: Float64Array, basis: Float64Array[]): number => {
    const r = Float64Array.from(v);
    for (const b of basis) {
      const c = dot(b, r);
      r.forEach((_, i) => (r[i] -= c * b[i]));
    }
    return Math.sqrt(dot(r, r) / dot(v, v));
  };
  const h = 0.05;
  const [before, now, next] = [topAt(0), topAt(h), topAt(2 * h)];
  // The earlier block reordered and with a flipped sign: the polar factor Q absorbs both.
  const shuffled = [before[2].map((x) => -x), before[0], before[1]];
  const predicted = extrapolateBlock(now, shuffled, 3);
  for (let j = 0; j < 3; j++) {
    const plainError = offSpan(now[j], next);
    const predictedError = offSpan(predicted[j], next);
    assert.ok(predictedError < 0.1 * plainError, `vector ${j}: extrapolated ${predictedError.toExponential(2)} vs plain ${plainError.toExponential(2)}`);
  }
  // Nothing to extrapolate from, or a subspace that turned too far: the block as it is.
  assert.equal(extrapolateBlock(now, [], 3), now);
  assert.equal(extrapolateBlock(now, topAt(40), 3), now);
});
