import { test } from "node:test";
import assert from "node:assert/strict";
import { applyOperator, gramOperator, solveSdcp, type SdcpResult } from "../src/flows/sdcp";
import { projectPsd, solvePsd, symmetricEigen } from "../src/linalg/psd";
import { Rng } from "../src/random";
import { assertClose, relErr } from "./helpers";

type Mat = number[][];

// ---- small dense helpers for building instances with known solutions ----

const zeros = (k: number): Mat => Array.from({ length: k }, () => new Array<number>(k).fill(0));
const flat = (X: Mat): number[] => X.flat();
const inner = (X: Mat, Y: Mat): number => X.reduce((s, row, i) => s + row.reduce((t, x, j) => t + x * Y[i][j], 0), 0);
const frob = (X: Mat): number => Math.sqrt(inner(X, X));
const add = (X: Mat, Y: Mat, c = 1): Mat => X.map((row, i) => row.map((x, j) => x + c * Y[i][j]));
const minEig = (X: Mat): number => symmetricEigen(X.flat(), X.length).values[0];
const objective = (A: Mat, B: Float64Array, X: Mat): number => 0.5 * inner(X, applyOperator(B, X)) + inner(A, X);

/** Columns of a random k×k orthogonal matrix (Gram–Schmidt on Gaussian vectors). */
function randomOrthogonal(k: number, rng: Rng): number[][] {
  const cols: number[][] = [];
  while (cols.length < k) {
    const v = Array.from(rng.normals(k));
    for (const c of cols) {
      const d = c.reduce((s, ci, i) => s + ci * v[i], 0);
      c.forEach((ci, i) => (v[i] -= d * ci));
    }
    const n = Math.hypot(...v);
    cols.push(v.map((x) => x / n));
  }
  return cols;
}

/** Σ_c λ_c u_c u_cᵀ over the given columns (k×k). */
function fromSpectrum(k: number, cols: number[][], lambdas: number[]): Mat {
  const X = zeros(k);
  cols.forEach((u, c) => {
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) X[i][j] += lambdas[c] * u[i] * u[j];
  });
  return X;
}

/** Pair gradients ∇M_ij (packed, i ≤ j) of dimension dim spanning a random subspace of the given rank. */
function randomGrads(k: number, rank: number, dim: number, rng: Rng): Float64Array[][] {
  const base = Array.from({ length: rank }, () => rng.normals(dim));
  const grads: Float64Array[][] = [];
  for (let i = 0; i < k; i++) {
    grads.push([]);
    for (let j = i; j < k; j++) {
      const g = new Float64Array(dim);
      for (const b of base) {
        const c = rng.normal();
        b.forEach((x, t) => (g[t] += c * x));
      }
      grads[i].push(g);
    }
  }
  return grads;
}

interface Instance {
  A: Mat;
  B: Float64Array;
  X: Mat;
  Z: Mat;
}

/**
 * Known solution: X* ⪰ 0 of rank r, Z* ⪰ 0 with range in X*'s null space (one zero eigenvalue there
 * when not strict, so complementarity is not strict), B a Gram operator of the given rank, and
 * A = Z* − B[X*]. Then (X*, Z*) satisfies the SDCP; X* is the unique solution when B ≻ 0, and Z* is
 * unique in any case (all minimizers of a convex quadratic share B[X]).
 */
function knownInstance(k: number, r: number, rankB: number, strict: boolean, rng: Rng): Instance {
  const m = (k * (k + 1)) / 2;
  const grads = rankB === m ? randomGrads(k, m + 5, m + 5, rng) : randomGrads(k, rankB, m + 5, rng);
  const B = gramOperator(grads, 0.05 + rng.uniform());
  const U = randomOrthogonal(k, rng);
  const X = fromSpectrum(k, U.slice(0, r), U.slice(0, r).map(() => 0.5 + 1.5 * rng.uniform()));
  const Z = fromSpectrum(
    k,
    U.slice(r),
    U.slice(r).map((_, c) => (!strict && c === 0 ? 0 : 0.5 + 1.5 * rng.uniform())),
  );
  return { A: add(Z, applyOperator(B, X), -1), B, X, Z };
}

/** KKT of a returned solution, checked independently of the solver's own report. */
function assertKkt(res: SdcpResult, A: Mat, B: Float64Array, tol: number, what: string): void {
  const Z = add(A, applyOperator(B, res.X));
  const scale = frob(A) + frob(res.X) * (frob(Z) + frob(A)) + 1e-300;
  assert.ok(minEig(res.X) >= -tol * scale, `${what}: X not PSD (${minEig(res.X)})`);
  assert.ok(minEig(Z) >= -tol * scale, `${what}: Z not PSD (${minEig(Z)})`);
  assert.ok(Math.abs(inner(res.X, Z)) <= tol * scale * (frob(res.X) + 1), `${what}: ⟨X, Z⟩ = ${inner(res.X, Z)}`);
  assert.ok(res.complementarity <= tol && res.dualInfeasibility <= tol && res.primalInfeasibility <= tol, `${what}: reported residuals ${JSON.stringify(res)}`);
}

// ---- src/linalg/psd.ts ----

test("symmetricEigen: reconstruction, orthonormality and ascending order, incl. repeated eigenvalues", () => {
  const rng = new Rng(11);
  const cases: { n: number; a: Float64Array }[] = [];
  for (const n of [1, 2, 3, 5, 8, 21]) {
    const g = rng.normals(n * n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j] + g[j * n + i];
    cases.push({ n, a });
  }
  // Identity plus a rank-one term: an (n−1)-fold eigenvalue; and the zero matrix.
  const u = rng.normals(6);
  cases.push({ n: 6, a: Float64Array.from({ length: 36 }, (_, t) => (t % 7 === 0 ? 1 : 0) + u[Math.floor(t / 6)] * u[t % 6]) });
  cases.push({ n: 4, a: new Float64Array(16) });
  for (const { n, a } of cases) {
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) assert.ok(values[j - 1] <= values[j], "ascending");
    const scale = Math.max(1, ...Array.from(a, Math.abs));
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        let rec = 0;
        let gram = 0;
        for (let j = 0; j < n; j++) {
          rec += vectors[r * n + j] * values[j] * vectors[c * n + j];
          gram += vectors[j * n + r] * vectors[j * n + c];
        }
        assertClose(rec, a[r * n + c], 0, 1e-13 * scale * n, `V Λ Vᵀ (${n})`);
        assertClose(gram, r === c ? 1 : 0, 0, 1e-13 * n, `VᵀV (${n})`);
      }
    }
  }
});

test("projectPsd: Π(a) ⪰ 0, a − Π(a) ⪯ 0 and ⟨Π(a), a − Π(a)⟩ = 0", () => {
  const rng = new Rng(12);
  for (const n of [2, 4, 6]) {
    const g = rng.normals(n * n);
    const a = Float64Array.from({ length: n * n }, (_, t) => g[t] + g[(t % n) * n + Math.floor(t / n)]);
    const p = projectPsd(a, n);
    const rest = a.map((x, t) => x - p[t]);
    assert.ok(symmetricEigen(p, n).values[0] >= -1e-13);
    assert.ok(symmetricEigen(rest, n).values[n - 1] <= 1e-13);
    assertClose(
      p.reduce((s, x, t) => s + x * rest[t], 0),
      0,
      0,
      1e-12,
      "complementarity of the Moreau decomposition",
    );
  }
});

test("solvePsd: Cholesky on PD systems, minimum-norm solution on singular ones", () => {
  const rng = new Rng(13);
  const n = 7;
  for (const rank of [n, 4]) {
    const g = Array.from({ length: rank }, () => rng.normals(n));
    const a = new Float64Array(n * n);
    for (const v of g) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += v[i] * v[j];
    // b in the range of a, so a x = b is consistent; the minimum-norm x lies in the range too.
    const coef = rng.normals(rank);
    const b = new Float64Array(n);
    g.forEach((v, c) => v.forEach((x, i) => (b[i] += coef[c] * x)));
    const x = solvePsd(a, b, n);
    const ax = Float64Array.from({ length: n }, (_, i) => a.subarray(i * n, (i + 1) * n).reduce((s, aij, j) => s + aij * x[j], 0));
    assert.ok(relErr(ax, b) < 1e-10, `residual, rank ${rank}`);
    if (rank < n) {
      // Orthogonal to the null space: a random null vector is z − P_range z.
      const { values, vectors } = symmetricEigen(a, n);
      for (let j = 0; j < n; j++) {
        if (values[j] > 1e-8 * values[n - 1]) continue;
        const dot = x.reduce((s, xi, i) => s + xi * vectors[i * n + j], 0);
        assertClose(dot, 0, 0, 1e-10 * Math.hypot(...x), "x ⊥ null(a)");
      }
    }
  }
});

// ---- gramOperator ----

test("gramOperator: ⟨X, B[X]⟩ = scale·‖Σ_ij X_ij ∇M_ij‖², square and packed input agree, B[X] symmetric", () => {
  const rng = new Rng(21);
  for (const k of [1, 2, 3, 5]) {
    const dim = 9;
    const packed = randomGrads(k, dim, dim, rng);
    const square = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (j >= i ? packed[i][j - i] : rng.normals(dim)))); // below-diagonal junk is ignored
    const scale = 0.37;
    const B = gramOperator(packed, scale);
    assert.deepEqual(Array.from(gramOperator(square, scale)), Array.from(B));
    for (let trial = 0; trial < 3; trial++) {
      const G = Array.from({ length: k }, () => Array.from(rng.normals(k)));
      const X = G.map((row, i) => row.map((x, j) => x + G[j][i])); // symmetric, indefinite
      const sum = new Float64Array(dim);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const g = packed[Math.min(i, j)][Math.abs(j - i)];
          g.forEach((x, t) => (sum[t] += X[i][j] * x));
        }
      }
      const expected = scale * sum.reduce((s, x) => s + x * x, 0);
      const BX = applyOperator(B, X);
      assertClose(inner(X, BX), expected, 1e-12, 1e-12, `⟨X, B[X]⟩ (k = ${k})`);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) assertClose(BX[i][j], BX[j][i], 1e-13, 1e-13, "B[X] symmetric");
    }
  }
  assert.throws(() => gramOperator([[new Float64Array(2)], [new Float64Array(2), new Float64Array(2)]], 1), /k×k or packed/);
});

// ---- solveSdcp ----

test("k = 1: closed form X = max(0, −A/B) and the degenerate cases", () => {
  const solve = (a: number, b: number, maxNorm?: number) => solveSdcp([[a]], Float64Array.of(b), { maxNorm });
  const r = solve(-2, 4);
  assert.equal(r.status, "solved");
  assertClose(r.X[0][0], 0.5, 1e-15);
  assert.equal(r.complementarity, 0);

  for (const [a, b] of [
    [3, 4],
    [0, 4],
    [0, 0],
    [2, 0],
  ]) {
    const z = solve(a, b);
    assert.equal(z.status, "zero", `A = ${a}, B = ${b}`);
    assert.deepEqual(z.X, [[0]]);
  }
  const u = solve(-1, 0);
  assert.equal(u.status, "unbounded");
  assert.deepEqual(u.X, [[0]]);
  assert.deepEqual(u.certificate, [[1]]);
  // A negative B (not a Gram operator) is clipped to 0, and reported.
  const neg = solve(-1, -3);
  assert.equal(neg.status, "unbounded");
  assert.ok(neg.clippedEigenvalue > 0);
  // The optimum beyond maxNorm counts as unbounded.
  assert.equal(solve(-1, 1e-3, 100).status, "unbounded");
  assert.equal(solve(-1, 1e-3, 1e4).status, "solved");
});

test("random instances with known solutions, k = 2..6, every rank r = 0..k, B ≻ 0: X = X*", () => {
  const rng = new Rng(31);
  for (let k = 2; k <= 6; k++) {
    const m = (k * (k + 1)) / 2;
    for (let r = 0; r <= k; r++) {
      for (const strict of [true, false]) {
        const inst = knownInstance(k, r, m, strict, rng);
        const res = solveSdcp(inst.A, inst.B);
        const what = `k = ${k}, r = ${r}, ${strict ? "strict" : "non-strict"}`;
        if (r === 0) {
          assert.equal(res.status, "zero", what);
          assert.ok(frob(res.X) === 0, what);
          continue;
        }
        assert.equal(res.status, "solved", what);
        assert.ok(relErr(flat(res.X), flat(inst.X)) < 1e-8, `${what}: ‖X − X*‖/‖X*‖ = ${relErr(flat(res.X), flat(inst.X))}`);
        assertKkt(res, inst.A, inst.B, 1e-10, what);
        assert.ok(res.iterations < 500, `${what}: ${res.iterations} iterations`);
      }
    }
  }
});

test("singular B (rank-deficient gradients): some solution, with the unique Z* = A + B[X*] and optimal value", () => {
  const rng = new Rng(32);
  for (let k = 2; k <= 6; k++) {
    const m = (k * (k + 1)) / 2;
    for (const rankB of [m - 1, m - 2, Math.max(1, m - k)]) {
      for (let r = 1; r <= k; r++) {
        const strict = r % 2 === 0;
        const inst = knownInstance(k, r, rankB, strict, rng);
        const res = solveSdcp(inst.A, inst.B);
        const what = `k = ${k}, rank B = ${rankB}, r = ${r}`;
        assert.equal(res.status, "solved", what);
        assertKkt(res, inst.A, inst.B, 1e-10, what);
        const Z = add(inst.A, applyOperator(inst.B, res.X));
        const zErr = frob(add(Z, inst.Z, -1)) / (frob(inst.A) + frob(applyOperator(inst.B, inst.X)));
        assert.ok(zErr < 1e-9, `${what}: ‖Z − Z*‖ relative ${zErr}`);
        const fStar = objective(inst.A, inst.B, inst.X);
        assertClose(objective(inst.A, inst.B, res.X), fStar, 1e-9, 1e-12, `${what}: f(X) = f(X*)`);
      }
    }
  }
});

test("A ⪰ 0 gives X = 0 (status zero), whatever B is", () => {
  const rng = new Rng(41);
  for (const k of [2, 4, 6]) {
    const m = (k * (k + 1)) / 2;
    const U = randomOrthogonal(k, rng);
    const A = fromSpectrum(
      k,
      U,
      U.map((_, c) => (c === 0 ? 0 : rng.uniform())),
    ); // PSD and singular
    for (const B of [gramOperator(randomGrads(k, m, m + 1, rng), 1), gramOperator(randomGrads(k, 1, 3, rng), 1), new Float64Array(k ** 4)]) {
      const res = solveSdcp(A, B);
      assert.equal(res.status, "zero");
      assert.equal(frob(res.X), 0);
      assert.ok(res.dualInfeasibility <= 1e-15);
    }
    assert.equal(solveSdcp(zeros(k), new Float64Array(k ** 4)).status, "zero");
  }
});

/**
 * Pair gradients for which D = u uᵀ (u the last column of the rotation U) lies in the null space of B:
 * ∇M' = U ∇M Uᵀ with every ∇M_{i,k−1} = eps · noise, so ⟨D, B[D]⟩ = O(eps²).
 */
function gradsWithNullDirection(k: number, eps: number, U: number[][], rng: Rng): Float64Array[][] {
  const dim = (k * (k + 1)) / 2 + 2;
  const base = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => rng.normals(dim, i === k - 1 || j === k - 1 ? eps : 1)));
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) base[i][j] = base[j][i];
  return Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => {
      const g = new Float64Array(dim);
      for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) base[a][b].forEach((x, t) => (g[t] += U[a][i] * U[b][j] * x));
      return g;
    }),
  );
}

test("unbounded: a PSD direction D with B[D] ≈ 0 and ⟨A, D⟩ < 0 gives X = 0 and a valid certificate", () => {
  const rng = new Rng(51);
  // B = 0 and A indefinite.
  const A2 = [
    [1, 2],
    [2, 1],
  ];
  const zeroB = solveSdcp(A2, new Float64Array(16));
  assert.equal(zeroB.status, "unbounded");
  assert.ok(inner(A2, zeroB.certificate!) < 0);

  for (const k of [2, 3, 4, 6]) {
    for (const eps of [0, 1e-9]) {
      for (const sign of [-1, 1]) {
        const U = randomOrthogonal(k, rng);
        const B = gramOperator(gradsWithNullDirection(k, eps, U, rng), 0.5);
        // A = U diag(d) Uᵀ: indefinite elsewhere, and sign·0.7 along the null direction.
        const A = fromSpectrum(
          k,
          U,
          U.map((_, c) => (c === k - 1 ? sign * 0.7 : c === 0 ? -1 : rng.normal())),
        );
        const res = solveSdcp(A, B);
        const what = `k = ${k}, eps = ${eps}, sign = ${sign}`;
        if (sign > 0) {
          // Same singular B, but A is positive along the null direction: bounded.
          assert.equal(res.status, "solved", what);
          assertKkt(res, A, B, 1e-10, what);
          continue;
        }
        assert.equal(res.status, "unbounded", what);
        assert.equal(frob(res.X), 0, `${what}: X must be 0`);
        const D = res.certificate!;
        assertClose(frob(D), 1, 1e-12);
        assert.ok(minEig(D) >= -1e-12, `${what}: D ⪰ 0`);
        assert.ok(inner(A, D) < -0.1, `${what}: ⟨A, D⟩ = ${inner(A, D)}`);
        // The minimum of f along tD lies beyond the default maxNorm = 1e6‖A‖/‖B‖.
        const normB = symmetricEigen(B, k * k).values[k * k - 1];
        assert.ok(inner(D, applyOperator(B, D)) <= (-inner(A, D) * normB) / (1e6 * frob(A)), `${what}: f decreases along D`);
        assert.ok(res.iterations < 200, `${what}: detected after ${res.iterations} iterations`);
        // An exact null direction is found even with no bound on ‖X‖.
        if (eps === 0) assert.equal(solveSdcp(A, B, { maxNorm: Infinity }).status, "unbounded", `${what}, maxNorm = ∞`);
      }
    }
  }
});

test("asymmetric B (adaptive methods) is symmetrized and restricted to symmetric X; negative curvature is clipped", () => {
  const rng = new Rng(61);
  for (const k of [2, 3, 5]) {
    const m = (k * (k + 1)) / 2;
    const k2 = k * k;
    const inst = knownInstance(k, Math.ceil(k / 2), m, true, rng);
    const noise = rng.normals(k2 * k2, Math.max(...Array.from(inst.B, Math.abs)));
    // + (E − Eᵀ): invisible to ⟨X, B[X]⟩; + columns acting on antisymmetric inputs only.
    const B = inst.B.map((b, t) => {
      const row = Math.floor(t / k2);
      const col = t % k2;
      const [p, q] = [Math.floor(col / k), col % k];
      const antisymmetricInput = noise[row * k2 + q * k + p] - noise[t]; // Σ_pq (N_r,qp − N_r,pq) X_pq = 0
      return b + 0.3 * (noise[t] - noise[col * k2 + row]) + 0.2 * antisymmetricInput;
    });
    const res = solveSdcp(inst.A, B);
    assert.equal(res.status, "solved");
    assert.ok(res.asymmetry > 0.01, `asymmetry reported: ${res.asymmetry}`);
    assert.ok(relErr(flat(res.X), flat(inst.X)) < 1e-8, `k = ${k}: ${relErr(flat(res.X), flat(inst.X))}`);
  }

  // Negative curvature along a null direction n of a singular Gram operator is clipped back to 0.
  const k = 3;
  const m = 6;
  const inst = knownInstance(k, 2, m - 1, true, rng);
  const { values, vectors } = symmetricEigen(inst.B, k * k);
  // A symmetric null direction: the symmetric part of a null vector of B (B reads X_pq and X_qp alike).
  let n: number[] | null = null;
  for (let j = 0; j < k * k && !n; j++) {
    if (Math.abs(values[j]) > 1e-8 * values[k * k - 1]) continue;
    const v = Array.from({ length: k * k }, (_, t) => 0.5 * (vectors[t * k * k + j] + vectors[((t % k) * k + Math.floor(t / k)) * k * k + j]));
    const size = Math.hypot(...v);
    if (size > 0.1) n = v.map((x) => x / size);
  }
  assert.ok(n, "a symmetric null direction exists");
  const lambdaMax = values[k * k - 1];
  const Bneg = inst.B.map((b, t) => b - 0.1 * lambdaMax * n![Math.floor(t / (k * k))] * n![t % (k * k)]);
  const res = solveSdcp(inst.A, Bneg);
  assert.equal(res.status, "solved");
  assert.ok(res.clippedEigenvalue > 0.05, `clipped ${res.clippedEigenvalue}`);
  const Z = add(inst.A, applyOperator(inst.B, res.X));
  assert.ok(relErr(flat(Z), flat(inst.Z)) < 1e-8, "same Z* as the unperturbed operator");
});

test("warm start: same answer in fewer iterations", () => {
  const rng = new Rng(71);
  for (const k of [3, 4, 6]) {
    const m = (k * (k + 1)) / 2;
    const inst = knownInstance(k, k - 1, m, true, rng);
    const first = solveSdcp(inst.A, inst.B);
    // The next substep: a slightly different A.
    const A2 = add(inst.A, fromSpectrum(k, randomOrthogonal(k, rng), Array.from(rng.normals(k, 1e-3))));
    const cold = solveSdcp(A2, inst.B);
    const warm = solveSdcp(A2, inst.B, { warmStart: first.X });
    assert.equal(warm.status, "solved");
    assert.ok(relErr(flat(warm.X), flat(cold.X)) < 1e-9, `k = ${k}`);
    assert.ok(warm.iterations < cold.iterations, `k = ${k}: warm ${warm.iterations} vs cold ${cold.iterations}`);
  }
});

test("max_iters: a PSD X and honest residuals when the budget runs out", () => {
  const rng = new Rng(81);
  const inst = knownInstance(5, 3, 15, true, rng);
  const res = solveSdcp(inst.A, inst.B, { maxIters: 2 });
  assert.equal(res.status, "max_iters");
  assert.ok(minEig(res.X) >= -1e-14);
  assert.ok(res.dualInfeasibility > 0 || res.complementarity > 0);
  assert.throws(() => solveSdcp(inst.A, new Float64Array(10)), /k⁴/);
  assert.throws(() => solveSdcp(inst.A, inst.B.map((b, t) => (t === 7 ? NaN : b))), /finite/);
  assert.throws(() => solveSdcp(inst.A, inst.B, { warmStart: [[1]] }), /warmStart/);
});

test("timing per solve, k = 1..6 (diagnostic only)", (t) => {
  const rng = new Rng(91);
  for (let k = 1; k <= 6; k++) {
    const m = (k * (k + 1)) / 2;
    const instances = Array.from({ length: 12 }, (_, i) => knownInstance(k, 1 + (i % k), m, true, rng));
    instances.forEach((inst) => solveSdcp(inst.A, inst.B)); // warm up the JIT
    let iterations = 0;
    let total = 0;
    for (const inst of instances) {
      // The fastest of a few repeats: the machine is shared, and interference only ever adds time.
      let best = Infinity;
      for (let rep = 0; rep < 5; rep++) {
        const start = performance.now();
        const res = solveSdcp(inst.A, inst.B);
        best = Math.min(best, performance.now() - start);
        if (rep === 0) iterations += res.iterations;
      }
      total += best;
    }
    const n = instances.length;
    t.diagnostic(`k = ${k}: ${((total * 1000) / n).toFixed(0)} µs per solve, ${(iterations / n).toFixed(1)} iterations (rank of X* 1..k, B ≻ 0)`);
  }
});
