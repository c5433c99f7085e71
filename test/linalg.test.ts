import { test } from "node:test";
import assert from "node:assert/strict";
import { combine, gram, orthonormalize, symEig } from "../src/linalg/dense";
import { axpy, dot, norm } from "../src/linalg/vec";
import { Rng } from "../src/random";

const v = (...xs: number[]): Float64Array => Float64Array.from(xs);

test("dot, norm, axpy, combine, weighted inner product", () => {
  assert.equal(dot(v(1, 2, 3), v(4, -5, 6)), 12);
  assert.equal(dot(v(1, 2, 3), v(4, -5, 6), v(1, 2, 0.5)), 4 - 20 + 9);
  assert.equal(norm(v(3, 4)), 5);
  assert.equal(norm(v(3, 4), v(4, 1)), Math.sqrt(36 + 16));
  assert.deepEqual(axpy(2, v(1, 1), v(1, 2)), v(3, 4));
  assert.deepEqual(combine([v(1, 0), v(0, 1), v(1, 1)], [2, 3, -1]), v(1, 2));
  assert.throws(() => dot(v(1), v(1, 2)), /lengths 1 and 2/);
});

test("symEig: closed form 2×2, descending order, reconstruction", () => {
  // [[2, 1], [1, 2]]: eigenvalues 3 (1,1)/√2 and 1 (1,−1)/√2.
  const e = symEig([
    [2, 1],
    [1, 2],
  ]);
  assert.deepEqual([...e.values].map((x) => +x.toFixed(12)), [3, 1]);
  assert.ok(Math.abs(Math.abs(e.vectors[0][0]) - Math.SQRT1_2) < 1e-12);
  assert.ok(Math.abs(e.vectors[0][0] - e.vectors[0][1]) < 1e-12);

  // Random symmetric 7×7 with negative eigenvalues: sorted algebraically, A = Σ λ v vᵀ.
  const rng = new Rng(3);
  const n = 7;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.normal();
  const { values, vectors } = symEig(a, n);
  for (let i = 1; i < n; i++) assert.ok(values[i - 1] >= values[i]);
  assert.ok(values[n - 1] < 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < n; l++) s += values[l] * vectors[l][i] * vectors[l][j];
      assert.ok(Math.abs(s - a[i * n + j]) < 1e-12, `reconstruction [${i}, ${j}]`);
      assert.ok(Math.abs(dot(vectors[i], vectors[j]) - (i === j ? 1 : 0)) < 1e-12, "orthonormal eigenvectors");
    }
  }
});

test("orthonormalize: orthonormal, same span, drops dependent vectors, keeps companions in step", () => {
  const rng = new Rng(5);
  const dim = 30;
  const a = rng.normals(dim);
  const b = rng.normals(dim);
  const vs = [a, b, combine([a, b], [2, -3]).map((x, i) => x + 1e-14 * i), rng.normals(dim), Float64Array.from(a)];
  // A linear map applied to each v gives companions; they must stay A·(output vectors).
  const Amap = (x: Float64Array): Float64Array => x.map((xi, i) => (i + 1) * xi + (i > 0 ? x[i - 1] : 0));
  const res = orthonormalize(vs, { companions: vs.map(Amap) });
  assert.deepEqual(res.kept, [0, 1, 3], "the combination of a and b and the copy of a are dependent");
  const G = gram(res.vectors, res.vectors);
  G.forEach((row, i) => row.forEach((g, j) => assert.ok(Math.abs(g - (i === j ? 1 : 0)) < 1e-14, `Gram [${i}, ${j}] = ${g}`)));
  res.vectors.forEach((q, i) => {
    const want = Amap(q);
    assert.ok(want.every((x, l) => Math.abs(x - res.companions[i][l]) < 1e-12), "companion = A·q");
  });
  // Span: a and b are reproduced by their projections onto the result.
  for (const x of [a, b]) {
    const proj = combine(res.vectors, res.vectors.map((q) => dot(q, x)));
    assert.ok(norm(proj.map((p, i) => p - x[i])) < 1e-12 * norm(x));
  }
  // Against a block: the result is orthogonal to it.
  const against = res.vectors.slice(0, 2);
  const more = orthonormalize([a, rng.normals(dim)], { against });
  assert.equal(more.vectors.length, 1, "a lies in span(against)");
  for (const q of against) assert.ok(Math.abs(dot(q, more.vectors[0])) < 1e-14);
});

test("orthonormalize in a weighted metric gives Vᵀ M V = I", () => {
  const rng = new Rng(9);
  const dim = 12;
  const M = Float64Array.from({ length: dim }, () => 0.1 + 10 * rng.uniform());
  const res = orthonormalize([rng.normals(dim), rng.normals(dim), rng.normals(dim)], { weight: M });
  const G = gram(res.vectors, res.vectors, M);
  G.forEach((row, i) => row.forEach((g, j) => assert.ok(Math.abs(g - (i === j ? 1 : 0)) < 1e-13)));
  const euclid = gram(res.vectors, res.vectors).flatMap((row, i) => row.filter((_, j) => j !== i));
  assert.ok(Math.max(...euclid.map(Math.abs)) > 1e-2, "the metric mattered: not Euclidean-orthogonal");
});
