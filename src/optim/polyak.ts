/**
 * Polyak step sizes and the Corridor Learning Rate (Dherin & Rosca, 2024):
 *     h = min((E − E*) / (c‖g‖² + δ), h_max),   w' = w − h g.
 * With E* = 0 and c = 1 this is the CLR h = E/‖g‖², the step that drives the loss's linear model to zero;
 * inside a corridor (Hg = 0) it lands exactly on the zero of the linearly decreasing loss. c ∈ [0.5, 1],
 * δ and the cap h_max are the safeguards of stochastic Polyak steps (Loizou et al., 2021): our choice.
 */
import { emptyState, positive, type UpdateRule } from "./rule";

export interface PolyakConfig {
  /** Optimal loss value E* (0 for the CLR). */
  target?: number;
  /** Scale c of ‖g‖² in the denominator. */
  c?: number;
  /** Step-size cap h_max. */
  maxLr?: number;
  /** Denominator floor δ. */
  delta?: number;
}

export function polyak(config: PolyakConfig = {}): UpdateRule {
  const target = config.target ?? 0;
  const c = positive("c", config.c ?? 1);
  const maxLr = config.maxLr === undefined ? Number.POSITIVE_INFINITY : positive("maxLr", config.maxLr);
  const delta = config.delta ?? 1e-12;
  if (!(delta >= 0)) throw new Error(`delta must be non-negative, got ${delta}`);
  const name = target === 0 && c === 1 ? "clr" : "polyak";
  return {
    name,
    lr: maxLr,
    preconditioned: false,
    init: () => emptyState(),
    updateState: (s) => ({ ...s, step: s.step + 1 }),
    precond: (_s, dim) => new Float64Array(dim).fill(1 / maxLr),
    step: (s, { w, g, loss }) => {
      let g2 = 0;
      for (let i = 0; i < g.length; i++) g2 += g[i] * g[i];
      const h = Math.min(Math.max(loss - target, 0) / (c * g2 + delta), maxLr);
      return { w: w.map((wi, i) => wi - h * g[i]), state: { ...s, step: s.step + 1 }, lr: h };
    },
    stateRate: () => null,
    precondRate: (_s, _ds, dim) => new Float64Array(dim),
  };
}

/** The Corridor Learning Rate h = E/‖g‖² (optionally capped). */
export const clr = (maxLr?: number): UpdateRule => polyak({ target: 0, c: 1, maxLr });
