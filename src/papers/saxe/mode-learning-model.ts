/**
 * Mode-by-mode learning on hierarchical data (Saxe et al. 2014, Fig. 3): a 3-layer net (linear or tanh hidden
 * layer, no biases) learns the tree task from small random weights; we record its strength in every mode of
 * Σ³¹ and compare with the closed form u(t) = s e^{2st/τ}/(e^{2st/τ} − 1 + s/u₀).
 *
 * The F = 1000 features span only the 2^L-dimensional column space of Σ³¹ = Yᵀ, so we train in that subspace:
 * targets Y U (the features rotated onto Σ³¹'s left singular vectors, [items, r]) instead of Y. For the
 * loss ½‖Y − H W₂‖² with any hidden layer H, the output weights' component outside span(U) only adds its
 * own decaying term and a coupling of order σ²; so the reduced net is the full one with those components
 * started at zero instead of at O(σ) = O(10⁻⁴), and it costs 32 outputs instead of 1000.
 *
 * Small random init: W ~ N(0, σ²) with σ² = 2u₀/N₂. In the early linear phase a mode's hidden vectors obey
 * τȧ = s b, τḃ = s a, so a ≈ b ≈ ½(a₀ + b₀)e^{st/τ} and u = a·b ≈ ¼‖a₀ + b₀‖² e^{2st/τ}: the closed form's
 * u₀ is ¼ E‖a₀ + b₀‖² = N₂σ²/2.
 */
import { derivatives } from "../../autodiff/select";
import { hierarchicalDataset, type HierarchicalOptions } from "../../data/hierarchical";
import type { Activation } from "../../models/activations";
import { initParams } from "../../models/init";
import { mlp } from "../../models/mlp";
import type { Dataset } from "../../models/objective";
import { gd } from "../../optim/gd";
import { crossingTime, halfLearningTime } from "./analytic";
import { inputOutputCorrelation, networkModeStrengths, taskModes, type TaskModes } from "./modes";
import { summedSquaredError } from "./objective";
import { trainEnsemble } from "./train";

export interface TreeTask {
  /** The reduced data set: one-hot inputs, targets Y U [items, r]. */
  data: Dataset;
  /** Modes of the reduced task (the same singular values and input directions as the full one). */
  modes: TaskModes;
}

export function treeTask(opts: HierarchicalOptions): TreeTask {
  const full = hierarchicalDataset(opts);
  const fullModes = taskModes(inputOutputCorrelation(full), full.d, full.c);
  const { r } = fullModes;
  // Y U: row μ is the item's feature vector in the basis of Σ³¹'s output directions.
  const Y = new Float32Array(full.n * r);
  for (let mu = 0; mu < full.n; mu++) {
    for (let a = 0; a < r; a++) {
      let v = 0;
      for (let f = 0; f < full.c; f++) v += full.Y[mu * full.c + f] * fullModes.U[f * r + a];
      Y[mu * r + a] = v;
    }
  }
  const data: Dataset = { X: full.X, Y, n: full.n, d: full.d, c: r };
  return { data, modes: taskModes(inputOutputCorrelation(data), data.d, data.c) };
}

export interface ModeLearningSpec {
  task: TreeTask;
  hidden: number;
  activation: Activation;
  lr: number;
  u0: number;
  steps: number;
  /** Seeds of the random inits, one ensemble member each. */
  seeds: number[];
  recordEvery: number;
}

export interface ModeLearningRun {
  /** Recorded steps. */
  steps: number[];
  /** strengths[member][record][α]. */
  strengths: Float64Array[][];
}

/** The init scale σ = √(2u₀/N₂) whose early growth matches the closed form's u₀. */
export function smallInitStd(u0: number, hidden: number): number {
  return Math.sqrt((2 * u0) / hidden);
}

export async function simulateModeLearning(spec: ModeLearningSpec, onTick?: () => Promise<void>): Promise<ModeLearningRun> {
  const { data, modes } = spec.task;
  const model = mlp({ widths: [data.d, spec.hidden, data.c], activation: spec.activation, bias: false });
  const objective = summedSquaredError(model, data);
  try {
    const std = smallInitStd(spec.u0, spec.hidden);
    const w0s = spec.seeds.map((seed) => initParams(model.layout, { scheme: "gaussian", std }, seed));
    const run: ModeLearningRun = { steps: [], strengths: spec.seeds.map(() => []) };
    await trainEnsemble(
      derivatives(objective),
      w0s,
      w0s.map(() => gd(spec.lr)),
      {
        steps: spec.steps,
        onStep: async (t, active, ws) => {
          if (t % spec.recordEvery !== 0 && t !== spec.steps) return;
          if (active.length !== spec.seeds.length) throw new Error(`mode learning: a member diverged at step ${t}`);
          run.steps.push(t);
          networkModeStrengths(model, ws, data, modes, true).forEach((u, i) => run.strengths[i].push(u));
          if (onTick && t % (spec.recordEvery * 40) === 0) await onTick();
        },
      },
    );
    return run;
  } finally {
    objective.dispose();
  }
}

/** Half-learning step of mode α for each member (NaN if never reached) and the closed form's. */
export function halfLearningSteps(run: ModeLearningRun, modes: TaskModes, u0: number, lr: number): { simulated: number[][]; analytic: number[] } {
  const analytic = Array.from(modes.s, (s) => halfLearningTime(s, u0, 1 / lr));
  const simulated = run.strengths.map((records) =>
    Array.from(modes.s, (s, a) =>
      crossingTime(
        run.steps,
        records.map((u) => u[a]),
        s / 2,
      ),
    ),
  );
  return { simulated, analytic };
}
