/**
 * How far one GD step drifts from gradient flow, and what corrects it.
 *
 * Expanding the flow θ(h) = θ − h g + (h²/2) H g + O(h³) against GD's θ − h g gives the one-step gap
 *     ‖GF(h) − GD(h)‖ = (h²/2)‖H g‖ + O(h³),
 * slope 2 on a log-log plot wherever Hg ≠ 0 and zero (rounding) in a corridor. GD instead follows, to
 * O(h³) per step, the flow of the implicit-gradient-regularization modified loss (Barrett & Dherin, 2021)
 *     Ẽ = E + (h/4)‖g‖²,   ∇Ẽ = g + (h/2) H g,
 * whose correction vanishes in a corridor.
 */
import { distance, flowAt, gdPath } from "./paths";
import { hessGrad, matVec, type Toy2D, type Vec } from "./toy";

export interface GapRow {
  h: number;
  /** ‖GF(h) − GD(h)‖ from the same point. */
  gap: number;
  /** The leading-order prediction (h²/2)‖Hg‖. */
  predicted: number;
}

/** One-step gaps at p for each h; the flow uses `substeps` RK4 steps (error ∝ h⁵/substeps⁴). */
export function oneStepGaps(toy: Toy2D, p: Vec, hs: number[], substeps = 256): GapRow[] {
  const g = toy.grad(p);
  const Hg = hessGrad(toy, p);
  const hgNorm = Math.hypot(Hg[0], Hg[1]);
  return hs.map((h) => {
    const gd = Float64Array.of(p[0] - h * g[0], p[1] - h * g[1]);
    return { h, gap: distance(flowAt(toy, p, h, substeps), gd), predicted: 0.5 * h * h * hgNorm };
  });
}

/** ∇Ẽ = g + (h/2) H g for the modified loss Ẽ = E + (h/4)‖g‖². */
export function modifiedGrad(toy: Toy2D, h: number): (p: Vec) => Vec {
  return (p) => {
    const g = toy.grad(p);
    const Hg = matVec(toy.hessian(p), g);
    return Float64Array.of(g[0] + (h / 2) * Hg[0], g[1] + (h / 2) * Hg[1]);
  };
}

export interface ModifiedLossComparison {
  h: number;
  /** Steps n = 0 … N. */
  steps: number[];
  /** ‖θ_n − φ_E(nh)‖: GD against the flow of E. */
  gapToFlow: number[];
  /** ‖θ_n − φ_Ẽ(nh)‖: GD against the flow of the modified loss. */
  gapToModifiedFlow: number[];
}

/**
 * GD's iterates against the flows of E and of Ẽ at matched times t = n·h, each flow integrated over one
 * step at a time with `substeps` RK4 steps (so the two flows are sampled exactly at GD's times).
 */
export function compareModifiedLoss(toy: Toy2D, p0: Vec, h: number, steps: number, substeps = 64): ModifiedLossComparison {
  const gd = gdPath(toy, p0, h, steps).points;
  const mod = modifiedGrad(toy, h);
  const out: ModifiedLossComparison = { h, steps: [0], gapToFlow: [0], gapToModifiedFlow: [0] };
  let plain = Float64Array.from(p0);
  let modified = Float64Array.from(p0);
  for (let n = 1; n < gd.length; n++) {
    plain = flowAt(toy, plain, h, substeps);
    modified = flowAt(toy, modified, h, substeps, mod);
    out.steps.push(n);
    out.gapToFlow.push(distance(gd[n], plain));
    out.gapToModifiedFlow.push(distance(gd[n], modified));
  }
  return out;
}
