/**
 * The tasks of saxe-depth: one simulated depth (every (init, rate) of that depth in one ensemble), and the
 * float64 predictions for the decoupled init at every depth (mode map and depth ODE). Both read the
 * PCA-whitened MNIST task their config names; nothing here draws.
 */
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { emptyTable, pushRow } from "../../lab/tables";
import type { DeepInit } from "./deep-inits";
import { depthOdeLearningTime, modeMapOptimum, rateGrid, simulateDepth } from "./depth-model";
import { whitenedMnistTask, type MnistTask, type MnistTaskOptions } from "./mnist-task";

/** What both tasks share: the data, the criterion and the rate grid. */
export interface DepthTaskCommon {
  data: MnistTaskOptions;
  /** Rate grid λ = 2^{k/2}/(N_l − 1), k = rateKMin … rateKMax. */
  rateKMin: number;
  rateKMax: number;
  eps: number;
  maxSteps: number;
  /** End-to-end initial strength of the decoupled init. */
  decoupledU0: number;
}

export interface DepthTrialsConfig extends DepthTaskCommon {
  /** N_l: layers counting the input. */
  layers: number;
  hidden: number;
  gain: number;
  /** The ensemble's seed (the experiment's seed + layers). */
  seed: number;
}

export interface DepthTheoryConfig extends DepthTaskCommon {
  /** Predictions for N_l = 3 … maxLayers. */
  maxLayers: number;
  odeDt: number;
}

// The whitened task is a pure function of its options: a worker computing several depths builds it once.
const tasks = new Map<string, MnistTask>();
function mnistTask(o: MnistTaskOptions): MnistTask {
  const key = JSON.stringify([o.n, o.pool, o.components, o.topSingularValue, o.seed]);
  let t = tasks.get(key);
  if (!t) tasks.set(key, (t = whitenedMnistTask(o)));
  return t;
}

/** The mode map's optimal rate and learning time for the decoupled init at N_l layers (grid widened by 4 steps). */
function mapOptimum(s: ArrayLike<number>, layers: number, c: DepthTaskCommon): { lr: number; steps: number } {
  return modeMapOptimum(s, layers - 1, c.decoupledU0, c.eps, rateGrid(layers - 1, c.rateKMin, c.rateKMax + 4), 50 * c.maxSteps);
}

/** One depth: trials (layers, init, lr, lr_depth, steps, diverged), decoupled at the mode map's optimal rate, the others over the grid. */
export const depthTrialsTask = defineTask<DepthTrialsConfig, Table>("saxe.depth-trials", async (c, ctx) => {
  const task = mnistTask(c.data);
  const D = c.layers - 1;
  const grid = rateGrid(D, c.rateKMin, c.rateKMax);
  const inits: DeepInit[] = [
    { kind: "decoupled", u0: c.decoupledU0 },
    { kind: "orthogonal", gain: c.gain },
    { kind: "scaled_gaussian", gain: c.gain },
  ];
  const result = await simulateDepth(
    { modes: task.modes, sigma31T: task.sigma31T, layers: c.layers, hidden: c.hidden, inits, rates: [[mapOptimum(task.modes.s, c.layers, c).lr], grid, grid], eps: c.eps, maxSteps: c.maxSteps, seed: c.seed },
    () => ctx.live({}),
  );
  const trials = emptyTable(["layers", "init", "lr", "lr_depth", "steps", "diverged"]);
  for (const t of result) pushRow(trials, { layers: c.layers, init: t.init, lr: t.lr, lr_depth: t.lr * D, steps: t.steps, diverged: t.diverged ? 1 : 0 });
  return trials;
});

/** The predictions for the decoupled init at every depth, and the task's spectrum. */
export const depthTheoryTask = defineTask<DepthTheoryConfig, { theory: Table; spectrum: Table }>("saxe.depth-theory", (c) => {
  const s = Array.from(mnistTask(c.data).modes.s);
  const spectrum = emptyTable(["mode", "s"]);
  s.forEach((v, i) => pushRow(spectrum, { mode: i + 1, s: v }));
  const theory = emptyTable(["layers", "map_lr", "map_steps", "ode_steps"]);
  for (let layers = 3; layers <= c.maxLayers; layers++) {
    const opt = mapOptimum(s, layers, c);
    const T = depthOdeLearningTime(s, layers - 1, c.decoupledU0, c.eps, c.odeDt, 1e5);
    pushRow(theory, { layers, map_lr: opt.lr, map_steps: opt.steps, ode_steps: T / opt.lr });
  }
  return { theory, spectrum };
});
