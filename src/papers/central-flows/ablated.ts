/**
 * The central flow of a preconditioned optimizer with its implicit regularizer removed ("ablated flow"):
 *
 *     dw/dt = −P⁻¹ ∇L                      (no ½∇⟨Σ, H⟩ term)
 *     ds/dt = stateRate(s, g⊙² + diag(HΣH))  (the oscillation still feeds the second moment)
 *
 * with Σ = U X Uᵀ from the SDCP that keeps the effective eigenvalues ≤ 2. Without the regularizer only the
 * preconditioner can hold the edge: the residual moves by A = 2I − Λ + dt(⟨∇M_ij, P⁻¹g⟩ + 2Uᵀdiag(dP₀)U)
 * (the plain gradient step changes the curvature, the state part grows P) and B is the state part alone
 * (`stateSdcp`). For Scalar RMSProp at stationarity this is the ablated flow −(2/S)∇L of Part II; for RMSProp
 * it shows what the curvature regularization buys. Started from a point of the central flow (w, s).
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { eulerState } from "../../flows/state";
import { checkFinite, checkFiniteVec } from "../../flows/types";
import { EigenTracker } from "../../curvature/tracker";
import type { OptState, UpdateRule } from "../../optim/rule";
import { edgeAt, stateSdcp } from "./nu-flow";

export interface AblatedOptions {
  steps: number;
  /** Effective eigenvalues reported per row. */
  k: number;
  substeps?: number;
  activeAbove?: number;
  eigTol?: number;
  seed?: number;
  chunk?: number;
  onChunk?: (rows: AblatedRow[]) => Promise<void>;
}

export interface AblatedRow {
  step: number;
  loss: number;
  eigs: number[];
  /** tr X averaged over the substeps (as the central flow reports it). */
  X_trace: number;
  /** L + tr X: the predicted time-averaged loss (as the central flow's loss_pred). */
  loss_pred: number;
  /** Mean per-coordinate step size mean_i 1/P_i. */
  mean_step: number;
}

export interface AblatedResult {
  rows: AblatedRow[];
  ws: Vec[];
  states: OptState[];
  seconds: number;
}

export async function ablatedFlow(D: Derivatives, rule: UpdateRule, w0: Vec, s0: OptState, o: AblatedOptions): Promise<AblatedResult> {
  const substeps = o.substeps ?? 4;
  const dt = 1 / substeps;
  const chunk = o.chunk ?? 25;
  const activeAbove = o.activeAbove ?? 1.8;
  const dim = D.dim;
  const tracker = new EigenTracker({ k: o.k, growAbove: 1.5, maxK: o.k + 8, tol: o.eigTol ?? 1e-5, seed: o.seed ?? 0 });
  const started = Date.now();
  const rows: AblatedRow[] = [];
  const ws: Vec[] = [Float64Array.from(w0)];
  const states: OptState[] = [];
  let w = Float64Array.from(w0);
  let s = s0;
  for (let t = 0; t < o.steps; t++) {
    states.push(s);
    let traceX = 0;
    for (let j = 0; j < substeps; j++) {
      const { loss, grad: g } = D.lossAndGrad(w);
      checkFinite("central", t, "ablated loss", loss);
      const P = rule.precond(s, dim);
      const edge = edgeAt(tracker, D, w, P, activeAbove);
      const m = edge.u.length;
      const step = g.map((x, p) => x / P[p]); // P⁻¹g
      // How the plain step moves M_ij = uᵢᵀHuⱼ: dR_ij/dt ∋ ⟨∇M_ij, P⁻¹g⟩.
      let drift: number[][] | undefined;
      if (m > 0) {
        const pairs: [number, number][] = [];
        for (let a = 0; a < m; a++) for (let b = a; b < m; b++) pairs.push([a, b]);
        const thirds = D.third(w, pairs.map(([a]) => edge.u[a]), pairs.map(([, b]) => edge.u[b]));
        drift = Array.from({ length: m }, () => new Array<number>(m).fill(0));
        pairs.forEach(([a, b], i) => {
          let d = 0;
          for (let p = 0; p < dim; p++) d += thirds[i][p] * step[p];
          (drift as number[][])[a][b] = (drift as number[][])[b][a] = d;
        });
      }
      const g2 = g.map((x) => x * x);
      const { X, q } = stateSdcp(rule, s, g2, edge, { dt, extraA: drift, freezeStep: false });
      traceX += X.reduce((a, row, i) => a + row[i], 0) / substeps;
      if (j === 0) {
        let meanStep = 0;
        for (let p = 0; p < dim; p++) meanStep += 1 / P[p] / dim;
        rows.push({ step: t, loss, eigs: edge.top.slice(0, o.k), X_trace: NaN, loss_pred: NaN, mean_step: meanStep });
      }
      const ds = rule.stateRate(s, g2.map((x, p) => x + q[p]));
      w = w.map((x, p) => x - dt * step[p]);
      s = eulerState(s, ds, dt);
    }
    checkFiniteVec("central", t, "ablated w", w);
    const row = rows[rows.length - 1];
    row.X_trace = traceX;
    row.loss_pred = row.loss + traceX;
    ws.push(Float64Array.from(w));
    if (o.onChunk && ((t + 1) % chunk === 0 || t + 1 === o.steps)) await o.onChunk(rows);
  }
  return { rows, ws, states, seconds: (Date.now() - started) / 1000 };
}
