/**
 * Small synthetic regression data sets, all deterministic given their seed:
 *  - gaussianRegression: x, y ~ N(0, 1) entrywise (the central-flows JAX example).
 *  - chebyshev: n equally spaced points on [−1, 1], target T_k(x) (the EoS paper's chebyshev-k-20).
 *  - linearTeacher: orthonormalized Gaussian inputs, targets y = x·A (the EoS paper's linear-50-50 in spirit).
 */
import type { Dataset } from "../models/objective";
import { randomOrthogonal } from "../models/init";
import { Rng } from "../random";

function positiveInt(value: number, fn: string, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${fn}: ${field} must be a positive integer; got ${value}`);
  return value;
}

function seeded(seed: number, fn: string): Rng {
  if (!Number.isFinite(seed)) throw new Error(`${fn}: seed must be a finite number; got ${seed}`);
  return new Rng(seed);
}

/** Inputs [n, d] and targets [n, out], every entry i.i.d. N(0, 1); X is drawn first, then Y, from one stream. */
export function gaussianRegression(opts: { n: number; d: number; out: number; seed: number }): Dataset {
  const n = positiveInt(opts.n, "gaussianRegression", "n");
  const d = positiveInt(opts.d, "gaussianRegression", "d");
  const c = positiveInt(opts.out, "gaussianRegression", "out");
  const rng = seeded(opts.seed, "gaussianRegression");
  return { X: Float32Array.from(rng.normals(n * d)), Y: Float32Array.from(rng.normals(n * c)), n, d, c };
}

/** Chebyshev polynomial of the first kind T_k(x), by the three-term recurrence (exact for |x| ≤ 1). */
export function chebyshevT(k: number, x: number): number {
  let prev = 1;
  let cur = x;
  if (k === 0) return prev;
  for (let j = 1; j < k; j++) [prev, cur] = [cur, 2 * x * cur - prev];
  return cur;
}

/**
 * n points x_i = −1 + 2i/(n − 1) (one feature) with targets T_k(x_i). The data are deterministic; `seed` is
 * accepted for a uniform calling convention and ignored.
 */
export function chebyshev(opts: { n?: number; k: number; seed?: number }): Dataset {
  const n = positiveInt(opts.n ?? 20, "chebyshev", "n");
  if (n < 2) throw new Error(`chebyshev: n must be at least 2 to span [−1, 1]; got ${n}`);
  if (!Number.isInteger(opts.k) || opts.k < 0) throw new Error(`chebyshev: k must be a non-negative integer; got ${opts.k}`);
  const X = new Float32Array(n);
  const Y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = -1 + (2 * i) / (n - 1);
    X[i] = x;
    Y[i] = chebyshevT(opts.k, x);
  }
  return { X, Y, n, d: 1, c: 1 };
}

/**
 * Inputs X = √max(n, d) · Q with Q a Haar-random [n, d] matrix with orthonormal columns (n ≥ d) or rows
 * (n < d): for n ≥ d the inputs are exactly whitened, XᵀX / n = I; for n = d = 50 this is the EoS paper's
 * "orthonormalized Gaussian inputs × √50". Targets Y = X·A with a teacher A [d, out], A_ij ~ N(0, 1/d), so the
 * targets have unit scale. Returns the teacher (row-major [d, out]) too.
 */
export function linearTeacher(opts: { n: number; d: number; out: number; seed: number }): Dataset & { teacher: Float64Array } {
  const n = positiveInt(opts.n, "linearTeacher", "n");
  const d = positiveInt(opts.d, "linearTeacher", "d");
  const c = positiveInt(opts.out, "linearTeacher", "out");
  const rng = seeded(opts.seed, "linearTeacher");
  const Q = randomOrthogonal(n, d, rng);
  const scale = Math.sqrt(Math.max(n, d));
  const teacher = rng.normals(d * c, 1 / Math.sqrt(d));
  const X64 = Q.map((q) => q * scale);
  const Y = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < c; o++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X64[i * d + j] * teacher[j * c + o];
      Y[i * c + o] = s;
    }
  }
  return { X: Float32Array.from(X64), Y, n, d, c, teacher };
}
