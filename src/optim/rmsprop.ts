/**
 * RMSProp with a diagonal or a scalar second moment (Cohen, Damian et al., 2024, Parts II–III):
 *     ν_t = β2 ν_{t−1} + (1 − β2) g_t⊙²      (scalar: ‖g_t‖²), updated first with the current gradient
 *     w_{t+1} = w_t − η g_t / (√ν̂_t + ε),   ν̂_t = ν_t / (1 − β2ᵗ) with bias correction, else ν_t
 * so P(s) = diag((√ν̂ + ε)/η). The discrete recursion is exactly ν_t − ν_{t−1} = c(g_t² − ν_t) with
 * c = (1 − β2)/β2, which gives the flows' state ODE dν/dt = c(E[g²] − ν); the step counter advances 1/β2
 * per unit time there (the reference codes' convention, central-flows.md §7.5).
 */
import type { Vec } from "../autodiff/derivatives";
import { emptyState, positive, preconditionedStep, type OptState, type UpdateRule } from "./rule";

export interface RmspropConfig {
  lr: number;
  beta2: number;
  eps: number;
  biasCorrection: boolean;
  /** One ν for all coordinates (Scalar RMSProp), from ‖g‖². */
  scalar: boolean;
}

export function rmsprop(config: RmspropConfig): UpdateRule {
  const { lr, beta2, eps, biasCorrection, scalar } = config;
  positive("lr", lr);
  if (!(beta2 > 0 && beta2 < 1)) throw new Error(`beta2 must be in (0, 1), got ${beta2}`);
  if (!(eps >= 0 && Number.isFinite(eps))) throw new Error(`eps must be a non-negative finite number, got ${eps}`);
  const c = (1 - beta2) / beta2;
  const correction = (step: number): number => (biasCorrection ? 1 - Math.pow(beta2, step) : 1);

  const squares = (g: ArrayLike<number>): Float64Array => {
    if (!scalar) return Float64Array.from(g, (x) => x * x);
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    return Float64Array.of(s);
  };
  const precond = (s: OptState, dim: number): Float64Array => {
    if (s.nu.length === 0) throw new Error("RMSProp preconditioner needs ν: apply one update first (flows start from the state after one update)");
    const want = scalar ? 1 : dim;
    // A checkpoint from another optimizer or model (FlowProblem.state0) would otherwise give NaN steps.
    if (s.nu.length !== want) throw new Error(`state.nu has length ${s.nu.length}; ${scalar ? "scalar RMSProp needs 1" : `RMSProp needs one per parameter (${dim})`}`);
    const k = correction(s.step);
    const P = new Float64Array(dim);
    for (let i = 0; i < dim; i++) P[i] = (Math.sqrt(s.nu[scalar ? 0 : i] / k) + eps) / lr;
    return P;
  };
  const updateState = (s: OptState, g: Vec): OptState => {
    const g2 = squares(g);
    const nu = s.nu.length === 0 ? new Float64Array(g2.length) : s.nu;
    return { ...s, step: s.step + 1, nu: nu.map((v, i) => beta2 * v + (1 - beta2) * g2[i]) };
  };
  return {
    name: scalar ? "scalar_rmsprop" : "rmsprop",
    lr,
    preconditioned: true,
    init: () => emptyState(),
    updateState,
    precond,
    step: (s, { w, g }) => {
      const state = updateState(s, g);
      return { w: preconditionedStep(w, g, precond(state, w.length)), state, lr };
    },
    // P_i = (√(ν_i/m) + ε)/η with m = 1 − β2^step: dP_i = (dν_i/m − ν_i dm/m²) / (2η√(ν_i/m)).
    precondRate: (s, ds, dim) => {
      const m = correction(s.step);
      const dm = biasCorrection ? -Math.log(beta2) * Math.pow(beta2, s.step) * ds.step : 0;
      const out = new Float64Array(dim);
      for (let i = 0; i < dim; i++) {
        const j = scalar ? 0 : i;
        const nuHat = s.nu[j] / m;
        out[i] = (ds.nu[j] / m - (s.nu[j] * dm) / (m * m)) / (2 * lr * Math.sqrt(nuHat));
      }
      return out;
    },
    stateRate: (s, g2) => {
      const target = scalar ? Float64Array.of(g2.reduce((a, b) => a + b, 0)) : g2;
      return { step: 1 / beta2, nu: s.nu.map((v, i) => c * (target[i] - v)), buf: new Float64Array(0) };
    },
  };
}
