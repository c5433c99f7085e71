/**
 * Small symmetric matrices (n up to a few dozen) in row-major Float64Array storage: eigendecomposition,
 * projection onto the PSD cone, and solves with a PSD matrix that may be singular.
 *
 * Cyclic Jacobi rather than a library call: these run thousands of times inside the SDCP solver's
 * iterations on 2×2 … 6×6 matrices, where allocation and object overhead dominate; Jacobi is short,
 * allocation-light and accurate to high relative precision.
 */

export interface SymmetricEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** n×n row-major; column j (entries vectors[i·n + j]) is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

const MAX_SWEEPS = 60;

/**
 * Eigendecomposition of the symmetric n×n matrix a (only its upper triangle is read) by cyclic Jacobi:
 * rotations Jᵀ a J zero one off-diagonal pair at a time; convergence is quadratic once the
 * off-diagonal mass is small, and the loop stops when a sweep finds every off-diagonal entry
 * negligible next to its diagonal pair.
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): SymmetricEigen {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      s[i * n + j] = a[i * n + j];
      s[j * n + i] = a[i * n + j];
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;

  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q];
        if (apq === 0) continue;
        const app = s[p * n + p];
        const aqq = s[q * n + q];
        // Negligible next to the diagonal (the Demmel–Veselić test): drop it rather than rotate.
        if (Math.abs(apq) <= Number.EPSILON * Math.sqrt(Math.abs(app * aqq))) {
          s[p * n + q] = 0;
          s[q * n + p] = 0;
          continue;
        }
        rotated = true;
        // Rotation angle from cot 2θ = (a_qq − a_pp) / 2a_pq; t = tan θ, the smaller root (|θ| ≤ π/4).
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        s[p * n + p] = app - t * apq;
        s[q * n + q] = aqq + t * apq;
        s[p * n + q] = 0;
        s[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          if (r !== p && r !== q) {
            const arp = s[r * n + p];
            const arq = s[r * n + q];
            const np = c * arp - sn * arq;
            const nq = sn * arp + c * arq;
            s[r * n + p] = np;
            s[p * n + r] = np;
            s[r * n + q] = nq;
            s[q * n + r] = nq;
          }
          const vrp = v[r * n + p];
          const vrq = v[r * n + q];
          v[r * n + p] = c * vrp - sn * vrq;
          v[r * n + q] = sn * vrp + c * vrq;
        }
      }
    }
    if (!rotated) break;
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => s[i * n + i] - s[j * n + j]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = s[src * n + src];
    for (let r = 0; r < n; r++) vectors[r * n + dst] = v[r * n + src];
  });
  return { values, vectors };
}

/** Σ_j f(λ_j) v_j v_jᵀ for an eigendecomposition, as an n×n row-major matrix. */
export function spectralFunction(eig: SymmetricEigen, f: (lambda: number) => number): Float64Array {
  const n = eig.values.length;
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const fj = f(eig.values[j]);
    if (fj === 0) continue;
    for (let r = 0; r < n; r++) {
      const vr = fj * eig.vectors[r * n + j];
      for (let c = r; c < n; c++) out[r * n + c] += vr * eig.vectors[c * n + j];
    }
  }
  for (let r = 0; r < n; r++) for (let c = 0; c < r; c++) out[r * n + c] = out[c * n + r];
  return out;
}

/** Nearest PSD matrix in Frobenius norm: negative eigenvalues set to zero. */
export function projectPsd(a: ArrayLike<number>, n: number): Float64Array {
  return spectralFunction(symmetricEigen(a, n), (l) => (l > 0 ? l : 0));
}

/**
 * Solve a x = b for symmetric PSD a (n×n row-major). Cholesky when every pivot exceeds rcond·max a_ii;
 * otherwise the pseudo-inverse with eigenvalues below rcond·λ_max treated as zero, i.e. the
 * minimum-norm least-squares solution.
 */
export function solvePsd(a: ArrayLike<number>, b: ArrayLike<number>, n: number, rcond = 1e-12): Float64Array {
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]));
  const x = new Float64Array(n);
  if (maxDiag === 0) return x;
  const l = new Float64Array(n * n);
  let ok = true;
  for (let j = 0; j < n && ok; j++) {
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= l[j * n + p] ** 2;
    if (!(d > rcond * maxDiag)) {
      ok = false;
      break;
    }
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j];
      for (let p = 0; p < j; p++) sum -= l[i * n + p] * l[j * n + p];
      l[i * n + j] = sum / ljj;
    }
  }
  if (ok) {
    for (let i = 0; i < n; i++) {
      let sum = b[i];
      for (let p = 0; p < i; p++) sum -= l[i * n + p] * x[p];
      x[i] = sum / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = x[i];
      for (let p = i + 1; p < n; p++) sum -= l[p * n + i] * x[p];
      x[i] = sum / l[i * n + i];
    }
    return x;
  }
  const eig = symmetricEigen(a, n);
  const cutoff = rcond * Math.max(Math.abs(eig.values[0]), Math.abs(eig.values[n - 1]));
  for (let j = 0; j < n; j++) {
    if (eig.values[j] <= cutoff) continue;
    let proj = 0;
    for (let r = 0; r < n; r++) proj += eig.vectors[r * n + j] * b[r];
    proj /= eig.values[j];
    for (let r = 0; r < n; r++) x[r] += proj * eig.vectors[r * n + j];
  }
  return x;
}
