/**
 * Initializations of a deep linear net h ← h W_l (W_l [in, out], D = N_l − 1 matrices) for the depth
 * experiments, all as flat parameter vectors of the library's layout:
 *  - scaled_gaussian(g): W_l ~ N(0, g²/in), norm-preserving on average at g = 1, but the product's singular
 *    values spread with depth (random-products.ts);
 *  - orthogonal(g): W_l = g Q_l, Q_l Haar-orthogonal (orthonormal columns or rows when rectangular): at g = 1
 *    every singular value of the product is exactly 1 (dynamical isometry);
 *  - decoupled(u₀): the paper's special initial conditions, the ideal outcome of pretraining: with
 *    Σ³¹ᵀ = V S Uᵀ and random orthogonal bases R_l of the hidden layers,
 *        W_1 = V G R_1ᵀ,  W_l = R_{l−1} G R_lᵀ,  W_D = R_{D−1} G Uᵀ,   G = diag(a) on the modes with s_α > 0,
 *    a = u₀^{1/D}, so the end-to-end map is Σ_α u₀ v_α u_αᵀ and every mode follows the mode map (analytic.ts)
 *    exactly. Directions outside the task's modes start at zero and stay there.
 */
import { initParams, randomOrthogonal } from "../../models/init";
import type { DenseLayout } from "../../params";
import { orthonormalize } from "../../linalg/dense";
import { Rng } from "../../random";
import type { TaskModes } from "./modes";

export type DeepInit = { kind: "scaled_gaussian"; gain: number } | { kind: "orthogonal"; gain: number } | { kind: "decoupled"; u0: number };

export const DEEP_INIT_KINDS = ["scaled_gaussian", "orthogonal", "decoupled"] as const;

/** An n×n orthogonal basis whose first columns are the given orthonormal columns (row-major [n, k] input). */
export function completeBasis(cols: Float64Array, n: number, k: number, rng: Rng): Float64Array {
  const given = Array.from({ length: k }, (_, j) => Float64Array.from({ length: n }, (_, i) => cols[i * k + j]));
  const extra: Float64Array[] = [];
  while (given.length + extra.length < n) {
    const fresh = Array.from({ length: n - given.length - extra.length }, () => rng.normals(n));
    extra.push(...orthonormalize(fresh, { against: [...given, ...extra] }).vectors);
  }
  const all = [...given, ...extra];
  const B = new Float64Array(n * n);
  all.forEach((v, j) => v.forEach((x, i) => (B[i * n + j] = x)));
  return B;
}

/** B_in G B_outᵀ for bases B_in [m, m], B_out [p, p] and G = diag(a) on the first `modes` entries. */
function modeCoupledMatrix(Bin: Float64Array, m: number, Bout: Float64Array, p: number, a: number, modes: number): Float64Array {
  const W = new Float64Array(m * p);
  for (let alpha = 0; alpha < modes; alpha++) {
    for (let i = 0; i < m; i++) {
      const x = a * Bin[i * m + alpha];
      if (x !== 0) for (let j = 0; j < p; j++) W[i * p + j] += x * Bout[j * p + alpha];
    }
  }
  return W;
}

/** The decoupled init for a task's modes (only modes with s > 0 get strength). */
export function decoupledInit(layout: DenseLayout, modes: TaskModes, u0: number, seed: number): Float64Array {
  if (layout.bias) throw new Error("decoupledInit: a deep linear net has no biases");
  const D = layout.layers.length;
  const d = layout.widths[0];
  const c = layout.widths[D];
  if (d !== modes.d || c !== modes.c) throw new Error(`decoupledInit: net maps ${d} → ${c}, task is ${modes.d} → ${modes.c}`);
  const active = Array.from(modes.s).filter((s) => s > 1e-12 * modes.s[0]).length;
  if (layout.widths.some((w) => w < active)) throw new Error(`decoupledInit: every width must hold the ${active} task modes, widths are [${layout.widths}]`);
  if (!(u0 > 0)) throw new Error(`decoupledInit: u0 must be positive, got ${u0}`);
  const rng = new Rng(seed);
  const bases = layout.widths.map((w, l) => {
    if (l === 0) return completeBasis(modes.V, d, modes.r, rng);
    if (l === D) return completeBasis(modes.U, c, modes.r, rng);
    return randomOrthogonal(w, w, rng);
  });
  const a = Math.pow(u0, 1 / D);
  const flat = new Float64Array(layout.size);
  layout.layers.forEach((s, l) => flat.set(modeCoupledMatrix(bases[l], s.in, bases[l + 1], s.out, a, active), s.wOffset));
  return flat;
}

export function deepInit(layout: DenseLayout, init: DeepInit, modes: TaskModes, seed: number): Float64Array {
  switch (init.kind) {
    case "scaled_gaussian":
      return initParams(layout, { scheme: "scaled_gaussian", sigma: init.gain }, seed);
    case "orthogonal":
      return initParams(layout, { scheme: "orthogonal", gain: init.gain }, seed);
    case "decoupled":
      return decoupledInit(layout, modes, init.u0, seed);
  }
}
