/**
 * Small dense linear algebra on host float64 vectors: inner products, block orthonormalization and the
 * symmetric eigendecomposition of small (k×k, Rayleigh–Ritz sized) matrices. Blocks of vectors are plain
 * arrays of Float64Array (one entry per vector), the layout the batched derivatives use.
 *
 * Inner products may be weighted by a positive diagonal M: ⟨a, b⟩_M = Σ_i M_i a_i b_i, so the same code
 * orthonormalizes in the Euclidean (M = undefined) or a preconditioner's metric (Uᵀ P U = I).
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { axpy, dot, norm, type Vec } from "./vec";


/** Σ_j c_j v_j for a block v [m][dim] and coefficients c [m]. */
export function combine(vs: Vec[], c: ArrayLike<number>, dim = vs[0]?.length ?? 0): Vec {
  if (c.length !== vs.length) throw new Error(`combine: ${vs.length} vectors but ${c.length} coefficients`);
  const out = new Float64Array(dim);
  for (let j = 0; j < vs.length; j++) if (c[j] !== 0) axpy(c[j], vs[j], out);
  return out;
}

/** The block product Vᵀ C: column j of the m×q coefficient matrix C (row-major [m][q]) gives output j. */
export function combineBlock(vs: Vec[], c: number[][], dim = vs[0]?.length ?? 0): Vec[] {
  const q = c[0]?.length ?? 0;
  const out: Vec[] = [];
  for (let j = 0; j < q; j++) out.push(combine(vs, c.map((row) => row[j]), dim));
  return out;
}

/** Gram matrix G_ij = ⟨a_i, b_j⟩ (weighted when M is given), [a.length][b.length]. */
export function gram(a: Vec[], b: Vec[], weight?: Float64Array): number[][] {
  return a.map((ai) => b.map((bj) => dot(ai, bj, weight)));
}

export interface SymEig {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** vectors[i] is the unit eigenvector of values[i] (length n). */
  vectors: Float64Array[];
}

/**
 * Eigendecomposition of a symmetric n×n matrix (given as rows, or row-major flat with n), sorted by
 * descending eigenvalue. The input is symmetrized ((A + Aᵀ)/2) first, so round-off asymmetry is harmless.
 */
export function symEig(a: number[][] | Float64Array, n?: number): SymEig {
  const size = Array.isArray(a) ? a.length : (n ?? Math.round(Math.sqrt(a.length)));
  const at = (i: number, j: number): number => (Array.isArray(a) ? a[i][j] : a[i * size + j]);
  if (Array.isArray(a)) {
    a.forEach((row, i) => {
      if (row.length !== size) throw new Error(`symEig: row ${i} has ${row.length} entries, expected ${size}`);
    });
  } else if (a.length !== size * size) throw new Error(`symEig: ${a.length} entries is not ${size}×${size}`);
  if (size === 0) return { values: new Float64Array(0), vectors: [] };
  const m = new Matrix(size, size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const v = 0.5 * (at(i, j) + at(j, i));
      if (!Number.isFinite(v)) throw new Error(`symEig: entry [${i}, ${j}] is ${v}`);
      m.set(i, j, v);
    }
  }
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const V = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((i, j) => values[j] - values[i]);
  return {
    values: Float64Array.from(order, (i) => values[i]),
    vectors: order.map((i) => Float64Array.from(V.getColumn(i))),
  };
}

export interface OrthoOptions {
  /** Orthonormal vectors to orthogonalize against first (not modified, not returned). */
  against?: Vec[];
  /** Diagonal metric M of the inner product (positive entries). */
  weight?: Float64Array;
  /**
   * A vector whose norm falls below dropTol × its norm before projection is considered dependent on the
   * others and dropped. Default 1e-10.
   */
  dropTol?: number;
  /**
   * Companion vectors transformed by the same linear combinations (e.g. A·v alongside v, so A never has
   * to be re-applied). companions[i] belongs to vs[i]; companionsAgainst[j] to against[j].
   */
  companions?: Vec[];
  companionsAgainst?: Vec[];
}

export interface OrthoResult {
  /** Orthonormal vectors spanning the part of span(vs) not in span(against), in input order. */
  vectors: Vec[];
  /** The companions transformed alongside (empty without companions). */
  companions: Vec[];
  /** Indices (into vs) of the vectors kept. */
  kept: number[];
}

/**
 * Modified Gram–Schmidt, applied twice ("twice is enough": orthogonality to round-off even for nearly
 * dependent inputs), against a given orthonormal block and then within the block. Near-dependent vectors
 * are dropped rather than normalized into noise.
 */
export function orthonormalize(vs: Vec[], opts: OrthoOptions = {}): OrthoResult {
  const { against = [], weight, dropTol = 1e-10, companions, companionsAgainst } = opts;
  if (companions && companions.length !== vs.length) throw new Error(`orthonormalize: ${vs.length} vectors but ${companions.length} companions`);
  if (companions && companionsAgainst?.length !== against.length && against.length > 0) {
    throw new Error(`orthonormalize: companions need companionsAgainst for each of the ${against.length} 'against' vectors`);
  }
  const basis: Vec[] = [];
  const basisC: Vec[] = [];
  const kept: number[] = [];
  vs.forEach((v0, idx) => {
    const v = Float64Array.from(v0);
    const c = companions ? Float64Array.from(companions[idx]) : null;
    const n0 = norm(v, weight);
    if (!(n0 > 0) || !Number.isFinite(n0)) return;
    for (let pass = 0; pass < 2; pass++) {
      against.forEach((q, j) => {
        const h = dot(q, v, weight);
        axpy(-h, q, v);
        if (c && companionsAgainst) axpy(-h, companionsAgainst[j], c);
      });
      basis.forEach((q, j) => {
        const h = dot(q, v, weight);
        axpy(-h, q, v);
        if (c) axpy(-h, basisC[j], c);
      });
    }
    const n1 = norm(v, weight);
    if (!(n1 > dropTol * n0)) return;
    for (let i = 0; i < v.length; i++) v[i] /= n1;
    if (c) for (let i = 0; i < c.length; i++) c[i] /= n1;
    basis.push(v);
    if (c) basisC.push(c);
    kept.push(idx);
  });
  return { vectors: basis, companions: basisC, kept };
}
