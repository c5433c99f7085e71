/**
 * RMSProp's stationary second moment ν̄(w) (central-flows.md §5), by the frozen-w ν-flow:
 *
 *     dν/dt = c [g⊙² + diag(HΣH) − ν],   w fixed,   Σ = U X Uᵀ keeping every effective eigenvalue ≤ 2,
 *
 * the central flow's ν-equation with the weights held still. Only P = diag((√ν̂ + ε)/η) moves, so the
 * residual R = Uᵀ(2P − H)U changes at the rate 2Uᵀ(dP/dt)U, affine in X through diag(HΣH) = Σ X_kl (Hu_k)⊙(Hu_l):
 * each Euler step solves the SDCP with only these "state" parts (`stateSdcp`). Its fixed point is ν̄(w):
 * ν̄ = g⊙² where that keeps the edge, and otherwise just large enough that the effective eigenvalues sit at 2.
 * The step counter is frozen too, so the bias correction stays that of the checkpoint.
 *
 * `stateSdcp` is shared with the ablated flow (ablated.ts), which also moves w but without the regularizer.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { solveSdcp } from "../../flows/sdcp";
import { eulerState } from "../../flows/state";
import { EigenTracker } from "../../curvature/tracker";
import type { OptState, UpdateRule } from "../../optim/rule";
import { cosine } from "./measures";

export interface Edge {
  /** Active generalized eigenvectors (uᵀPu = 1) and their effective eigenvalues. */
  u: Vec[];
  lambdas: number[];
  /** (Hu_a)_p = λ_a P_p u_ap. */
  hu: Vec[];
}

/** The eigenpairs above `activeAbove` at (w, P), from a warm-started tracker. */
export function edgeAt(tracker: EigenTracker, D: Derivatives, w: Vec, P: Float64Array, activeAbove: number): Edge & { top: number[] } {
  const spec = tracker.solve(D, w, P);
  const active = [...spec.values.keys()].filter((i) => spec.values[i] > activeAbove);
  const u = active.map((i) => spec.u[i]);
  const lambdas = active.map((i) => spec.values[i]);
  return { u, lambdas, hu: u.map((ui, a) => ui.map((x, p) => lambdas[a] * P[p] * x)), top: Array.from(spec.values) };
}

/**
 * The SDCP of one Euler step of length dt when only the state moves (plus an optional X-free drift of the
 * residual, `extraA`): A = 2I − diag(λ) + dt(2Uᵀ diag(dP₀) U + extraA), B[X] = dt·2Σ_kl X_kl Uᵀ diag(∂P/∂X_kl) U.
 * Returns X and the oscillation's contribution q = Σ X_kl (Hu_k)⊙(Hu_l) to E[g²].
 */
export function stateSdcp(
  rule: UpdateRule,
  s: OptState,
  g2: Float64Array,
  edge: Edge,
  o: { dt: number; extraA?: number[][]; freezeStep: boolean },
): { X: number[][]; q: Float64Array; complementarity: number } {
  const { dt, extraA } = o;
  const m = edge.u.length;
  const dim = g2.length;
  const q = new Float64Array(dim);
  if (m === 0) return { X: [], q, complementarity: 0 };
  const { u, hu, lambdas } = edge;
  const ds0 = rule.stateRate(s, g2);
  if (!ds0) throw new Error(`stateSdcp: ${rule.name} has no state dynamics`);
  const dP0 = rule.precondRate(s, o.freezeStep ? { ...ds0, step: 0 } : ds0, dim);
  const zero = rule.stateRate(s, new Float64Array(dim)) as OptState;
  const uDu = (a: number, b: number, d: Float64Array): number => {
    let acc = 0;
    for (let p = 0; p < dim; p++) acc += u[a][p] * u[b][p] * d[p];
    return acc;
  };
  // ∂P/∂X_kl: the part of dP/dt linear in X, through the state's input (Hu_k)⊙(Hu_l).
  const dPkl: Float64Array[][] = Array.from({ length: m }, () => new Array<Float64Array>(m));
  for (let k = 0; k < m; k++) {
    for (let l = k; l < m; l++) {
      const dq = rule.stateRate(s, hu[k].map((x, p) => x * hu[l][p])) as OptState;
      const linear: OptState = { step: 0, nu: dq.nu.map((v, i) => v - zero.nu[i]), buf: dq.buf };
      dPkl[k][l] = dPkl[l][k] = rule.precondRate(s, linear, dim);
    }
  }
  const A: number[][] = [];
  const B = new Float64Array(m ** 4);
  for (let a = 0; a < m; a++) {
    A.push([]);
    for (let b = 0; b < m; b++) {
      A[a][b] = (a === b ? 2 - lambdas[a] : 0) + dt * (2 * uDu(a, b, dP0) + (extraA ? extraA[a][b] : 0));
      for (let k = 0; k < m; k++) for (let l = 0; l < m; l++) B[(a * m + b) * m * m + k * m + l] = dt * 2 * uDu(a, b, dPkl[k][l]);
    }
  }
  const res = solveSdcp(A, B);
  if (res.status === "unbounded") throw new Error("stateSdcp: unbounded (the preconditioner cannot hold the edge)");
  for (let k = 0; k < m; k++) for (let l = 0; l < m; l++) if (res.X[k][l] !== 0) for (let p = 0; p < dim; p++) q[p] += res.X[k][l] * hu[k][p] * hu[l][p];
  return { X: res.X, q, complementarity: res.complementarity };
}

export interface NuFlowOptions {
  /** Euler steps. */
  iterations: number;
  /** Step length in units of optimizer steps; c·dt ≈ 0.1 is safe. */
  dt: number;
  k?: number;
  activeAbove?: number;
  eigTol?: number;
  seed?: number;
  /** Report cosines to this vector instead of to the final ν (e.g. ν̄ from another start). */
  reference?: Float64Array;
}

export interface NuFlowResult {
  /** ν after the last step (≈ ν̄(w) when converged). */
  nu: Float64Array;
  /** Per step: cos∠(ν, ν_final or the reference), relative change ‖Δν‖/‖ν‖, top effective eigenvalue, tr X. */
  history: { iteration: number; cosToFinal: number; change: number; top: number; traceX: number }[];
  /** Hessian-vector products spent. */
  hvps: number;
}

/** Integrates the frozen-w ν-flow from state s0 (its ν; its step counter is kept fixed). */
export function frozenNuFlow(D: Derivatives, w: Vec, rule: UpdateRule, s0: OptState, o: NuFlowOptions): NuFlowResult {
  const dim = D.dim;
  const tracker = new EigenTracker({ k: o.k ?? 4, growAbove: 1.5, maxK: (o.k ?? 4) + 8, tol: o.eigTol ?? 1e-5, seed: o.seed ?? 0 });
  const g = D.lossAndGrad(w).grad;
  const g2 = g.map((x) => x * x);
  const hvps0 = D.counters.hvps;
  let s: OptState = { ...s0, nu: Float64Array.from(s0.nu) };
  const nus: Float64Array[] = [];
  const raw: { top: number; traceX: number; change: number }[] = [];
  for (let it = 0; it < o.iterations; it++) {
    const P = rule.precond(s, dim);
    const edge = edgeAt(tracker, D, w, P, o.activeAbove ?? 1.8);
    const { X, q } = stateSdcp(rule, s, g2, edge, { dt: o.dt, freezeStep: true });
    const ds = rule.stateRate(s, g2.map((x, p) => x + q[p])) as OptState;
    const next = eulerState(s, { ...ds, step: 0 }, o.dt);
    let diff = 0;
    let size = 0;
    for (let p = 0; p < next.nu.length; p++) {
      diff += (next.nu[p] - s.nu[p]) ** 2;
      size += s.nu[p] ** 2;
    }
    raw.push({ top: edge.top[0], traceX: X.reduce((a, row, i) => a + row[i], 0), change: Math.sqrt(diff / size) });
    s = next;
    nus.push(Float64Array.from(s.nu));
  }
  const nu = s.nu;
  return {
    nu,
    history: raw.map((r, i) => ({ iteration: i + 1, cosToFinal: cosine(nus[i], o.reference ?? nu), ...r })),
    hvps: D.counters.hvps - hvps0,
  };
}
