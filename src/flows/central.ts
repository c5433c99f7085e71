/**
 * The central flow (Cohen, Damian et al., 2024): the time-averaged trajectory of an optimizer at the edge of
 * stability. With generalized eigenpairs H u_i = λ_i P u_i (uᵀPu = 1) of the critical (active) eigenvalues,
 * the oscillation covariance is Σ = U X Uᵀ with X ⪰ 0 (k×k), and
 *     dw/dt = −P⁻¹ [∇L + ½ Σ_ij X_ij ∇M_ij],      M_ij(w) = u_iᵀ H(w) u_j   (U frozen; i ≠ j counted twice)
 *     ds/dt = stateRate(s, g⊙g + diag(H Σ H)),    (H u_i)_p = λ_i P_p u_ip  (the gradient covariance is HΣH)
 * X solves, at each Euler substep of length dt, the SDCP on the residual after the substep:
 *     X ⪰ 0,  R + dt(A + B[X]) ⪰ 0,  ⟨X, R + dt(A + B[X])⟩ = 0,    R = Uᵀ(2P − H)U = 2I − diag(λ),
 *     A_ij = ⟨∇M_ij, P⁻¹g⟩ + 2 uᵢᵀ diag(dP/dt |_{X=0}) u_j,
 *     B[X]_ij = ½ Σ_kl ⟨∇M_ij, P⁻¹∇M_kl⟩ X_kl + 2 Σ_kl X_kl uᵢᵀ diag(∂P/∂X_kl) u_j.
 * For GD (P = I/η) this reduces to the paper's dw/dt = −η[∇L + ½∇⟨H, Σ⟩] with S pinned at 2/η.
 * Rows report L and the eigenvalues at the first substep of each unit step and tr X averaged over substeps.
 * The SDCP covers the active eigenpairs (sdcpPairs "active", default) or every tracked one ("tracked": the float64
 * reference's discretization, matched to 1e-6 in test/engine-fidelity). The substeps are equal, so the eigensolver
 * starts from the eigenbasis extrapolated from the last two substeps.
 */
import { EigenTracker } from "../curvature/tracker";
import { DivergenceError } from "../divergence";
import { dot, type Vec } from "../linalg/vec";
import type { OptState, UpdateRule } from "../optim/rule";
import { runFlow } from "./run";
import { solveSdcp } from "./sdcp";
import { eulerState } from "./state";
import { checkFinite, checkFiniteVec, solveOrDiverge, validateOptions, validateProblem, type FlowCarry, type FlowOptions, type FlowProblem, type FlowProcess, type FlowResult, type FlowRow, type FlowStep } from "./types";

/** What one substep of the central flow computed, for predictions and plots. */
export interface CentralSubstep {
  /** Oscillation covariance in effective units, over the active eigenvectors. */
  X: number[][];
  /** Active generalized eigenvectors u_i (Σ = U X Uᵀ). */
  u: Vec[];
  /** Their effective eigenvalues. */
  lambdas: number[];
  /** Complementarity residual reported by the SDCP solver. */
  complementarity: number;
}

export interface CentralOptions extends FlowOptions {
  /** Called at the first substep of each unit step with the SDCP solution there. */
  onSubstep?: (t: number, detail: CentralSubstep) => void;
}

/** Default eigensolver tolerance of the central flow on float64 derivatives (float32: FlowOptions' 1e-4). */
export const CENTRAL_EIG_TOL_F64 = 1e-6;

export function centralInit(problem: FlowProblem, options: FlowOptions): FlowCarry {
  validateProblem(problem);
  const { D, rule } = problem;
  // The SDCP is built from the eigenvectors, whose error is ~eigTol (eigenvalues' ~eigTol²): float64 derivatives
  // afford 1e-6 (the reference example needs it for 1e-6 in loss), float32 ones stall near 1e-6.
  const f64 = D.dtype === "float64" && typeof options === "object" && options !== null && options.eigTol === undefined;
  const o = validateOptions(f64 ? { ...options, eigTol: CENTRAL_EIG_TOL_F64 } : options, D.dim);
  if (!rule.preconditioned) throw new Error(`the central flow needs a preconditioned update rule (w' = w − P⁻¹g); ${rule.name} is not one`);
  const started = Date.now();
  const w = Float64Array.from(problem.w0);
  const at = D.lossAndGrad(w);
  return {
    process: "central",
    problem,
    options: o,
    t: 0,
    w,
    state: rule.updateState(problem.state0 ?? rule.init(D.dim), at.grad),
    at,
    tracker: new EigenTracker({ k: o.k, growAbove: o.trackAbove, maxK: o.maxK, tol: o.eigTol, seed: o.seed, extrapolate: true }),
    seconds: (Date.now() - started) / 1000,
    worstComplementarity: 0,
  };
}

/**
 * One unit of time: `substeps` Euler steps of the central flow. Each term is a fixed part (the stable flow's)
 * plus a part linear in X, the SDCP's solution:
 *     dw/dt  = −P⁻¹ (g + ½ Σ_ab X_ab ∇M_ab)
 *     E[g²]  = g⊙g + Σ_ab X_ab (Hu_a)⊙(Hu_b),   ds/dt = stateRate(s, E[g²])
 *     E‖g‖²  = ‖g‖² + Σ_ab X_ab ⟨Hu_a, Hu_b⟩
 */
export function centralStep(carry: FlowCarry): FlowStep {
  const started = Date.now();
  const { problem, options: o, t } = carry;
  const { D, rule } = problem;
  const dim = D.dim;
  const dt = 1 / o.substeps;
  const tracker = carry.tracker.clone();
  let w = carry.w; // [dim]
  let s = carry.state;
  let worstComplementarity = carry.worstComplementarity;
  let row: FlowRow | null = null;
  let detail: CentralSubstep | undefined;
  let traceX = 0;
  let gradNormPred = 0;
  for (let j = 0; j < o.substeps; j++) {
    const { loss, grad: g } = j === 0 && carry.at ? carry.at : D.lossAndGrad(w); // g [dim]
    checkFinite("central", t, "loss", loss);
    const P = rule.precond(s, dim); // [dim]
    const spec = solveOrDiverge("central", t, () => tracker.solve(D, w, P));
    const edge = spec.values[0] > o.activeAbove;
    const active = !edge ? [] : [...spec.values.keys()].filter((i) => o.sdcpPairs === "tracked" || spec.values[i] > o.activeAbove);
    const u = active.map((i) => spec.u[i]); // [m, dim], uᵀPu = I
    const lambdas = active.map((i) => spec.values[i]); // [m]
    const m = u.length;
    // (H u_a)_p = λ_a P_p u_ap: the gradient-oscillation directions.
    const hu = u.map((ua, a) => ua.map((x, p) => lambdas[a] * P[p] * x)); // [m, dim]
    let X: number[][] = []; // [m, m], X ⪰ 0
    let dM: Vec[][] = []; // [m, m, dim] (upper triangle): ∇M_ab
    let complementarity = 0;
    if (m > 0) {
      ({ X, dM, complementarity } = solveCentralSdcp(D, w, g, P, s, rule, u, hu, lambdas, dt, t));
      worstComplementarity = Math.max(worstComplementarity, complementarity);
    }
    const force = Float64Array.from(g); // [dim]   fixed part: ∇L (dw/dt = −P⁻¹ force)
    const g2 = g.map((x) => x * x); // [dim]        fixed part of E[g²]: g⊙g
    let gn = dot(g, g); //                           fixed part of E‖g‖²: ‖g‖²
    let tr = 0;
    for (let a = 0; a < m; a++) {
      tr += X[a][a];
      for (let b = 0; b < m; b++) {
        const x = X[a][b];
        if (x === 0) continue;
        const gradM = a <= b ? dM[a][b] : dM[b][a]; // [dim]
        for (let p = 0; p < dim; p++) {
          force[p] += 0.5 * x * gradM[p]; //          linear in X: ½ X_ab ∇M_ab
          g2[p] += x * hu[a][p] * hu[b][p]; //        linear in X: X_ab (Hu_a)⊙(Hu_b)
        }
        gn += x * dot(hu[a], hu[b]); //               linear in X: X_ab ⟨Hu_a, Hu_b⟩
      }
    }
    if (j === 0) {
      row = { step: t, loss, eigs: Array.from(spec.values.slice(0, o.k)), n_active: m, tracked: spec.values.length };
      detail = { X, u, lambdas, complementarity };
    }
    traceX += tr / o.substeps;
    gradNormPred += gn / o.substeps;
    const ds = rule.stateRate(s, g2);
    w = w.map((x, p) => x - (dt * force[p]) / P[p]);
    s = eulerState(s, ds, dt);
  }
  checkFiniteVec("central", t, "w", w);
  const r = row as FlowRow;
  r.X_trace = traceX;
  r.loss_pred = r.loss + traceX;
  r.gradnorm2_pred = gradNormPred;
  const next: FlowCarry = { ...carry, t: t + 1, w, state: s, at: null, tracker, worstComplementarity, seconds: carry.seconds + (Date.now() - started) / 1000 };
  return { carry: next, row: r, detail };
}

export const CENTRAL: FlowProcess = { name: "central", init: centralInit, step: centralStep };

export function central(problem: FlowProblem, options: CentralOptions): FlowResult {
  return runFlow(CENTRAL, problem, options);
}

/** Builds A and B of the substep's SDCP and solves it (see the module comment for the formulas). */
function solveCentralSdcp(
  D: FlowProblem["D"],
  w: Vec,
  g: Vec,
  P: Float64Array,
  s: OptState,
  rule: UpdateRule,
  u: Vec[],
  hu: Vec[],
  lambdas: number[],
  dt: number,
  step: number,
): { X: number[][]; dM: Vec[][]; complementarity: number } {
  const m = u.length;
  const dim = D.dim;
  // The SDCP's inputs: the residual after the substep is A + B[X], A [m, m] its fixed part (X = 0) and
  // B [m·m, m·m] its linear part, row-major over (a, b) and (k, l).
  // ∇M_ij for i ≤ j in one batched call.
  const pairs: [number, number][] = [];
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) pairs.push([a, b]);
  const thirds = D.third(w, pairs.map(([a]) => u[a]), pairs.map(([, b]) => u[b])); // [m(m+1)/2, dim]
  const dM: Vec[][] = Array.from({ length: m }, () => new Array<Vec>(m));
  pairs.forEach(([a, b], i) => (dM[a][b] = thirds[i]));
  const grad = (a: number, b: number): Vec => (a <= b ? dM[a][b] : dM[b][a]);
  const Pinv = P.map((p) => 1 / p); // [dim]
  const pinvG = g.map((x, p) => x * Pinv[p]); // [dim]
  // State part: dP/dt is affine in X through E[g²] = g⊙g + Σ X_kl (Hu_k)⊙(Hu_l).
  const ds0 = rule.stateRate(s, g.map((x) => x * x));
  const dP0 = ds0 ? rule.precondRate(s, ds0, dim) : null; // [dim]  dP/dt at X = 0
  const zeroRate = ds0 ? rule.stateRate(s, new Float64Array(dim)) : null;
  const uPu = (a: number, b: number, d: Float64Array): number => {
    let acc = 0;
    for (let p = 0; p < dim; p++) acc += u[a][p] * u[b][p] * d[p];
    return acc;
  };
  const dPkl: Float64Array[][] = Array.from({ length: m }, () => new Array<Float64Array>(m));
  if (ds0 && zeroRate) {
    for (let k = 0; k < m; k++) {
      for (let l = k; l < m; l++) {
        const q = hu[k].map((x, p) => x * hu[l][p]);
        const dq = rule.stateRate(s, q) as OptState;
        const linear = { step: dq.step - zeroRate.step, nu: dq.nu.map((v, i) => v - zeroRate.nu[i]), buf: dq.buf };
        dPkl[k][l] = dPkl[l][k] = rule.precondRate(s, linear, dim); // [dim]  ∂(dP/dt)/∂X_kl
      }
    }
  }
  const A: number[][] = []; // [m, m]        fixed: R + dt·(⟨∇M_ab, P⁻¹g⟩ + 2 u_aᵀ diag(dP/dt|X=0) u_b)
  const B = new Float64Array(m * m * m * m); // [m², m²]  linear: dt·(½⟨∇M_ab, P⁻¹∇M_kl⟩ + 2 u_aᵀ diag(∂P/∂X_kl) u_b)
  for (let a = 0; a < m; a++) {
    A.push([]);
    for (let b = 0; b < m; b++) {
      const gab = grad(a, b);
      const aij = dot(gab, pinvG) + (dP0 ? 2 * uPu(a, b, dP0) : 0);
      A[a][b] = (a === b ? 2 - lambdas[a] : 0) + dt * aij;
      for (let k = 0; k < m; k++) {
        for (let l = 0; l < m; l++) {
          const gkl = grad(k, l);
          let bij = 0;
          for (let p = 0; p < dim; p++) bij += gab[p] * Pinv[p] * gkl[p];
          bij *= 0.5;
          if (dP0) bij += 2 * uPu(a, b, dPkl[k][l]);
          B[(a * m + b) * m * m + (k * m + l)] = dt * bij;
        }
      }
    }
  }
  // Non-finite third derivatives (a blown-up point) would otherwise reach the solver as a usage error.
  const badA = A.flat().find((x) => !Number.isFinite(x));
  if (badA !== undefined) throw new DivergenceError("central", step, "the SDCP's fixed part A", badA);
  const badB = B.find((x) => !Number.isFinite(x));
  if (badB !== undefined) throw new DivergenceError("central", step, "the SDCP's linear part B", badB);
  const res = solveSdcp(A, B);
  if (res.status === "unbounded") {
    throw new DivergenceError("central", step, "‖X‖ (the oscillation covariance)", Infinity, "the SDCP is unbounded: no finite oscillation keeps the eigenvalues at the edge");
  }
  return { X: res.X, dM, complementarity: res.complementarity };
}
