/**
 * Top-k eigenpairs (largest *algebraic* eigenvalues: sharpness, not magnitude) of a symmetric operator by
 * LOBPCG (Knyazev 2001) with soft locking, warm-startable from previous eigenvectors.
 *
 * Each iteration, with the Ritz block X (m = k + guard vectors, AX known), residuals r_i = A x_i − θ_i x_i
 * and the previous search directions P:
 *   1. x_i has converged when ‖r_i‖ ≤ tol·(|θ_i| + ‖A x_i‖); stop once the first k have (or stall).
 *   2. W = residuals of the unconverged vectors, orthonormalized against [X, P] (near-dependent ones
 *      dropped); one batched `apply` gives AW. Converged vectors stay in X (soft locking) but get no new
 *      directions.
 *   3. Rayleigh–Ritz on S = [X, P, W]: the top m eigenpairs (θ, C) of Sᵀ A S give X ← S C and
 *      P ← [P, W] C_{P,W} (the step each Ritz vector took outside the old X).
 * AX and AP are carried as the same linear combinations of applied vectors, so each iteration applies A
 * only to the new directions W. The guard vectors make the k-th eigenvalue converge at a rate set by the
 * gap to λ_{m+1} rather than λ_{k+1}, which matters for clusters (eigenvalues locked at the edge of stability).
 * A non-finite operator product raises a DivergenceError (process "eigensolver") instead of reaching symEig.
 */
import { combineMany, gramFlat, orthonormalize, symEig } from "../linalg/dense";
import { DivergenceError } from "../divergence";
import { firstNonFinite, norm, type Vec } from "../linalg/vec";
import { Rng } from "../random";
import type { SymOperator } from "./operator";

export interface EigOptions {
  /** Number of eigenpairs wanted (1 ≤ k ≤ dim). */
  k: number;
  /** Relative residual tolerance: ‖r_i‖ ≤ tol·(|θ_i| + ‖A x_i‖). Default 1e-5. */
  tol?: number;
  /** Iteration cap (not counting the initial Rayleigh–Ritz). Default 200. */
  maxIters?: number;
  /** Extra block vectors beyond k that need not converge. Default 2. */
  guard?: number;
  /** Starting vectors (e.g. the previous step's eigenvectors), any number; padded with seeded random vectors. */
  init?: Vec[];
  /** Seed of the random padding. Default 0. */
  seed?: number;
}

export interface EigResult {
  /** The k largest eigenvalues, descending. */
  values: Float64Array;
  /** Orthonormal eigenvectors, vectors[i] for values[i]. */
  vectors: Vec[];
  /** ‖A x_i − θ_i x_i‖ for each returned pair. */
  residuals: Float64Array;
  /** LOBPCG iterations after the initial Rayleigh–Ritz. */
  iterations: number;
  /** Vectors A was applied to, in total. */
  matvecs: number;
  /** Whether all k pairs met the tolerance. */
  converged: boolean;
  /** All m = k + guard Ritz vectors (eigenvectors first): the best warm start for the next solve. */
  block: Vec[];
}

/** Directions carried in P that have become this dependent on [X] are dropped (their A·p is carried, not recomputed). */
const P_DROP_TOL = 1e-3;
/** Fresh residual directions are only dropped when numerically dependent. */
const W_DROP_TOL = 1e-8;
/**
 * Stop early when the worst relative residual of the wanted pairs has not halved in this many iterations:
 * the tolerance is below the operator's noise floor (float32 HVPs reach ≈1e-7 relative, not 1e-9).
 */
const STALL_ITERS = 25;

interface Ritz {
  values: Float64Array;
  /** coeffs[j]: coordinates of Ritz vector j in the basis S. */
  coeffs: Float64Array[];
}

/** Rayleigh–Ritz on an orthonormal basis S with AS known: top `m` eigenpairs of Sᵀ A S. */
function rayleighRitz(S: Vec[], AS: Vec[], m: number): Ritz {
  // Upper triangle mirrored: Sᵀ A S is symmetric up to the operator's round-off.
  const n = S.length;
  const full = gramFlat(S, AS);
  const G = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) G[i][j] = G[j][i] = full[i * n + j];
  const { values, vectors } = symEig(G);
  return { values: values.slice(0, m), coeffs: vectors.slice(0, m) };
}

/** A x − θ x. */
function residual(ax: Vec, theta: number, x: Vec): Vec {
  const r = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) r[j] = ax[j] - theta * x[j];
  return r;
}

function scaleInPlace(v: Vec, s: number): Vec {
  for (let j = 0; j < v.length; j++) v[j] *= s;
  return v;
}

function checkOptions(op: SymOperator, opts: EigOptions): Required<Omit<EigOptions, "init">> {
  const { k, tol = 1e-5, maxIters = 200, guard = 2, seed = 0 } = opts;
  if (!Number.isInteger(k) || k < 1 || k > op.dim) throw new Error(`topEigs: k must be an integer in [1, ${op.dim}], got ${k}`);
  if (!(tol > 0)) throw new Error(`topEigs: tol must be positive, got ${tol}`);
  if (!Number.isInteger(maxIters) || maxIters < 0) throw new Error(`topEigs: maxIters must be a non-negative integer, got ${maxIters}`);
  if (!Number.isInteger(guard) || guard < 0) throw new Error(`topEigs: guard must be a non-negative integer, got ${guard}`);
  for (const [i, v] of (opts.init ?? []).entries()) {
    if (v.length !== op.dim) throw new Error(`topEigs: init[${i}] has length ${v.length}, expected ${op.dim}`);
  }
  return { k, tol, maxIters, guard, seed };
}

/** An orthonormal block of at least `m` vectors: the usable part of `init`, then random vectors. */
function startBlock(init: Vec[], m: number, dim: number, rng: Rng): Vec[] {
  let block = orthonormalize(init).vectors;
  for (let attempt = 0; block.length < m && attempt < 10; attempt++) {
    const extra = Array.from({ length: m - block.length }, () => rng.normals(dim));
    block = block.concat(orthonormalize(extra, { against: block }).vectors);
  }
  if (block.length < m) throw new Error(`topEigs: could not build ${m} independent start vectors in dimension ${dim}`);
  return block;
}

export function topEigs(op: SymOperator, opts: EigOptions): EigResult {
  const { k, tol, maxIters, guard, seed } = checkOptions(op, opts);
  const dim = op.dim;
  const m = Math.min(dim, k + guard);
  let matvecs = 0;
  let iterations = 0;
  const apply = (vs: Vec[]): Vec[] => {
    if (vs.length === 0) return [];
    matvecs += vs.length;
    const out = op.apply(vs);
    // A non-finite product (a blown-up point, an overflowing preconditioner) would reach symEig as NaN.
    out.forEach((v, j) => {
      const i = firstNonFinite(v);
      if (i >= 0) throw new DivergenceError("eigensolver", iterations, `(A·x_${j})[${i}], an operator (Hessian-vector) product`, v[i], "the operator is not finite at this point");
    });
    return out;
  };

  // Initial Rayleigh–Ritz on the start block (which may hold more than m vectors).
  const S0 = startBlock(opts.init ?? [], m, dim, new Rng(seed));
  const AS0 = apply(S0);
  let ritz = rayleighRitz(S0, AS0, m);
  let theta = ritz.values; // [m]
  let X = combineMany(S0, ritz.coeffs, dim); // [m, dim]
  let AX = combineMany(AS0, ritz.coeffs, dim); // [m, dim]
  let P: Vec[] = []; // [m, dim] search directions per Ritz index (empty before the first step)
  let AP: Vec[] = [];

  let residuals = new Float64Array(m);
  let converged = false;
  let best = Infinity; // smallest worst-relative-residual so far, and when it was reached
  let bestAt = 0;
  for (;;) {
    const R = X.map((x, i) => residual(AX[i], theta[i], x)); // [m, dim]
    residuals = Float64Array.from(R, (r) => norm(r));
    const scale = Float64Array.from(AX, (ax, i) => Math.abs(theta[i]) + norm(ax)); // [m]
    const done = residuals.map((rn, i) => (rn <= tol * scale[i] ? 1 : 0));
    converged = done.subarray(0, k).every((d) => d === 1);
    if (converged || iterations >= maxIters) break;
    let worst = 0;
    for (let i = 0; i < k; i++) worst = Math.max(worst, residuals[i] / scale[i]);
    if (worst < 0.5 * best) [best, bestAt] = [worst, iterations];
    else if (iterations - bestAt >= STALL_ITERS) break;
    const active = [...done.keys()].filter((i) => done[i] === 0);

    // P: the active vectors' last steps, made orthonormal to X; A·p follows by the same combinations.
    const pOrtho =
      P.length > 0
        ? orthonormalize(
            active.map((i) => P[i]),
            { against: X, companions: active.map((i) => AP[i]), companionsAgainst: AX, dropTol: P_DROP_TOL },
          )
        : { vectors: [], companions: [] };
    const Pb = pOrtho.vectors;
    const APb = pOrtho.companions;
    // W: fresh directions from the residuals (normalized first: converging residuals are tiny).
    const W = orthonormalize(
      active.map((i) => scaleInPlace(R[i], 1 / Math.max(residuals[i], Number.MIN_VALUE))),
      { against: [...X, ...Pb], dropTol: W_DROP_TOL },
    ).vectors;
    if (W.length === 0 && Pb.length === 0) break; // span(X) is invariant to working precision
    const AW = apply(W); // the one batched application per iteration
    iterations++;

    const S = [...X, ...Pb, ...W];
    const AS = [...AX, ...APb, ...AW];
    ritz = rayleighRitz(S, AS, m);
    theta = ritz.values;
    const rest = S.slice(m); // [P, W]
    const Arest = AS.slice(m);
    X = combineMany(S, ritz.coeffs, dim);
    AX = combineMany(AS, ritz.coeffs, dim);
    const restCoeffs = ritz.coeffs.map((c) => c.subarray(m));
    P = combineMany(rest, restCoeffs, dim);
    AP = combineMany(Arest, restCoeffs, dim);
  }

  return {
    values: theta.slice(0, k),
    vectors: X.slice(0, k),
    residuals: residuals.slice(0, k),
    iterations,
    matvecs,
    converged,
    block: X,
  };
}
