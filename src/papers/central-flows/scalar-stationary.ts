/**
 * Scalar RMSProp's stationary flows (central-flows.md §4): the central flow with ν replaced by its
 * stationary value ν̄(w), i.e. the fixed point of dν/dt = c[‖g‖² + σ²S² − ν] together with S_eff ≤ 2:
 *
 *     ν̄ = max(‖g‖², η²S²/4),   σ̄² = max(0, η²/4 − ‖g‖²/S²)        (S, u: top eigenpair of H, ‖u‖ = 1)
 *     reduced (stationary) flow   dw/dt = −(η/√ν̄) [∇L + ½ σ̄² ∇S]
 *     ablated flow                dw/dt = −(η/√ν̄) ∇L
 *
 * At the edge η/√ν̄ = 2/S, so the reduced flow is −(2/S)[∇L + ½σ̄²∇S] and the ablated one −(2/S)∇L: η no
 * longer sets the step size, only the strength σ̄² of the implicit sharpness penalty. Removing that penalty
 * (ablated) lets the flow drift into sharper regions where 2/S is small: "acceleration via regularization".
 * Before the edge (‖g‖ > ηS/2) both are normalized gradient flow with step η/‖g‖.
 * One unstable eigenvalue (the closed form above); Euler with `substeps` per unit time.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { EigenTracker } from "../../curvature/tracker";
import { checkFinite, checkFiniteVec } from "../../flows/types";

export interface StationaryOptions {
  eta: number;
  steps: number;
  /** Keep the implicit regularizer ½σ̄²∇S (reduced flow) or drop it (ablated flow). */
  regularize: boolean;
  substeps?: number;
  /** Top Hessian eigenpairs tracked (the first is S, u). */
  k?: number;
  eigTol?: number;
  seed?: number;
  /** Awaited every `chunk` steps with the rows so far (progress lines, live plots). */
  onChunk?: (rows: StationaryRow[]) => Promise<void>;
  chunk?: number;
}

export interface StationaryRow {
  step: number;
  loss: number;
  /** S = λ<sub>max</sub>(H). */
  sharpness: number;
  /** σ̄² (parameter units along u). */
  sigma2: number;
  gradnorm2: number;
  /** η/√ν̄: 2/S at the edge. */
  step_size: number;
  /** Predicted time-averaged loss L + ½Sσ̄². */
  loss_pred: number;
}

export interface StationaryResult {
  rows: StationaryRow[];
  /** w at each row and the final one. */
  ws: Vec[];
  seconds: number;
}

/** ν̄ and σ̄² at a point with squared gradient norm g2 and sharpness S. */
export function stationaryNu(eta: number, g2: number, S: number): { nu: number; sigma2: number } {
  const edge = (eta * S) ** 2 / 4;
  return { nu: Math.max(g2, edge), sigma2: Math.max(0, eta * eta / 4 - g2 / (S * S)) };
}

export async function scalarStationaryFlow(D: Derivatives, w0: Vec, o: StationaryOptions): Promise<StationaryResult> {
  const substeps = o.substeps ?? 4;
  const chunk = o.chunk ?? 25;
  const dt = 1 / substeps;
  const tracker = new EigenTracker({ k: o.k ?? 2, growAbove: Infinity, maxK: o.k ?? 2, tol: o.eigTol ?? 1e-5, seed: o.seed ?? 0 });
  const started = Date.now();
  const rows: StationaryRow[] = [];
  const ws: Vec[] = [Float64Array.from(w0)];
  let w = Float64Array.from(w0);
  const process = o.regularize ? "central" : "stable"; // labels for DivergenceError only
  for (let t = 0; t < o.steps; t++) {
    for (let j = 0; j < substeps; j++) {
      const { loss, grad: g } = D.lossAndGrad(w);
      checkFinite(process, t, "loss", loss);
      const spec = tracker.solve(D, w);
      const S = spec.values[0];
      const u = spec.u[0];
      let g2 = 0;
      for (let p = 0; p < g.length; p++) g2 += g[p] * g[p];
      const { nu, sigma2 } = stationaryNu(o.eta, g2, S);
      const stepSize = o.eta / Math.sqrt(nu);
      const force = Float64Array.from(g);
      if (o.regularize && sigma2 > 0) {
        const gradS = D.third(w, [u], [u])[0]; // ∇S = ∇(uᵀH(w)u) with u frozen
        for (let p = 0; p < force.length; p++) force[p] += 0.5 * sigma2 * gradS[p];
      }
      if (j === 0) rows.push({ step: t, loss, sharpness: S, sigma2: o.regularize ? sigma2 : NaN, gradnorm2: g2, step_size: stepSize, loss_pred: loss + (o.regularize ? 0.5 * S * sigma2 : 0) });
      w = w.map((x, p) => x - dt * stepSize * force[p]);
    }
    checkFiniteVec(process, t, "w", w);
    ws.push(Float64Array.from(w));
    if (o.onChunk && ((t + 1) % chunk === 0 || t + 1 === o.steps)) await o.onChunk(rows);
  }
  return { rows, ws, seconds: (Date.now() - started) / 1000 };
}
