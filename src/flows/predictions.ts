/**
 * What the central flow predicts about the oscillating optimizer (Cohen, Damian et al., 2024, §3 of the notes).
 * With Σ = U X Uᵀ (U: active generalized eigenvectors, UᵀPU = I; X in effective units):
 *   time-averaged loss           E[L(w_t)] ≈ L(w) + ½⟨H, Σ⟩ = L + ½ Σ_i λ_i X_ii   (= L + tr X at the edge)
 *   time-averaged ‖∇L‖²          ‖g‖² + tr(HΣH)                       (the central rows' gradnorm2_pred)
 *   any scalar function f        E[f(w_t)] ≈ f(w) + ½ Σ_ij X_ij u_iᵀ ∇²f(w) u_j
 *   oscillation coordinates      x = Uᵀ P (w_t − w(t)), whose covariance over a window should match X.
 */
import type { Derivatives, Vec } from "../autodiff/derivatives";
import { symEig } from "../linalg/dense";
import type { CentralSubstep } from "./central";

/** L + ½⟨H, Σ⟩: the second-order prediction of the time-averaged loss (tr X when every λ_i = 2). */
export function quadraticLossPrediction(loss: number, detail: CentralSubstep): number {
  let s = 0;
  detail.lambdas.forEach((l, i) => (s += 0.5 * l * detail.X[i][i]));
  return loss + s;
}

/**
 * f(w) + ½ Σ_ij X_ij u_iᵀ∇²f u_j for a scalar function f of the weights (e.g. a network output at one input),
 * given its derivatives `Df` (one batched HVP call).
 */
export function functionPrediction(Df: Derivatives, w: Vec, detail: CentralSubstep): { value: number; predicted: number } {
  const value = Df.loss(w);
  const m = detail.u.length;
  if (m === 0) return { value, predicted: value };
  const Hu = Df.hvp(w, detail.u);
  let corr = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let uHu = 0;
      for (let p = 0; p < w.length; p++) uHu += detail.u[i][p] * Hu[j][p];
      corr += 0.5 * detail.X[i][j] * uHu;
    }
  }
  return { value, predicted: value + corr };
}

/** x_i = u_iᵀ P (w_osc − w_flow): the oscillation's coordinates along the active eigenvectors. */
export function oscillationCoordinates(wOscillating: Vec, wFlow: Vec, u: Vec[], P?: Float64Array): number[] {
  return u.map((ui) => {
    let s = 0;
    for (let p = 0; p < ui.length; p++) s += ui[p] * (P ? P[p] : 1) * (wOscillating[p] - wFlow[p]);
    return s;
  });
}

/** Eigenvalues of X (descending): the variances of the oscillation along its principal directions; rank Σ = count > 0. */
export function sigmaSpectrum(X: number[][]): number[] {
  if (X.length === 0) return [];
  return Array.from(symEig(X).values);
}
