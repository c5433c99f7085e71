/**
 * Symmetric linear operators applied to a block of vectors at once. The block is what makes curvature cheap
 * in tfjs: one batched HVP call costs little more than one vector (see derivatives.ts).
 *
 * The effective Hessian of a preconditioned method w' = w − P⁻¹g with diagonal P is
 *     A = P^{-1/2} H P^{-1/2},
 * whose eigenvalues λ are the generalized eigenvalues of (H, P): H u = λ P u with u = P^{-1/2} x.
 * For GD, P = I/η and A = ηH; the method is stable on a quadratic while λ_max(A) < 2.
 */
import type { Derivatives } from "../autodiff/derivatives";
import type { Vec } from "../linalg/vec";

export interface SymOperator {
  readonly dim: number;
  /** A v_i for every v_i, in one batched evaluation. */
  apply(vs: Vec[]): Vec[];
}

/** A = P^{-1/2} H(w) P^{-1/2}, one `hvp` call per block; P = undefined means A = H. */
export function effectiveHessian(D: Derivatives, w: Vec, precond?: Float64Array): SymOperator {
  const dim = D.dim;
  if (w.length !== dim) throw new Error(`effectiveHessian: w has length ${w.length}, expected ${dim}`);
  const point = Float64Array.from(w);
  if (!precond) return { dim, apply: (vs) => D.hvp(point, vs) };
  if (precond.length !== dim) throw new Error(`effectiveHessian: precond has length ${precond.length}, expected ${dim}`);
  const s = new Float64Array(dim); // P^{-1/2}
  for (let i = 0; i < dim; i++) {
    const p = precond[i];
    if (!(p > 0 && Number.isFinite(p))) throw new Error(`effectiveHessian: precond[${i}] = ${p}; every entry must be positive and finite`);
    s[i] = 1 / Math.sqrt(p);
  }
  const scale = (v: Vec): Vec => v.map((x, i) => x * s[i]);
  return { dim, apply: (vs) => D.hvp(point, vs.map(scale)).map(scale) };
}

/** H(w) as an operator: one batched HVP call per block, or (`batched` false) one call per vector. */
export function hessianOperator(D: Derivatives, w: Vec, batched = false): SymOperator {
  const point = Float64Array.from(w);
  return { dim: D.dim, apply: (vs) => (batched ? D.hvp(point, vs) : vs.map((v) => D.hvp(point, [v])[0])) };
}

/** A dense symmetric matrix (rows, or row-major flat) as an operator; for tests and small problems. */
export function denseOperator(a: number[][] | Float64Array, dim: number): SymOperator {
  const flat = Array.isArray(a) ? Float64Array.from(a.flat()) : Float64Array.from(a);
  if (Array.isArray(a) && (a.length !== dim || a.some((row) => row.length !== dim))) {
    throw new Error(`denseOperator: matrix must be ${dim}×${dim}`);
  }
  if (flat.length !== dim * dim) throw new Error(`denseOperator: ${flat.length} entries is not ${dim}×${dim}`);
  let scaleA = 0;
  for (const x of flat) scaleA = Math.max(scaleA, Math.abs(x));
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(flat[i * dim + j] - flat[j * dim + i]) > 1e-12 * scaleA) {
        throw new Error(`denseOperator: matrix is not symmetric (entries [${i}, ${j}] and [${j}, ${i}] differ)`);
      }
    }
  }
  return {
    dim,
    apply: (vs) =>
      vs.map((v) => {
        if (v.length !== dim) throw new Error(`denseOperator: vector has length ${v.length}, expected ${dim}`);
        const out = new Float64Array(dim);
        for (let i = 0; i < dim; i++) {
          let s = 0;
          for (let j = 0; j < dim; j++) s += flat[i * dim + j] * v[j];
          out[i] = s;
        }
        return out;
      }),
  };
}
