/**
 * The training problems of the edge-of-stability experiments, as JSON configs: a data subset, a fully connected
 * network and a loss. As in Cohen et al. (2021): full-batch objectives, PyTorch's default initialization
 * U(±1/√fan_in) for weights and biases, ½‖f(x) − onehot(y)‖² per example averaged over examples (half_sse) or
 * cross-entropy averaged over examples.
 *
 * Our scale differs from the paper's (CIFAR-10 5k examples, width 200): MNIST digits 2×2 average-pooled to
 * 196 features, a few hundred to a few thousand examples, widths 32–64, so a whole notebook runs on a CPU.
 */
import { tfDerivatives, type Derivatives, type Vec } from "../../autodiff/derivatives";
import { loadCifar10 } from "../../data/cifar10";
import { loadMnist } from "../../data/mnist";
import type { Activation } from "../../models/activations";
import { initParams } from "../../models/init";
import type { LossName } from "../../models/losses";
import { mlp, type Mlp } from "../../models/mlp";
import { supervisedObjective, type Dataset } from "../../models/objective";

export interface DataConfig {
  /** MNIST (always available) or CIFAR-10 (only once downloaded; see ensureCifar10). */
  source: "mnist" | "cifar10";
  /** Training examples, class-balanced. */
  n: number;
  /** MNIST only: k×k average pooling (2 gives 196 features). */
  pool: 1 | 2 | 4;
  seed: number;
}

export interface NetConfig {
  /** Hidden widths, e.g. [64, 64]; the input and output widths come from the data. */
  hidden: number[];
  activation: Activation;
  /** Seed of the PyTorch-style initialization. */
  initSeed: number;
}

export interface ProblemConfig {
  data: DataConfig;
  net: NetConfig;
  loss: LossName;
}

export interface Problem {
  model: Mlp;
  data: Dataset;
  D: Derivatives;
  /** The initial parameters (PyTorch's default initialization). */
  w0: Vec;
  /** Releases the data tensors. */
  dispose(): void;
}

const CLASSES = 10;

export function loadData(c: DataConfig): Dataset {
  if (!Number.isInteger(c.n) || c.n < CLASSES || c.n % CLASSES !== 0) throw new Error(`data.n must be a positive multiple of ${CLASSES}, got ${c.n}`);
  const perClass = c.n / CLASSES;
  if (c.source === "mnist") return loadMnist({ perClass, split: "train", pool: c.pool, standardize: true, seed: c.seed });
  if (c.source === "cifar10") return loadCifar10({ perClass, split: "train", standardize: true });
  throw new Error(`data.source must be mnist or cifar10, got ${String(c.source)}`);
}

/** The network's name in figure legends, e.g. "tanh 64-64". */
export function netLabel(net: NetConfig): string {
  return `${net.activation} ${net.hidden.join("-")}`;
}

export function buildProblem(c: ProblemConfig, data: Dataset = loadData(c.data)): Problem {
  const model = mlp({ widths: [data.d, ...c.net.hidden, data.c], activation: c.net.activation, bias: true });
  const objective = supervisedObjective(model, c.loss, data);
  return {
    model,
    data,
    D: tfDerivatives(objective),
    w0: initParams(model.layout, { scheme: "torch" }, c.net.initSeed),
    dispose: () => objective.dispose(),
  };
}
