/**
 * Small dense linear algebra on host float64 vectors: inner products, block orthonormalization and the
 * symmetric eigendecomposition of small (k×k, Rayleigh–Ritz sized) matrices. Blocks of vectors are plain
 * arrays of Float64Array (one entry per vector), the layout the batched derivatives use.
 *
 * Inner products may be weighted by a positive diagonal M: ⟨a, b⟩_M = Σ_i M_i a_i b_i, so the same code
 * orthonormalizes in the Euclidean (M = undefined) or a preconditioner's metric (Uᵀ P U = I).
 */
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { product } from "./product";
import { axpy, dot, norm, type Vec } from "./vec";


/** Σ_j c_j v_j for a block v [m][dim] and coefficients c [m]. */
export function combine(vs: Vec[], c: ArrayLike<number>, dim = vs[0]?.length ?? 0): Vec {
  if (c.length !== vs.length) throw new Error(`combine: ${vs.length} vectors but ${c.length} coefficients`);
  const out = new Float64Array(dim);
  for (let j = 0; j < vs.length; j++) if (c[j] !== 0) axpy(c[j], vs[j], out);
  return out;
}

/** The vectors one after another in one array [vs.length · dim]. */
function packed(vs: Vec[], dim: number): Float64Array {
  const out = new Float64Array(vs.length * dim);
  vs.forEach((v, i) => {
    if (v.length !== dim) throw new Error(`block vector ${i} has length ${v.length}, expected ${dim}`);
    out.set(v, i * dim);
  });
  return out;
}

/**
 * Σ_s coeffs[j][s] vs[s] for every j: several `combine`s of one block as one matrix product (coeffsᵀ-weighted
 * rows of the packed block), the way the eigensolver forms Ritz vectors. coeffs[j] may be longer than vs (its
 * first vs.length entries are used).
 */
export function combineMany(vs: Vec[], coeffs: ArrayLike<number>[], dim = vs[0]?.length ?? 0): Vec[] {
  const s = vs.length;
  const m = coeffs.length;
  if (s === 0) return coeffs.map(() => new Float64Array(dim));
  const ct = new Float64Array(s * m); // [s, m]
  for (let j = 0; j < m; j++) {
    if (coeffs[j].length < s) throw new Error(`combineMany: coefficient row ${j} has ${coeffs[j].length} entries for ${s} vectors`);
    for (let i = 0; i < s; i++) ct[i * m + j] = coeffs[j][i];
  }
  const out = new Float64Array(m * dim);
  product(m, dim, s, ct, 0, true, packed(vs, dim), 0, true, out, 0, false);
  return Array.from({ length: m }, (_, j) => out.slice(j * dim, (j + 1) * dim));
}

/** G_ij = ⟨a_i, b_j⟩ as one matrix product, row-major [a.length · b.length]. */
export function gramFlat(a: Vec[], b: Vec[], dim = a[0]?.length ?? 0): Float64Array {
  const out = new Float64Array(a.length * b.length);
  if (a.length && b.length) product(a.length, b.length, dim, packed(a, dim), 0, false, packed(b, dim), 0, false, out, 0, false);
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
 * Orthonormalization against a given orthonormal block and then within the block. Against the block: classical
 * Gram–Schmidt twice, as two matrix products per pass (gramFlat, combineMany); "twice is enough" makes the result
 * orthogonal to it to round-off even for nearly dependent inputs. Within the block: modified Gram–Schmidt, repeated
 * once when a pass removed most of the vector (its norm fell below 1/√2 of what it was: Kahan's test), so the usual
 * nearly-orthogonal input (LOBPCG's residuals) costs one pass. In a weighted metric the block step is also
 * modified Gram–Schmidt, vector by vector. Near-dependent vectors are dropped rather than normalized into noise.
 */
export function orthonormalize(vs: Vec[], opts: OrthoOptions = {}): OrthoResult {
  const { against = [], weight, dropTol = 1e-10, companions, companionsAgainst } = opts;
  if (companions && companions.length !== vs.length) throw new Error(`orthonormalize: ${vs.length} vectors but ${companions.length} companions`);
  if (companions && companionsAgainst?.length !== against.length && against.length > 0) {
    throw new Error(`orthonormalize: companions need companionsAgainst for each of the ${against.length} 'against' vectors`);
  }
  const V = vs.map((v) => Float64Array.from(v));
  const Cs = companions ? companions.map((c) => Float64Array.from(c)) : null;
  const n0 = V.map((v) => norm(v, weight));
  // v ← v − Σ_q ⟨q, v⟩ q over qs (one q at a time), with the same coefficients on the companion c.
  const project = (qs: Vec[], qcs: Vec[] | undefined, v: Vec, c: Vec | null): void => {
    for (let j = 0; j < qs.length; j++) {
      const h = dot(qs[j], v, weight);
      axpy(-h, qs[j], v);
      if (c && qcs) axpy(-h, qcs[j], c);
    }
  };
  const blockAgainst = !weight && against.length > 0 && V.length > 0;
  if (blockAgainst) {
    const dim = V[0].length;
    for (let pass = 0; pass < 2; pass++) {
      const H = gramFlat(against, V, dim); // [against, V]
      const coeffs = V.map((_, j) => Float64Array.from(against, (_, a) => -H[a * V.length + j]));
      combineMany(against, coeffs, dim).forEach((d, j) => axpy(1, d, V[j]));
      if (Cs && companionsAgainst) combineMany(companionsAgainst, coeffs, Cs[0].length).forEach((d, j) => axpy(1, d, Cs[j]));
    }
  }
  const basis: Vec[] = [];
  const basisC: Vec[] = [];
  const kept: number[] = [];
  for (let idx = 0; idx < V.length; idx++) {
    const v = V[idx];
    const c = Cs ? Cs[idx] : null;
    if (!(n0[idx] > 0) || !Number.isFinite(n0[idx])) continue;
    let before = blockAgainst ? norm(v) : n0[idx];
    let n1 = before;
    for (let pass = 0; pass < 2; pass++) {
      if (!blockAgainst) project(against, companionsAgainst, v, c);
      project(basis, basisC, v, c);
      n1 = norm(v, weight);
      if (n1 >= Math.SQRT1_2 * before) break;
      before = n1;
    }
    if (!(n1 > dropTol * n0[idx])) continue;
    for (let i = 0; i < v.length; i++) v[i] /= n1;
    if (c) for (let i = 0; i < c.length; i++) c[i] /= n1;
    basis.push(v);
    if (c) basisC.push(c);
    kept.push(idx);
  }
  return { vectors: basis, companions: basisC, kept };
}
