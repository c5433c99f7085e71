/**
 * How corridor-like full-batch GD's path is, step by step, next to sharpness and 2/η.
 *
 * At each iterate θ_t (g = ∇E, H = ∇²E, step η):
 *   corridor-ness      c_t = ‖H g‖ / (λ_max ‖g‖)       0 in a corridor; λ_max stands in for ‖H‖₂ (the top
 *                                                      eigenvalue dominates the negative ones here)
 *   linearity error    ε_t = E(θ_t − η g) − (E − η‖g‖²)  what the step's loss misses from a straight descent
 *   relative error     ε_t / (η‖g‖²)  ≈ (η/2)·gᵀHg/‖g‖²  to second order: 0 in a corridor, and 1 (no
 *                                                      decrease at all) when g's Rayleigh quotient reaches 2/η,
 *                                                      the edge of stability.
 * Hg costs one HVP per step; the sharpness one warm-started LOBPCG solve every `eigEvery` steps.
 */
import { type Vec } from "../../autodiff/derivatives";
import { derivatives } from "../../autodiff/select";
import { topEigs } from "../../curvature/eigs";
import { effectiveHessian } from "../../curvature/operator";
import { dot, norm } from "../../linalg/vec";
import type { Objective } from "../../models/objective";
import { ruleFromSpec } from "../../optim/spec";

export interface AlongOptions {
  lr: number;
  steps: number;
  /** Sharpness every this many steps (NaN in between). */
  eigEvery: number;
  seed: number;
  onStep?: (step: number, rows: AlongRows) => Promise<void> | void;
}

export interface AlongRows {
  step: number[];
  loss: number[];
  gradNorm: number[];
  hgNorm: number[];
  /** gᵀHg/‖g‖². */
  rayleigh: number[];
  sharpness: number[];
  /** ‖Hg‖/(λ_max‖g‖): 0 for a corridor step, 1 when g is the top eigenvector (corridor-ness = 1 − this). */
  hgRatio: number[];
  /** ε_t = E_{t+1} − (E_t − η‖g_t‖²). */
  linearityError: number[];
  /** ε_t/(η‖g_t‖²). */
  relativeLinearityError: number[];
  /** Its second-order prediction (η/2)·gᵀHg/‖g‖². */
  predictedRelativeError: number[];
}

export async function hgRatioAlongGd(objective: Objective, w0: Vec, opts: AlongOptions): Promise<AlongRows> {
  const D = derivatives(objective);
  const eta = opts.lr;
  const rows: AlongRows = {
    step: [],
    loss: [],
    gradNorm: [],
    hgNorm: [],
    rayleigh: [],
    sharpness: [],
    hgRatio: [],
    linearityError: [],
    relativeLinearityError: [],
    predictedRelativeError: [],
  };
  // GD with float32 iterates, as the edge-of-stability experiments (storedInFloat32 in src/optim/rule.ts says why).
  const gdStep = ruleFromSpec({ name: "gd", lr: eta, precision: "float32" });
  let state = gdStep.init(w0.length);
  let w = Float64Array.from(w0);
  let current = D.lossAndGrad(w);
  let block: Vec[] | undefined;
  let sharpness = NaN;
  for (let t = 0; t < opts.steps; t++) {
    const g = current.grad;
    const g2 = dot(g, g);
    const [Hg] = D.hvp(w, [g]);
    if (t % opts.eigEvery === 0) {
      const eig = topEigs(effectiveHessian(D, w), { k: 1, init: block, seed: opts.seed + t, tol: 1e-4 });
      block = eig.block;
      sharpness = eig.values[0];
    }
    const stepped = gdStep.step(state, { w, g, loss: current.loss });
    state = stepped.state;
    const next = stepped.w; // [dim], stored in float32
    const after = D.lossAndGrad(next);
    const linearityError = after.loss - (current.loss - eta * g2);
    const rayleigh = dot(g, Hg) / g2;
    rows.step.push(t);
    rows.loss.push(current.loss);
    rows.gradNorm.push(Math.sqrt(g2));
    rows.hgNorm.push(norm(Hg));
    rows.rayleigh.push(rayleigh);
    rows.sharpness.push(t % opts.eigEvery === 0 ? sharpness : NaN);
    rows.hgRatio.push(norm(Hg) / (sharpness * Math.sqrt(g2)));
    rows.linearityError.push(linearityError);
    rows.relativeLinearityError.push(linearityError / (eta * g2));
    rows.predictedRelativeError.push((eta / 2) * rayleigh);
    w = next;
    current = after;
    if (!Number.isFinite(current.loss)) break;
    await opts.onStep?.(t, rows);
  }
  return rows;
}
