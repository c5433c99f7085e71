/**
 * The semidefinite complementarity problem (SDCP) that fixes the oscillation covariance X of a central
 * flow (reference: central-flows.md §2):
 *
 *     X ⪰ 0,   Z = A + B[X] ⪰ 0,   ⟨X, Z⟩ = 0,
 *
 * with A symmetric k×k and B a PSD operator on symmetric k×k matrices. Because B is PSD this is the
 * optimality system of the convex program  min_{X ⪰ 0} f(X) = ½⟨X, B[X]⟩ + ⟨A, X⟩  (Z = ∇f).
 *
 * Layout of B. vec(X) is row-major, vec(X)[i·k + j] = X_ij (length k²), and B is a k²×k² row-major
 * Float64Array acting on it: B[X]_ij = Σ_{p,q} B[(i·k + j)·k² + p·k + q] X_pq, the sum running over ALL
 * (p, q), so an off-diagonal pair X_pq = X_qp enters through two columns. `gramOperator` builds this
 * from the pair gradients ∇M_ij. Non-symmetric input (adaptive methods) is accepted: only the part
 * of B seen by symmetric matrices counts, symmetrized, with negative eigenvalues clipped to zero.
 *
 * Internally everything lives in the orthonormal symmetric basis svec (upper triangle, row-major,
 * off-diagonals times √2: ⟨X, Y⟩ = svec(X)·svec(Y)), of dimension m = k(k+1)/2, where B becomes the
 * symmetric PSD m×m matrix Q = sym(Sᵀ B S), S the svec → vec map.
 *
 * Method: k = 1 in closed form X = max(0, −A/B). For k ≥ 2, FISTA with gradient restart on the PSD
 * cone (projection = clip eigenvalues, step 1/L, L = ‖B‖₂) until the natural residual
 * ‖X − Π(X − Z/L)‖ is ~1e-2 relative; then a semismooth Newton polish on Robinson's normal map.
 * Near a solution with range V, its step solves the reduced linear complementarity on the support
 * (Vᵀ(A + B[X])V = 0 for X's eigenvalues on V) and rotates V to first order, so it converges
 * quadratically where projected gradient is linear with the conditioning of B. When Newton fails
 * (wrong active set, degenerate solution) FISTA continues to a tighter residual and Newton retries.
 * Growing FISTA iterates are tested as rays of unbounded descent (see `rayTest`).
 *
 * Units and scale: "relative" always means relative to the problem's own scales, ‖A‖_F for Z and
 * ‖A‖_F/‖B‖₂ (or ‖X‖_F) for X. Nothing here knows an absolute scale, so "B ≈ 0" only means B = 0 or
 * an optimum beyond maxNorm; a caller with a natural bound on X (e.g. σ² ≪ ‖w‖²) should pass it.
 */
import { solvePsd, spectralFunction, symmetricEigen, type SymmetricEigen } from "../linalg/psd";
import { dot, norm } from "../linalg/vec";

export type SdcpStatus =
  | "solved"
  /** A ⪰ 0 (λ_min(A) ≥ −tol·‖A‖), so X = 0. */
  | "zero"
  /**
   * No minimizer with ‖X‖_F ≤ maxNorm: along some D ⪰ 0 (the certificate), ⟨A, D⟩ < 0 and
   * ⟨D, B[D]⟩ ≤ |⟨A, D⟩|/maxNorm, i.e. B[D] = 0 or nearly. X is returned as 0.
   */
  | "unbounded"
  | "max_iters";

export interface SdcpResult {
  X: number[][];
  status: SdcpStatus;
  /** FISTA iterations plus Newton steps. */
  iterations: number;
  /** |⟨X, Z⟩| / (‖X‖_F · zScale), zScale = ‖A‖_F + ‖B‖₂‖X‖_F; 0 when X = 0. */
  complementarity: number;
  /** max(0, −λ_min(Z)) / zScale. */
  dualInfeasibility: number;
  /** max(0, −λ_min(X)) / max(‖X‖_F, ‖A‖_F/‖B‖₂). */
  primalInfeasibility: number;
  /** ‖Q − Qᵀ‖_F / ‖Q‖_F for B seen on symmetric matrices; 0 for a Gram operator. */
  asymmetry: number;
  /** Most negative eigenvalue of the symmetrized B that was clipped to 0, as a fraction of ‖B‖₂ (≥ 0). */
  clippedEigenvalue: number;
  /** For "unbounded": the direction D ⪰ 0, ‖D‖_F = 1, along which f decreases without bound. */
  certificate?: number[][];
}

export interface SdcpOptions {
  /** Relative tolerance on the natural residual ‖X − Π(X − Z/‖B‖)‖ / max(‖X‖, ‖A‖/‖B‖); default 1e-10. */
  tol?: number;
  /** Budget of FISTA iterations plus Newton steps; default 10000. */
  maxIters?: number;
  /** Starting X (projected onto the PSD cone first), e.g. the previous substep's solution. */
  warmStart?: number[][];
  /** ‖X‖_F above which the problem is reported unbounded; default 1e6·‖A‖_F/‖B‖₂. */
  maxNorm?: number;
}

/** Eigenvalues of the symmetrized B below this fraction of the largest are treated as exact zeros. */
const NULL_RCOND = 1e-12;
/** FISTA hands over to Newton once the relative natural residual is below this … */
const NEWTON_SWITCH = 1e-2;
/** … and, after a failed Newton attempt, below (best residual so far)/this. */
const SWITCH_SHRINK = 10;
const NEWTON_STEPS = 30;
/** Newton continues past tol down to tol·this: a quadratic step costs little and buys digits. */
const NEWTON_OVERSHOOT = 1e-4;
/** Bounds on σ/(1/L) in the normal map, see `newton`. */
const SIGMA_MAX = 1e6;

/**
 * B for the central flow from the pair gradients: B[(i,j),(p,q)] = scale·⟨∇M_ij, ∇M_pq⟩ for all
 * i, j, p, q, with ∇M_ji = ∇M_ij. Hence ⟨X, B[X]⟩ = scale·‖Σ_ij X_ij ∇M_ij‖² (off-diagonals twice)
 * for symmetric X. For GD, scale = η/2.
 *
 * grads holds ∇M_ij for i ≤ j, either square (grads[i][j], rows of length k; entries below the
 * diagonal are ignored) or packed (grads[i][j − i], row i of length k − i).
 */
export function gramOperator(grads: Float64Array[][], scale: number): Float64Array {
  const k = grads.length;
  if (k === 0) throw new Error("gramOperator: no gradients");
  const square = grads.every((row) => row.length === k);
  const packed = grads.every((row, i) => row.length === k - i);
  if (!square && !packed) throw new Error("gramOperator: grads must be k×k or packed upper-triangular (row i of length k − i)");
  const pair = (i: number, j: number): Float64Array => {
    const [lo, hi] = i <= j ? [i, j] : [j, i];
    return square ? grads[lo][hi] : grads[lo][hi - lo];
  };
  const dim = pair(0, 0).length;
  const pairs: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const g = pair(i, j);
      if (g.length !== dim) throw new Error(`gramOperator: ∇M_${i}${j} has length ${g.length}, expected ${dim}`);
      pairs.push(g);
    }
  }
  const m = pairs.length;
  const gram = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    for (let d = c; d < m; d++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += pairs[c][t] * pairs[d][t];
      gram[c * m + d] = scale * s;
      gram[d * m + c] = scale * s;
    }
  }
  const k2 = k * k;
  const out = new Float64Array(k2 * k2);
  for (let row = 0; row < k2; row++) {
    const c = svecIndex(Math.floor(row / k), row % k, k);
    for (let col = 0; col < k2; col++) out[row * k2 + col] = gram[c * m + svecIndex(Math.floor(col / k), col % k, k)];
  }
  return out;
}

/** B[X] for symmetric X, as given (no symmetrization): B[X]_ij = Σ_pq B[(ik+j)k² + pk+q] X_pq. */
export function applyOperator(B: Float64Array, X: number[][]): number[][] {
  const k = X.length;
  const k2 = k * k;
  const out: number[][] = [];
  for (let i = 0; i < k; i++) {
    out.push([]);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) for (let q = 0; q < k; q++) s += B[(i * k + j) * k2 + p * k + q] * X[p][q];
      out[i].push(s);
    }
  }
  return out;
}

export function solveSdcp(A: number[][], B: Float64Array, opts: SdcpOptions = {}): SdcpResult {
  const k = A.length;
  if (k === 0 || A.some((row) => row.length !== k)) throw new Error("solveSdcp: A must be square and non-empty");
  if (B.length !== k ** 4) throw new Error(`solveSdcp: B must have k⁴ = ${k ** 4} entries, got ${B.length}`);
  if (!A.every((row) => row.every(Number.isFinite)) || !B.every(Number.isFinite)) throw new Error("solveSdcp: A and B must be finite");
  if (opts.warmStart && (opts.warmStart.length !== k || opts.warmStart.some((row) => row.length !== k))) throw new Error("solveSdcp: warmStart must be k×k");
  const tol = opts.tol ?? 1e-10;
  const maxIters = opts.maxIters ?? 10000;
  const p = reduce(A, B);
  const finish = (x: Float64Array, status: SdcpStatus, iterations: number, certificate?: Float64Array): SdcpResult => ({
    ...report(p, x, status, iterations),
    ...(certificate ? { certificate: toMatrix(certificate, k) } : {}),
  });
  const zero = new Float64Array(p.m);

  // A ⪰ 0 (to tolerance): X = 0 satisfies everything, and is the answer even if B is singular.
  const eigA = symmetricEigen(unpack(p.a, k), k);
  if (p.aNorm === 0 || eigA.values[0] >= -tol * p.aNorm) return finish(zero, "zero", 0);
  const descent = () => outer(columnOf(eigA, 0)); // D = v vᵀ, ⟨A, D⟩ = λ_min(A) < 0
  if (p.L === 0) return finish(zero, "unbounded", 0, descent());
  const maxNorm = opts.maxNorm ?? (1e6 * p.aNorm) / p.L;
  const certify = rayTest(p, maxNorm);

  if (k === 1) {
    const x = -p.a[0] / p.L;
    return x > maxNorm ? finish(zero, "unbounded", 0, descent()) : finish(Float64Array.of(x), "solved", 0);
  }

  let x = opts.warmStart ? projectSvec(toSvec(opts.warmStart), k) : zero;
  let iterations = 0;
  let switchTol = Math.max(tol, NEWTON_SWITCH);
  while (iterations < maxIters) {
    const run = fista(p, x, switchTol, maxIters - iterations, maxNorm, certify);
    iterations += run.iterations;
    if (run.certificate) return finish(zero, "unbounded", iterations, run.certificate);
    x = run.x;
    if (iterations >= maxIters) break;
    const polished = newton(p, x, tol, Math.min(NEWTON_STEPS, maxIters - iterations), maxNorm);
    iterations += polished.steps;
    if (polished.residual <= tol) return finish(polished.x, "solved", iterations);
    // Newton failed from here (wrong active set, or a degenerate solution): continue with whichever
    // point is better and ask FISTA to get closer before the next attempt.
    const residual = naturalResidual(p, x);
    if (residual <= tol) return finish(x, "solved", iterations);
    if (polished.residual < residual) x = polished.x;
    switchTol = Math.max(tol, Math.min(switchTol, residual, polished.residual) / SWITCH_SHRINK);
  }
  return finish(x, "max_iters", iterations);
}

/** The problem in svec coordinates: f(x) = ½ xᵀQx + aᵀx, L = λ_max(Q). */
interface Reduced {
  k: number;
  m: number;
  a: Float64Array;
  Q: Float64Array;
  L: number;
  aNorm: number;
  asymmetry: number;
  clippedEigenvalue: number;
  /** Eigendecomposition of the symmetrized Q before clipping. */
  spectrum: SymmetricEigen;
}

function reduce(A: number[][], B: Float64Array): Reduced {
  const k = A.length;
  const m = (k * (k + 1)) / 2;
  const k2 = k * k;
  const a = toSvec(A);
  // Q = Sᵀ B S: S maps svec → vec, column (i, j) has 1 at (i, i), or 1/√2 at (i, j) and (j, i).
  const cols: { entries: number[]; weight: number }[] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) cols.push(i === j ? { entries: [i * k + i], weight: 1 } : { entries: [i * k + j, j * k + i], weight: Math.SQRT1_2 });
  }
  const raw = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    for (let d = 0; d < m; d++) {
      let s = 0;
      for (const r of cols[c].entries) for (const q of cols[d].entries) s += B[r * k2 + q];
      raw[c * m + d] = cols[c].weight * cols[d].weight * s;
    }
  }
  let asym = 0;
  let total = 0;
  const sym = new Float64Array(m * m);
  for (let c = 0; c < m; c++) {
    for (let d = 0; d < m; d++) {
      sym[c * m + d] = 0.5 * (raw[c * m + d] + raw[d * m + c]);
      asym += (raw[c * m + d] - raw[d * m + c]) ** 2;
      total += raw[c * m + d] ** 2;
    }
  }
  const eig = symmetricEigen(sym, m);
  const L = Math.max(0, eig.values[m - 1]);
  const cutoff = NULL_RCOND * L;
  const Q = spectralFunction(eig, (l) => (l > cutoff ? l : 0));
  return {
    k,
    m,
    a,
    Q,
    L,
    aNorm: norm(a),
    asymmetry: total > 0 ? Math.sqrt(asym / total) : 0,
    clippedEigenvalue: L > 0 ? Math.max(0, -eig.values[0]) / L : Math.max(0, -eig.values[0]),
    spectrum: eig,
  };
}

/** Q t in svec coordinates. */
function applyQ(p: Reduced, t: Float64Array): Float64Array {
  const out = new Float64Array(p.m);
  for (let c = 0; c < p.m; c++) {
    let s = 0;
    for (let d = 0; d < p.m; d++) s += p.Q[c * p.m + d] * t[d];
    out[c] = s;
  }
  return out;
}

/** Z = A + B[X] = ∇f(X) in svec coordinates. */
function gradient(p: Reduced, x: Float64Array): Float64Array {
  const z = applyQ(p, x);
  for (let c = 0; c < p.m; c++) z[c] += p.a[c];
  return z;
}

/** Natural scale of X: its own norm, or ‖A‖/‖B‖ when it is small. */
function xScale(p: Reduced, x: Float64Array): number {
  return Math.max(norm(x), p.aNorm / p.L);
}

/**
 * FISTA with gradient restart (O'Donoghue & Candès): y extrapolates, x⁺ = Π(y − Z(y)/L); momentum is
 * reset whenever the step and the momentum disagree. ‖y − x⁺‖ is the natural residual at y.
 */
function fista(p: Reduced, x0: Float64Array, target: number, budget: number, maxNorm: number, certify: RayTest | null) {
  let x = x0;
  let y = x0;
  let t = 1;
  // A growing iterate is tested as a descent ray each time its norm doubles past 10·‖A‖/L.
  let nextCheck = Math.max(10 * (p.aNorm / p.L), 2 * norm(x0));
  for (let it = 1; it <= budget; it++) {
    const z = gradient(p, y);
    const xNew = projectSvec(
      y.map((yi, c) => yi - z[c] / p.L),
      p.k,
    );
    let restartDot = 0;
    let step2 = 0;
    for (let c = 0; c < p.m; c++) {
      restartDot += (y[c] - xNew[c]) * (xNew[c] - x[c]);
      step2 += (y[c] - xNew[c]) ** 2;
    }
    const size = norm(xNew);
    if (size > maxNorm) return { x: xNew, iterations: it, certificate: certify?.(xNew) ?? scaledTo(xNew, 1 / size) };
    if (certify && size > nextCheck) {
      nextCheck = 2 * size;
      const certificate = certify(xNew);
      if (certificate) return { x: xNew, iterations: it, certificate };
    }
    if (Math.sqrt(step2) <= target * xScale(p, xNew)) return { x: xNew, iterations: it };
    if (restartDot > 0) {
      t = 1;
      y = xNew;
    } else {
      const tNew = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
      const beta = (t - 1) / tNew;
      y = xNew.map((xi, c) => xi + beta * (xi - x[c]));
      t = tNew;
    }
    x = xNew;
  }
  return { x, iterations: budget };
}

/** Returns a unit D ⪰ 0 proving unboundedness, or null. */
type RayTest = (x: Float64Array) => Float64Array | null;

/**
 * Unboundedness made checkable: f decreases without bound within ‖X‖_F ≤ maxNorm along the ray tD
 * (D ⪰ 0, ‖D‖ = 1) when ⟨A, D⟩ < 0 and ⟨D, B[D]⟩ ≤ |⟨A, D⟩|/maxNorm: the minimum of f along the ray
 * lies beyond maxNorm (rounding-level curvature, ≤ NULL_RCOND·L, also counts, so maxNorm = ∞ still
 * detects exact null directions). Only directions near the span of B's eigenvectors with
 * eigenvalue ≤ ‖A‖/maxNorm qualify, so a candidate is projected there, then onto the PSD cone.
 * Null when that span is empty: then every solution has ‖X‖ < maxNorm, since
 * λ_min(B)‖X‖² ≤ ⟨X, B[X]⟩ = −⟨A, X⟩ ≤ ‖A‖‖X‖ at a solution.
 */
function rayTest(p: Reduced, maxNorm: number): RayTest | null {
  const cut = Math.max(p.aNorm / maxNorm, NULL_RCOND * p.L);
  const nearNull: Float64Array[] = [];
  p.spectrum.values.forEach((l, j) => {
    if (l <= cut) nearNull.push(columnOf(p.spectrum, j));
  });
  if (nearNull.length === 0) return null;
  return (x) => {
    const inNull = new Float64Array(p.m);
    for (const u of nearNull) {
      const c = dot(u, x);
      for (let d = 0; d < p.m; d++) inNull[d] += c * u[d];
    }
    const D = projectSvec(inNull, p.k);
    const size = norm(D);
    if (size === 0) return null;
    const unit = scaledTo(D, 1 / size);
    const slope = dot(p.a, unit);
    return slope < 0 && dot(unit, applyQ(p, unit)) <= Math.max(-slope / maxNorm, NULL_RCOND * p.L) ? unit : null;
  };
}

/** ‖X − Π(X − Z/L)‖ / max(‖X‖, ‖A‖/L): zero exactly at solutions; the convergence test. */
function naturalResidual(p: Reduced, x: Float64Array): number {
  const z = gradient(p, x);
  const step = projectSvec(
    x.map((xi, c) => xi - z[c] / p.L),
    p.k,
  );
  return norm(step.map((s, c) => x[c] - s)) / xScale(p, x);
}

/**
 * Robinson's normal map N(y) = y − Π(y) + σ Z(Π(y)), σ > 0: zero exactly when X = Π(y) solves the
 * SDCP, with σZ = Π(y) − y. X is PSD for every y, so Newton moves y freely, and for σ ≥ 1/L the
 * natural residual of X is at most ‖N‖ (projections are nonexpansive).
 */
function normalMap(p: Reduced, y: Float64Array, sigma: number) {
  const eig = symmetricEigen(unpack(y, p.k), p.k);
  const x = toSvecFlat(spectralFunction(eig, (l) => (l > 0 ? l : 0)), p.k);
  const z = gradient(p, x);
  const N = y.map((yi, c) => yi - x[c] + sigma * z[c]);
  return { N, eig, x, residual: norm(N) / xScale(p, x) };
}

/**
 * Semismooth Newton on the normal map from y = X₀ − σZ(X₀), with a backtracking line search on ‖N‖.
 * σ = ‖X₀‖/‖Z₀‖ (within [1, SIGMA_MAX]/L) balances the two parts of y: with σ = 1/L the dual part
 * can be tiny next to X, which shrinks Newton's region of fast convergence to the same size.
 *
 * The derivative of Π at y = Σ λ_i p_i p_iᵀ is diagonal in the orthonormal basis
 * T_ij = svec((p_i p_jᵀ + p_j p_iᵀ)/√2) (T_ii = svec(p_i p_iᵀ)) with weights Ω_ij = 1 if λ_i, λ_j > 0,
 * 0 if both ≤ 0, and λ⁺_i/(λ_i − λ_j) in between. In that basis the Newton system is
 * (I − Ω + σQ'Ω) v = −g, Q' = TᵀQT, g = TᵀN. With w = Ωv the rows where Ω > 0 become the PSD system
 * ((1 − Ω)/(σΩ) + Q'₊₊) w₊ = −g₊/σ — on the support X's range, where Ω = 1, this is the reduced
 * linear complementarity Vᵀ(A + B[X])V = 0; the fractional Ω rotate the range — solved by Cholesky,
 * or by the minimum-norm pseudo-inverse when B is singular there. Then v₊ = w₊/Ω₊ and
 * v₀ = −(g₀ + σQ'₀₊w₊).
 */
function newton(p: Reduced, x0: Float64Array, tol: number, maxSteps: number, maxNorm: number) {
  const { k, m, L } = p;
  const z0 = gradient(p, x0);
  const sigma = Math.min(Math.max(norm(x0) / norm(z0), 1 / L), SIGMA_MAX / L) || 1 / L;
  let y = x0.map((xi, c) => xi - sigma * z0[c]);
  let state = normalMap(p, y, sigma);
  let steps = 0;
  while (steps < maxSteps && state.residual > tol * NEWTON_OVERSHOOT) {
    steps++;
    const { eig, N } = state;
    const basis: Float64Array[] = [];
    const omega: number[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = i; j < k; j++) {
        const t = new Float64Array(k * k);
        const s = i === j ? 0.5 : Math.SQRT1_2;
        for (let r = 0; r < k; r++) {
          for (let c = 0; c < k; c++) t[r * k + c] = s * (eig.vectors[r * k + i] * eig.vectors[c * k + j] + eig.vectors[r * k + j] * eig.vectors[c * k + i]);
        }
        basis.push(toSvecFlat(t, k));
        const li = eig.values[i];
        const lj = eig.values[j];
        omega.push(li > 0 && lj > 0 ? 1 : li <= 0 && lj <= 0 ? 0 : (Math.max(li, 0) - Math.max(lj, 0)) / (li - lj));
      }
    }
    const g = basis.map((t) => dot(t, N));
    const active = omega.flatMap((o, c) => (o > 0 ? [c] : []));
    const n = active.length;
    const qBasis = active.map((c) => applyQ(p, basis[c])); // Q T₊
    const sys = new Float64Array(n * n);
    const rhs = new Float64Array(n);
    active.forEach((c, r) => {
      for (let s = 0; s < n; s++) sys[r * n + s] = dot(basis[c], qBasis[s]);
      sys[r * n + r] += (1 - omega[c]) / (sigma * omega[c]);
      rhs[r] = -g[c] / sigma;
    });
    const w = solvePsd(sys, rhs, n, NULL_RCOND);
    const v = g.map((gc, c) => {
      if (omega[c] > 0) return 0;
      let coupling = 0;
      for (let s = 0; s < n; s++) coupling += dot(basis[c], qBasis[s]) * w[s];
      return -(gc + sigma * coupling);
    });
    active.forEach((c, r) => (v[c] = w[r] / omega[c]));
    const dy = new Float64Array(m);
    basis.forEach((t, c) => {
      for (let d = 0; d < m; d++) dy[d] += v[c] * t[d];
    });

    let accepted = false;
    for (let alpha = 1; alpha >= 1 / 64 && !accepted; alpha /= 2) {
      const trial = y.map((yi, c) => yi + alpha * dy[c]);
      const next = normalMap(p, trial, sigma);
      if (norm(next.x) <= maxNorm && next.residual < (1 - 1e-4 * alpha) * state.residual) {
        y = trial;
        state = next;
        accepted = true;
      }
    }
    if (!accepted) break;
  }
  // Judge by the natural residual with step 1/L (what tol means), not by ‖N‖, which for large σ
  // amplifies the rounding error in Z.
  return { x: state.x, steps, residual: naturalResidual(p, state.x) };
}

function report(p: Reduced, x: Float64Array, status: SdcpStatus, iterations: number): SdcpResult {
  const k = p.k;
  const z = gradient(p, x);
  const xNorm = norm(x);
  const zScale = p.aNorm + p.L * xNorm;
  const minZ = symmetricEigen(unpack(z, k), k).values[0];
  const minX = symmetricEigen(unpack(x, k), k).values[0];
  return {
    X: toMatrix(x, k),
    status,
    iterations,
    complementarity: xNorm === 0 ? 0 : Math.abs(dot(x, z)) / (xNorm * zScale),
    dualInfeasibility: zScale === 0 ? 0 : Math.max(0, -minZ) / zScale,
    primalInfeasibility: xNorm === 0 ? 0 : Math.max(0, -minX) / Math.max(xNorm, p.L > 0 ? p.aNorm / p.L : 0),
    asymmetry: p.asymmetry,
    clippedEigenvalue: p.clippedEigenvalue,
  };
}

// ---- svec helpers: upper triangle row-major, off-diagonals scaled by √2 ----

function svecIndex(i: number, j: number, k: number): number {
  const [r, c] = i <= j ? [i, j] : [j, i];
  return r * k - (r * (r - 1)) / 2 + (c - r);
}

/** svec of the symmetric part of a k×k matrix. */
function toSvec(X: number[][]): Float64Array {
  const k = X.length;
  const out = new Float64Array((k * (k + 1)) / 2);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) out[svecIndex(i, j, k)] = i === j ? X[i][i] : Math.SQRT1_2 * (X[i][j] + X[j][i]);
  return out;
}

function toSvecFlat(x: Float64Array, k: number): Float64Array {
  const out = new Float64Array((k * (k + 1)) / 2);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) out[svecIndex(i, j, k)] = i === j ? x[i * k + i] : Math.SQRT1_2 * (x[i * k + j] + x[j * k + i]);
  return out;
}

/** svec → k×k row-major Float64Array. */
function unpack(x: Float64Array, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    out[i * k + i] = x[svecIndex(i, i, k)];
    for (let j = i + 1; j < k; j++) {
      const v = Math.SQRT1_2 * x[svecIndex(i, j, k)];
      out[i * k + j] = v;
      out[j * k + i] = v;
    }
  }
  return out;
}

function toMatrix(x: Float64Array, k: number): number[][] {
  const flat = unpack(x, k);
  return Array.from({ length: k }, (_, i) => Array.from(flat.subarray(i * k, (i + 1) * k)));
}

function projectSvec(x: Float64Array, k: number): Float64Array {
  return toSvecFlat(spectralFunction(symmetricEigen(unpack(x, k), k), (l) => (l > 0 ? l : 0)), k);
}

function columnOf(eig: SymmetricEigen, j: number): Float64Array {
  const n = eig.values.length;
  return Float64Array.from({ length: n }, (_, r) => eig.vectors[r * n + j]);
}

/** svec(v vᵀ). */
function outer(v: Float64Array): Float64Array {
  const k = v.length;
  const flat = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) flat[i * k + j] = v[i] * v[j];
  return toSvecFlat(flat, k);
}


function scaledTo(a: Float64Array, s: number): Float64Array {
  return a.map((v) => v * s);
}
