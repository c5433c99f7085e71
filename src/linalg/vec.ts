/**
 * Host float64 vectors: the one definition of `Vec` and of the inner product, norm and axpy on it. Every
 * layer (derivatives, eigensolvers, flows, SDCP, experiments) imports these instead of defining its own.
 * dot and norm accept any ArrayLike so packed k×k blocks (svec) and plain arrays share them.
 */
export type Vec = Float64Array;

/** ⟨a, b⟩, or ⟨a, b⟩_M = Σ M_i a_i b_i when a weight M is given. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>, weight?: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`dot: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  if (weight) for (let i = 0; i < a.length; i++) s += weight[i] * a[i] * b[i];
  else for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ‖a‖ (weighted: √⟨a, a⟩_M). */
export function norm(a: ArrayLike<number>, weight?: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a, weight));
}

/** y ← y + α x, in place; returns y. */
export function axpy(alpha: number, x: ArrayLike<number>, y: Vec): Vec {
  if (x.length !== y.length) throw new Error(`axpy: lengths ${x.length} and ${y.length} differ`);
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
  return y;
}

/** y + α x as a new vector. */
export function addScaled(y: ArrayLike<number>, alpha: number, x: ArrayLike<number>): Vec {
  if (x.length !== y.length) throw new Error(`addScaled: lengths ${x.length} and ${y.length} differ`);
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i] + alpha * x[i];
  return out;
}

/** α x as a new vector. */
export function scaled(alpha: number, x: ArrayLike<number>): Vec {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = alpha * x[i];
  return out;
}

/** Index of the first entry that is NaN or ±Infinity, or −1. */
export function firstNonFinite(xs: ArrayLike<number>): number {
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) return i;
  return -1;
}
