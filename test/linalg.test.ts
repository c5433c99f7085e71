import { test } from "node:test";
import assert from "node:assert/strict";
import { combine, combineMany, gram, gramFlat, orthonormalize, symEig } from "../src/linalg/dense";
import { dotBlock, F64_KERNEL, product } from "../src/linalg/product";
import { WasmDot } from "../src/linalg/wasm-dot";
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

/** C (+)= X Yᵀ by the definition, operands as stored or transposed. */
function naiveProduct(P: number, Q: number, len: number, X: Float64Array, xo: number, xT: boolean, Y: Float64Array, yo: number, yT: boolean, C: Float64Array, co: number, acc: boolean): Float64Array {
  const out = Float64Array.from(C);
  for (let p = 0; p < P; p++) {
    for (let q = 0; q < Q; q++) {
      let s = acc ? C[co + p * Q + q] : 0;
      for (let t = 0; t < len; t++) s += (xT ? X[xo + t * P + p] : X[xo + p * len + t]) * (yT ? Y[yo + t * Q + q] : Y[yo + q * len + t]);
      out[co + p * Q + q] = s;
    }
  }
  return out;
}

// Odd and even sizes hit every remainder path of the 2×2 (and 2×4 for dotT) blocks; len 0 and 1 are the edge cases.
const SHAPES = [[1, 1, 1], [2, 2, 2], [3, 5, 7], [2, 7, 3], [7, 2, 4], [128, 16, 16], [16, 1, 128], [128, 1, 16], [128, 16, 1], [9, 6, 0], [33, 30, 65]];

test("product: C (+)= X Yᵀ for every shape remainder, operand layout and acc, touching nothing outside C", () => {
  // Node ≥ 20 has WebAssembly SIMD; FLOWLAB_F64_KERNEL=js runs this same test on the JavaScript path.
  assert.equal(F64_KERNEL, process.env.FLOWLAB_F64_KERNEL === "js" ? "js" : "wasm-simd");
  const rng = new Rng(11);
  for (const [P, Q, len] of SHAPES) {
    for (const [xT, yT, acc] of [[false, false, false], [true, true, true], [true, true, false], [false, true, true], [true, false, false]] as const) {
      const X = rng.normals(P * len + 3);
      const Y = rng.normals(Q * len + 5);
      const C = rng.normals(P * Q + 4);
      const want = naiveProduct(P, Q, len, X, 3, xT, Y, 5, yT, C, 2, acc);
      product(P, Q, len, X, 3, xT, Y, 5, yT, C, 2, acc);
      for (let i = 0; i < C.length; i++) {
        assert.ok(Math.abs(C[i] - want[i]) <= 1e-14 * (1 + len) * (1 + Math.abs(want[i])), `${P}×${Q}×${len} xT=${xT} yT=${yT} acc=${acc}: C[${i}] = ${C[i]}, want ${want[i]}`);
      }
    }
  }
});

test("product kernels: the wasm dot and dotT and the JavaScript dotBlock agree with the definition", () => {
  const wasm = WasmDot.create();
  assert.ok(wasm, "the wasm kernel compiles");
  const rng = new Rng(12);
  for (const [P, Q, len] of SHAPES) {
    const X = rng.normals(P * len);
    const Y = rng.normals(Q * len);
    const C0 = rng.normals(P * Q);
    for (const acc of [false, true]) {
      const want = naiveProduct(P, Q, len, X, 0, false, Y, 0, false, C0, 0, acc);
      const wantT = naiveProduct(P, Q, len, X, 0, true, Y, 0, true, C0, 0, acc);
      const js = Float64Array.from(C0);
      dotBlock(X, 0, P, Y, 0, Q, len, js, 0, acc);
      const size = P * len + Q * len + P * Q;
      for (const [kernel, expect] of [["dot", want], ["dotT", wantT]] as const) {
        const M = wasm.f64(size);
        M.set(X, 0);
        M.set(Y, P * len);
        M.set(C0, P * len + Q * len);
        if (kernel === "dot") wasm.dot(0, P, P * len, Q, len, P * len + Q * len, acc);
        else wasm.dotT(0, P, P * len, Q, len, P * len + Q * len, acc);
        const got = wasm.f64(size).subarray(P * len + Q * len, size);
        got.forEach((g, i) => assert.ok(Math.abs(g - expect[i]) <= 1e-14 * (1 + len) * (1 + Math.abs(expect[i])), `wasm ${kernel} ${P}×${Q}×${len} acc=${acc} [${i}]`));
      }
      js.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-14 * (1 + len) * (1 + Math.abs(want[i])), `dotBlock ${P}×${Q}×${len} acc=${acc} [${i}]`));
    }
  }
});

test("combineMany and gramFlat equal combine and gram; the same inputs give bit-identical outputs", () => {
  const rng = new Rng(13);
  const vs = Array.from({ length: 9 }, () => rng.normals(57));
  const coeffs = Array.from({ length: 4 }, () => rng.normals(11)); // longer than vs: the first 9 are used
  const many = combineMany(vs, coeffs);
  coeffs.forEach((c, j) => {
    const one = combine(vs, c.subarray(0, 9));
    one.forEach((x, i) => assert.ok(Math.abs(x - many[j][i]) < 1e-13, `combineMany[${j}][${i}]`));
  });
  assert.deepEqual(combineMany(vs, coeffs), many);
  const g = gram(vs, vs.slice(2));
  const flat = gramFlat(vs, vs.slice(2));
  g.forEach((row, i) => row.forEach((x, j) => assert.ok(Math.abs(x - flat[i * 7 + j]) < 1e-12, `gramFlat[${i}, ${j}]`)));
  assert.throws(() => combineMany(vs, [new Float64Array(3)]), /coefficient row 0 has 3 entries for 9 vectors/);
});
