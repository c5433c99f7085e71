/**
 * The training problems of the edge-of-stability experiments, as JSON configs: a data subset, a fully connected
 * network and a loss. As in Cohen et al. (2021): full-batch objectives, PyTorch's default initialization
 * U(±1/√fan_in) for weights and biases, ½‖f(x) − onehot(y)‖² per example averaged over examples (half_sse) or
 * cross-entropy averaged over examples.
 *
 * Our scale differs from the paper's (CIFAR-10 5k examples, width 200): MNIST digits 2×2 average-pooled to
 * 196 features, a few hundred to a few thousand examples, widths 32–64, so a whole notebook runs on a CPU.
 *
 * Derivatives come from `derivatives` (auto: the float64 engine up to F64_MAX_MULTIPLY_ADDS; FLOWLAB_ENGINE=tfjs
 * forces float32 tfjs). The training runs keep float32 iterates (makeRule in runs.ts), as the paper's did.
 */
import { type Derivatives, type Vec } from "../../autodiff/derivatives";
import { derivatives } from "../../autodiff/select";
import { loadCifar10 } from "../../data/cifar10";
import { loadMnist } from "../../data/mnist";
import { Rng } from "../../random";
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
  /**
   * Fraction of training examples whose label is replaced by a seeded uniformly random class (0 or absent: none).
   * Ours, not the paper's: MNIST is fit so fast under cross-entropy that the edge-of-stability phase ends within
   * ~100 steps; noisy labels make the fit as slow as the paper's CIFAR-10 subsets.
   */
  labelNoise?: number;
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
  const noise = c.labelNoise ?? 0;
  if (!(noise >= 0 && noise <= 1)) throw new Error(`data.labelNoise must be in [0, 1], got ${noise}`);
  const perClass = c.n / CLASSES;
  let data: Dataset;
  if (c.source === "mnist") data = loadMnist({ perClass, split: "train", pool: c.pool, standardize: true, seed: c.seed });
  else if (c.source === "cifar10") data = loadCifar10({ perClass, split: "train", standardize: true });
  else throw new Error(`data.source must be mnist or cifar10, got ${String(c.source)}`);
  return noise > 0 ? withLabelNoise(data, noise, c.seed) : data;
}

/** A copy of `data` whose first ⌊fraction·n⌋ examples (the subset is already shuffled) get a random one-hot label. */
export function withLabelNoise<D extends Dataset>(data: D, fraction: number, seed: number): D {
  const rng = new Rng(1_000_003 + seed);
  const Y = data.Y.slice();
  const noisy = Math.floor(fraction * data.n);
  for (let i = 0; i < noisy; i++) {
    Y.fill(0, i * data.c, (i + 1) * data.c);
    Y[i * data.c + rng.int(data.c)] = 1;
  }
  return { ...data, Y };
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
    D: derivatives(objective),
    w0: initParams(model.layout, { scheme: "torch" }, c.net.initSeed),
    dispose: () => objective.dispose(),
  };
}
