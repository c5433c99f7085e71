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
 */
import type { Vec } from "../autodiff/derivatives";
import { dot } from "../linalg/vec";
import type { OptState, UpdateRule } from "../optim/rule";
import { solveSdcp } from "./sdcp";
import { eulerState } from "./state";
import { EigenTracker } from "./tracker";
import { checkFinite, checkFiniteVec, snapshotCounters, validateOptions, type FlowOptions, type FlowProblem, type FlowResult, type FlowRow } from "./types";

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

export function central(problem: FlowProblem, options: CentralOptions): FlowResult {
  const o = validateOptions(options);
  const { D, rule } = problem;
  if (!rule.preconditioned) throw new Error(`the central flow needs a preconditioned update rule (w' = w − P⁻¹g); ${rule.name} is not one`);
  const started = Date.now();
  const dim = D.dim;
  const dt = 1 / o.substeps;
  const tracker = new EigenTracker({ k: o.k, growAbove: o.trackAbove, maxK: Math.max(o.maxK, o.k), tol: o.eigTol, seed: o.seed });
  const rows: FlowRow[] = [];
  let w: Vec = Float64Array.from(problem.w0);
  let s = rule.updateState(problem.state0 ?? rule.init(dim), D.lossAndGrad(w).grad);
  let worstComplementarity = 0;
  for (let t = 0; t < o.steps; t++) {
    let row: FlowRow | null = null;
    let traceX = 0;
    let gradNormPred = 0;
    for (let j = 0; j < o.substeps; j++) {
      const { loss, grad: g } = D.lossAndGrad(w);
      checkFinite("central", t, "loss", loss);
      const P = rule.precond(s, dim);
      const spec = tracker.solve(D, w, P);
      const active = [...spec.values.keys()].filter((i) => spec.values[i] > o.activeAbove);
      const u = active.map((i) => spec.u[i]);
      const lambdas = active.map((i) => spec.values[i]);
      const m = u.length;
      // (H u_i)_p = λ_i P_p u_ip: the gradient-oscillation directions.
      const hu = u.map((ui, a) => ui.map((x, p) => lambdas[a] * P[p] * x));
      let X: number[][] = [];
      let dM: Vec[][] = [];
      let complementarity = 0;
      if (m > 0) {
        ({ X, dM, complementarity } = solveCentralSdcp(D, w, g, P, s, rule, u, hu, lambdas, dt));
        worstComplementarity = Math.max(worstComplementarity, complementarity);
      }
      // dw/dt = −P⁻¹[g + ½ Σ_ij X_ij ∇M_ij]
      const force = Float64Array.from(g);
      const g2 = g.map((x) => x * x);
      let tr = 0;
      let gn = dot(g, g);
      for (let a = 0; a < m; a++) {
        tr += X[a][a];
        for (let b = 0; b < m; b++) {
          const x = X[a][b];
          if (x === 0) continue;
          const grad = a <= b ? dM[a][b] : dM[b][a];
          for (let p = 0; p < dim; p++) {
            force[p] += 0.5 * x * grad[p];
            g2[p] += x * hu[a][p] * hu[b][p];
          }
          gn += x * dot(hu[a], hu[b]);
        }
      }
      if (j === 0) {
        row = { step: t, loss, eigs: Array.from(spec.values.slice(0, o.k)), n_active: m, tracked: spec.values.length };
        options.onSubstep?.(t, { X, u, lambdas, complementarity });
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
    rows.push(r);
    o.onStep?.(t, w, s, r);
  }
  const result: FlowResult = { process: "central", rows, wFinal: w, stateFinal: s, counters: snapshotCounters(D), seconds: (Date.now() - started) / 1000 };
  return Object.assign(result, { worstComplementarity });
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
): { X: number[][]; dM: Vec[][]; complementarity: number } {
  const m = u.length;
  const dim = D.dim;
  // ∇M_ij for i ≤ j in one batched call.
  const pairs: [number, number][] = [];
  for (let a = 0; a < m; a++) for (let b = a; b < m; b++) pairs.push([a, b]);
  const thirds = D.third(w, pairs.map(([a]) => u[a]), pairs.map(([, b]) => u[b]));
  const dM: Vec[][] = Array.from({ length: m }, () => new Array<Vec>(m));
  pairs.forEach(([a, b], i) => (dM[a][b] = thirds[i]));
  const grad = (a: number, b: number): Vec => (a <= b ? dM[a][b] : dM[b][a]);
  const Pinv = P.map((p) => 1 / p);
  const pinvG = g.map((x, p) => x * Pinv[p]);
  // State part: dP/dt is affine in X through E[g²] = g⊙g + Σ X_kl (Hu_k)⊙(Hu_l).
  const ds0 = rule.stateRate(s, g.map((x) => x * x));
  const dP0 = ds0 ? rule.precondRate(s, ds0, dim) : null;
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
        dPkl[k][l] = dPkl[l][k] = rule.precondRate(s, linear, dim);
      }
    }
  }
  const A: number[][] = [];
  const B = new Float64Array(m * m * m * m);
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
  const res = solveSdcp(A, B);
  if (res.status === "unbounded") throw new Error("central flow: the SDCP is unbounded (no finite oscillation keeps the eigenvalues at the edge)");
  return { X: res.X, dM, complementarity: res.complementarity };
}
