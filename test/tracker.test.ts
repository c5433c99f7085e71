/** Eigen tracking along a trajectory: clusters at the edge are never split, vectors keep their signs. */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { setup } from "./helpers";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { EigenTracker } from "../src/curvature/tracker";
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
