/**
 * The problems of the central-flows experiments as JSON configs: an MLP, its loss and data, its seeded
 * initialization, and the optimizer. `buildTask` turns a config into an objective, w₀ and derivatives;
 * optimizers are the library's OptimizerSpec (`makeRule` is optim's `ruleFromSpec` with float32 iterates).
 *
 * The verified scaled setting of the notes (central-flows.md §8) is `GAUSSIAN_MLP`: MLP 8→16→16→1, swish,
 * n = 128 inputs and targets ~ N(0, 1), lecun_normal init, loss mean((f − y)²).
 */
import { type Derivatives, type Vec } from "../../autodiff/derivatives";
import { derivatives } from "../../autodiff/select";
import { tf } from "../../backend";
import { loadMnist } from "../../data/mnist";
import { gaussianRegression } from "../../data/synthetic";
import type { Activation } from "../../models/activations";
import { initParams } from "../../models/init";
import type { LossName } from "../../models/losses";
import { mlp, type Mlp } from "../../models/mlp";
import { supervisedObjective, type Dataset, type Objective } from "../../models/objective";
import type { UpdateRule } from "../../optim/rule";
import { ruleFromSpec, type OptimizerSpec } from "../../optim/spec";

/**
 * The experiments' rule: the config's spec with float32 iterates unless it says `precision: "float64"`. Their
 * derivatives run in float64 (the fast engine, picked by `derivatives`), but GD at the edge of stability depends
 * on the precision its iterates are stored in (see storedInFloat32 in src/optim/rule.ts). On central-flows-gd,
 * steps 500–999, GD's ηS has 90th percentile 2.45 (max 2.76) with float64 iterates against 2.13 (2.30) with
 * float32 ones and 2.12 (2.27) on the float32 tfjs engine, and with float64 iterates the claims comparing GD's
 * time averages with the central flow miss by 6–18% where float32 runs (the papers' and ours) agree to 1–3%.
 */
export function makeRule(spec: OptimizerSpec): UpdateRule {
  return ruleFromSpec({ precision: "float32", ...spec });
}

export type DataSpec =
  /** 8 input features and the targets i.i.d. N(0, 1) (the JAX example's data). */
  | { kind: "gaussian"; n: number; seed: number }
  /** A class-balanced MNIST subset, average-pooled and standardized, one-hot targets. */
  | { kind: "mnist"; perClass: number; pool: 2 | 4; seed: number };

export interface TaskSpec {
  /** Hidden widths only: the input width comes from the data, the output width is `outputs`. */
  hidden: number[];
  outputs: number;
  activation: Activation;
  loss: LossName;
  data: DataSpec;
  /** lecun_normal weights, zero biases, from this seed. */
  initSeed: number;
  /**
   * Plain GD steps taken from the initialization before the processes start (w₀ is where they end): gets past
   * an initial region sharper than 2/η, where the first steps would be a catapult rather than the progressive
   * sharpening the figures are about.
   */
  warmup?: { lr: number; steps: number };
}

/** The experiments' optimizer configs are the library's one optimizer spec (src/optim/spec.ts). */
export type OptimizerConfig = OptimizerSpec;

/** The verified Part I setting. */
/** A learning-rate sweep of an adaptive optimizer, with extra flows started after the edge is reached. */
export interface RateSweepConfig {
  task: TaskSpec;
  lrs: number[];
  beta2: number;
  eps: number;
  biasCorrection: boolean;
  steps: number;
  k: number;
  chunk: number;
  /** The extra flows start from the central flow this many steps after its arrival at the edge. */
  startAfter: number;
}

export const GAUSSIAN_MLP: TaskSpec = { hidden: [16, 16], outputs: 1, activation: "swish", loss: "mse", data: { kind: "gaussian", n: 128, seed: 0 }, initSeed: 0 };

export interface Task {
  spec: TaskSpec;
  model: Mlp;
  data: Dataset;
  objective: Objective;
  w0: Vec;
  /** Fresh derivatives of the training loss (each process gets its own work counters). */
  derivatives(): Derivatives;
  /** Derivatives of the network's output `j` at training input `i`, as a function of the weights. */
  output(i: number, j?: number): Derivatives;
  dispose(): void;
}

function loadData(d: DataSpec, outputs: number): Dataset {
  if (d.kind === "gaussian") return gaussianRegression({ n: d.n, d: 8, out: outputs, seed: d.seed });
  return loadMnist({ perClass: d.perClass, pool: d.pool, standardize: true, split: "train", seed: d.seed });
}

export function buildTask(spec: TaskSpec): Task {
  const data = loadData(spec.data, spec.outputs);
  if (data.c !== spec.outputs) throw new Error(`task: the data has ${data.c} target columns, the network ${spec.outputs} outputs`);
  const model = mlp({ widths: [data.d, ...spec.hidden, spec.outputs], activation: spec.activation, bias: true });
  const objective = supervisedObjective(model, spec.loss, data);
  let w0 = initParams(model.layout, { scheme: "lecun_normal" }, spec.initSeed);
  if (spec.warmup) {
    const D = derivatives(objective);
    for (let t = 0; t < spec.warmup.steps; t++) {
      const g = D.lossAndGrad(w0).grad;
      w0 = w0.map((x, i) => x - (spec.warmup as { lr: number }).lr * g[i]);
    }
  }
  const held: { dispose(): void }[] = [objective];
  return {
    spec,
    model,
    data,
    objective,
    w0,
    derivatives: () => derivatives(objective),
    output: (i, j = 0) => {
      const o = outputObjective(model, data, i, j);
      held.push(o);
      return derivatives(o);
    },
    dispose: () => held.forEach((h) => h.dispose()),
  };
}

/** f(w) = network output j at training input i, as an objective (ensemble rows → [E]). */
function outputObjective(model: Mlp, data: Dataset, i: number, j: number): Objective & { dispose(): void } {
  if (!(Number.isInteger(i) && i >= 0 && i < data.n)) throw new Error(`output: input index ${i} is not in [0, ${data.n})`);
  const x = tf.tensor2d(data.X.slice(i * data.d, (i + 1) * data.d), [1, data.d]);
  return {
    dim: model.numParams,
    values: (W) => {
      const F = model.forward(W, x); // [E, 1, out]
      return tf.reshape(tf.slice(F, [0, 0, j], [F.shape[0], 1, 1]), [F.shape[0]]) as tf.Tensor1D;
    },
    dispose: () => x.dispose(),
  };
}

/** "MLP 16-16 swish, mse, Gaussian data n=128" for figure titles. */
export function taskLabel(c: { task: TaskSpec }): string {
  const d = c.task.data;
  const data = d.kind === "gaussian" ? `Gaussian data n=${d.n}` : `MNIST ${d.perClass * 10} ex., ${28 / d.pool}×${28 / d.pool}`;
  const warm = c.task.warmup ? `, after ${c.task.warmup.steps} GD steps at η=${c.task.warmup.lr}` : "";
  return `MLP ${c.task.hidden.join("-")} ${c.task.activation}, ${c.task.loss}, ${data}${warm}`;
}
