/**
 * Figures 4 and 6 (left) of Saxe et al. (2014) at CPU scale: learning time (steps to an excess error of
 * ε·E_ref) at the optimal learning rate, and that rate, against depth N_l, on PCA-whitened MNIST, for
 *  - decoupled init with end-to-end strength u₀ (the theory's special initial conditions, the ideal outcome of
 *    pretraining), simulated at the mode map's optimal rate and predicted by the mode map and the depth ODE;
 *  - random orthogonal init, gain 1 (dynamical isometry);
 *  - scaled Gaussian init, gain 1 (norm-preserving on average, singular values spread with depth).
 * The networks are trained by the library's GD on float32 tfjs gradients, every (init, rate) of a depth in
 * one ensemble; the predictions are float64.
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, type Series } from "../../plot/panels";
import { logRangeWithRoom } from "../../plot/ranges";
import { GREY, OKABE_ITO } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, FigureSpec, RunContext, Tables } from "../../lab/types";
import { depthTheoryTask, depthTrialsTask } from "./depth-task";
import { concatTables, where } from "../../lab/tables";

export interface DepthConfig {
  /** MNIST digits used, pooling before PCA, PCA components (= input width), data seed. */
  n: number;
  pool: 1 | 2;
  components: number;
  dataSeed: number;
  /** Hidden width of every layer. */
  hidden: number;
  /** Depths N_l simulated (layers counting the input: N_l − 1 weight matrices). */
  depths: number[];
  /** The predictions are drawn for every N_l from 3 to this. */
  theoryMaxLayers: number;
  /** Rate grid λ = 2^{k/2}/(N_l − 1), k = rateKMin … rateKMax. */
  rateKMin: number;
  rateKMax: number;
  /** Criterion: excess error ≤ eps·E_ref. */
  eps: number;
  maxSteps: number;
  /** End-to-end initial strength of the decoupled init. */
  decoupledU0: number;
  /** Gain of the orthogonal and scaled Gaussian inits. */
  gain: number;
  seed: number;
  /** RK4 step of the depth ODE (units of τ). */
  odeDt: number;
}

export const INIT_CODE = { decoupled: 0, orthogonal: 1, scaled_gaussian: 2 } as const;
const INIT_LABEL = ["decoupled, small u₀", "orthogonal", "scaled Gaussian"];
const INIT_COLOR: string[] = [GREY.dark, OKABE_ITO.skyBlue, OKABE_ITO.reddishPurple];

async function run(c: DepthConfig, ctx: RunContext): Promise<Tables> {
  // Tasks (depth-task.ts): the predictions for every depth, and one ensemble per simulated depth.
  const common = {
    data: { n: c.n, pool: c.pool, components: c.components, topSingularValue: 1, seed: c.dataSeed },
    rateKMin: c.rateKMin,
    rateKMax: c.rateKMax,
    eps: c.eps,
    maxSteps: c.maxSteps,
    decoupledU0: c.decoupledU0,
  };
  const [{ theory, spectrum }, parts] = await Promise.all([
    ctx.run(depthTheoryTask, { ...common, maxLayers: c.theoryMaxLayers, odeDt: c.odeDt }),
    ctx.map(
      c.depths.map((layers) => ({ ...common, layers, hidden: c.hidden, gain: c.gain, seed: c.seed + layers })),
      depthTrialsTask,
    ),
  ]);
  return { trials: concatTables(parts), theory, spectrum };
}

/** The fastest trial of each (depth, init): the learning time at the optimal rate (NaN if none converged). */
export function optima(trials: Tables[string]): { layers: number[]; init: number[]; lr: number[]; steps: number[] } {
  const out = { layers: [] as number[], init: [] as number[], lr: [] as number[], steps: [] as number[] };
  const depths = [...new Set(trials.layers)].sort((a, b) => a - b);
  for (const layers of depths) {
    for (const init of [INIT_CODE.decoupled, INIT_CODE.orthogonal, INIT_CODE.scaled_gaussian]) {
      const rows = where(trials, { layers, init });
      let best = -1;
      rows.steps.forEach((t, i) => {
        if (Number.isFinite(t) && (best < 0 || t < rows.steps[best])) best = i;
      });
      if (rows.steps.length === 0) continue;
      out.layers.push(layers);
      out.init.push(init);
      out.lr.push(best < 0 ? Number.NaN : rows.lr[best]);
      out.steps.push(best < 0 ? Number.NaN : rows.steps[best]);
    }
  }
  return out;
}

function pick(o: ReturnType<typeof optima>, init: number): { layers: number[]; lr: number[]; steps: number[] } {
  const idx = o.init.flatMap((v, i) => (v === init ? [i] : []));
  return { layers: idx.map((i) => o.layers[i]), lr: idx.map((i) => o.lr[i]), steps: idx.map((i) => o.steps[i]) };
}

function figure(tables: Tables) {
  const { trials, theory } = tables;
  const o = optima(trials ?? { layers: [], init: [], lr: [], steps: [], lr_depth: [], diverged: [] });
  const timeSeries: Series[] = [
    { name: "mode map", x: theory.layers, y: theory.map_steps, color: INIT_COLOR[0], width: 2 },
    { name: "depth ODE", x: theory.layers, y: theory.ode_steps, process: "prediction" },
  ];
  const rateSeries: Series[] = [
    { name: "mode map", x: theory.layers.map((l) => l - 1), y: theory.map_lr, color: INIT_COLOR[0], width: 2, showlegend: false },
    { name: "2/(Nₗ − 1)", x: theory.layers.map((l) => l - 1), y: theory.layers.map((l) => 2 / (l - 1)), process: "prediction" },
  ];
  for (const init of [INIT_CODE.decoupled, INIT_CODE.orthogonal, INIT_CODE.scaled_gaussian]) {
    const p = pick(o, init);
    if (p.layers.length === 0) continue;
    timeSeries.push({ name: INIT_LABEL[init], x: p.layers, y: p.steps, color: INIT_COLOR[init], mode: "markers" });
    if (init !== INIT_CODE.decoupled) rateSeries.push({ name: INIT_LABEL[init], x: p.layers.map((l) => l - 1), y: p.lr, color: INIT_COLOR[init], mode: "lines+markers", width: 1.25, showlegend: false });
  }
  // (a): the five-entry legend gets the bottom of the panel to itself (log y extended below the data).
  const timeRange = logRangeWithRoom(timeSeries.flatMap((t) => t.y), { below: 1.1, above: 0.08 });
  const rates = curvesPanel({ title: "(b) optimal learning rate", xTitle: "Nₗ − 1 (weight matrices)", yTitle: "optimal λ", logX: true, logY: true, series: rateSeries });
  // Ticks at the depths run (a log axis over about a decade would label only 10).
  const depths = [...new Set(o.layers)].sort((a, b) => a - b).map((l) => l - 1);
  if (depths.length > 0) rates.xaxis = { ...rates.xaxis, tickvals: depths, ticktext: depths.map(String), dtick: undefined };
  return composeFigure(
    [
      { ...curvesPanel({ title: "(a) learning time", xTitle: "Nₗ (layers)", yTitle: "steps to criterion", logY: true, series: timeSeries, yRange: timeRange }), legend: "bottom right" },
      { ...rates, legend: "bottom left" },
    ],
    { size: "text", cols: 2 },
  );
}

/** Least-squares slope of log y against log x over the finite pairs. */
export function logLogSlope(x: number[], y: number[]): number {
  const pts = x.map((xi, i) => [Math.log(xi), Math.log(y[i])]).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length < 2) return Number.NaN;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let num = 0;
  let den = 0;
  for (const [a, b] of pts) {
    num += (a - mx) * (b - my);
    den += (a - mx) ** 2;
  }
  return num / den;
}

function claims(tables: Tables, _c: DepthConfig) {
  const { trials, theory } = tables;
  const o = optima(trials);
  const dec = pick(o, INIT_CODE.decoupled);
  const orth = pick(o, INIT_CODE.orthogonal);
  const gauss = pick(o, INIT_CODE.scaled_gaussian);
  const mapAt = (layers: number): { steps: number; ode: number } => {
    const i = theory.layers.indexOf(layers);
    return { steps: theory.map_steps[i], ode: theory.ode_steps[i] };
  };
  const mapGap = Math.max(...dec.layers.map((l, i) => Math.abs(dec.steps[i] - mapAt(l).steps)));
  const odeGap = Math.max(...theory.layers.map((_, i) => (theory.layers[i] >= 5 ? Math.abs(theory.ode_steps[i] - theory.map_steps[i]) / theory.map_steps[i] : 0)));
  // Depth-(in)dependence over the simulated depths from N_l = 5 on (N_l = 3 is a single hidden layer).
  const deep = (p: { layers: number[]; steps: number[] }): number[] => p.steps.filter((_, i) => p.layers[i] >= 5);
  const spread = (xs: number[]): number => (xs.length && xs.every(Number.isFinite) ? Math.max(...xs) / Math.min(...xs) : Number.NaN);
  const orthDeep = deep(orth);
  const gaussDeep = deep(gauss);
  const growth = (xs: number[]): number => (xs.length && xs.every(Number.isFinite) ? xs[xs.length - 1] / xs[0] : Number.NaN);
  const last = orth.layers.length - 1;
  const deepest = orth.layers[last];
  return [
    claim("decoupled-equals-mode-map", "decoupled init: simulated steps to criterion equal the exact mode map's, max |difference| over depths (steps)", mapGap, "<=", 1),
    claim("ode-tracks-mode-map", "the depth ODE's learning time (T/λ) is within 5% of the mode map's at the optimal rate, N_l ≥ 5: max relative gap", odeGap, "<=", 0.05),
    claim("orthogonal-depth-independent", `orthogonal init: learning time changes by at most 3× over N_l = 5…${deepest} (max/min)`, spread(orthDeep), "<=", 3),
    claim("gaussian-slows-with-depth", `scaled Gaussian init: learning time grows by more than 3× over N_l = 5…${deepest} (deepest/shallowest)`, growth(gaussDeep), ">", 3),
    claim("gaussian-slower-than-orthogonal", `at N_l = ${deepest} the scaled Gaussian init needs ≥ 3× the orthogonal init's steps`, gauss.steps[last] / orth.steps[last], ">=", 3),
    claim("optimal-rate-inverse-depth", "orthogonal init: optimal λ ∝ (N_l − 1)^p with p from a log-log fit: |p + 1|", Math.abs(logLogSlope(orth.layers.map((l) => l - 1), orth.lr) + 1), "<=", 0.25),
    claim("optimal-rate-inverse-depth-decoupled", "decoupled init (mode map): optimal λ ∝ (N_l − 1)^p over N_l = 3…: |p + 1|", Math.abs(logLogSlope(theory.layers.map((l) => l - 1), theory.map_lr) + 1), "<=", 0.25),
  ];
}

export const saxeDepth: Experiment<DepthConfig> = registerExperiment<DepthConfig>({
  id: "saxe-depth",
  title: "Learning time and optimal learning rate against depth for decoupled, orthogonal and scaled Gaussian inits",
  paper: "Saxe, McClelland & Ganguli 2014, Figs. 4 and 6",
  configs: {
    quick: {
      n: 1000,
      pool: 2,
      components: 20,
      dataSeed: 0,
      hidden: 20,
      depths: [3, 5, 9],
      theoryMaxLayers: 12,
      rateKMin: -6,
      rateKMax: 3,
      eps: 1e-3,
      maxSteps: 800,
      decoupledU0: 1e-3,
      gain: 1,
      seed: 11,
      odeDt: 0.005,
    },
    full: {
      n: 2000,
      pool: 1,
      components: 50,
      dataSeed: 0,
      hidden: 50,
      depths: [3, 5, 9, 17, 31],
      theoryMaxLayers: 40,
      rateKMin: -7,
      rateKMax: 3,
      eps: 1e-3,
      maxSteps: 1500,
      decoupledU0: 1e-3,
      gain: 1,
      seed: 11,
      odeDt: 0.005,
    },
  },
  run,
  runsTasks: true,
  figures: [
    {
      id: "saxe-depth-fig4",
      paperFigure: "Saxe, McClelland & Ganguli 2014, Figs. 4 and 6 (left)",
      title: "Learning time and optimal learning rate against depth",
      size: "text",
      caption: (c) =>
        `Deep linear nets of width ${c.hidden} on PCA-whitened MNIST (${c.n} digits, ${c.components} components), GD at the best rate of a grid, learning time = steps to an excess error ε = ${c.eps}. ` +
        `Markers: simulated (float32 tfjs) for the decoupled init with end-to-end strength u₀ = ${c.decoupledU0} per mode (the theory's initial condition), random orthogonal and scaled Gaussian init (gain ${c.gain}); ` +
        `lines: the decoupled init's exact mode map (solid) and the depth ODE τu̇ = (Nₗ − 1)u^(2 − 2/(Nₗ − 1))(s − u) (dashed). ` +
        `(a) Orthogonal init learns in a depth-independent time, scaled Gaussian init slows with depth; the decoupled init is the slowest here because each mode must first grow from u₀ = ${c.decoupledU0} ` +
        `(time ∝ ln(s/u₀)/λ), while an orthogonal product starts with all its singular values at 1. (b) The optimal rate falls as 1/(Nₗ − 1) (2/(Nₗ − 1) dashed).`,
      build: figure,
    },
  ] satisfies FigureSpec<DepthConfig>[],
  claims,
});
