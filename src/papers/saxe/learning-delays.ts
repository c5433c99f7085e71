/**
 * Figure 3 (right) of Saxe et al. (2014): the delay of each mode's half-learning time relative to the closed
 * form, (t½,sim − t½,analytic)/t½,analytic, over many small random inits, for the linear and the tanh net.
 * One task per (activation, seed): the inits train independently (learning-delays-task.ts).
 * Competition between modes for the shared hidden units delays the weak modes; the tanh nonlinearity adds to it.
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, type Panel } from "../../plot/panels";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, RunContext, Tables } from "../../lab/types";
import { TREE_TASK, type TreeTaskConfig } from "./mode-learning";
import { ACTIVATION_CODE, learningDelayTask } from "./learning-delays-task";
import { concatTables, where } from "../../lab/tables";
import { mean, std } from "../../lab/stats";

export interface LearningDelaysConfig extends TreeTaskConfig {
  /** Random inits (ensemble members) per activation. */
  seeds: number;
  firstSeed: number;
  /** Claims: the strongest modes (1..strongModes) and the weakest `weakModes` modes. */
  strongModes: number;
  weakModes: number;
}

export { ACTIVATION_CODE };

async function run(c: LearningDelaysConfig, ctx: RunContext): Promise<Tables> {
  // One task per (activation, seed) (learning-delays-task.ts); rows in the order linear seeds, then tanh seeds.
  const tree = { levels: c.levels, features: c.features, flip: c.flip, seed: c.dataSeed };
  const seeds = Array.from({ length: c.seeds }, (_, i) => c.firstSeed + i);
  const configs = (["linear", "tanh"] as const).flatMap((activation) =>
    seeds.map((seed) => ({ tree, activation, hidden: c.hidden, lr: c.lr, u0: c.u0, steps: c.steps, recordEvery: c.recordEvery, seed })),
  );
  return { delays: concatTables(await ctx.map(configs, learningDelayTask)) };
}

/** Per mode: mean and standard deviation of the relative delay over seeds (finite values only). */
export function delayStats(delays: Tables[string], activation: number): { mode: number[]; s: number[]; mean: number[]; std: number[]; reached: number[] } {
  const rows = where(delays, { activation });
  const modes = [...new Set(rows.mode)].sort((a, b) => a - b);
  const out = { mode: [] as number[], s: [] as number[], mean: [] as number[], std: [] as number[], reached: [] as number[] };
  for (const m of modes) {
    const r = where(rows, { mode: m });
    const finite = r.relative.filter(Number.isFinite);
    out.mode.push(m);
    out.s.push(r.s[0]);
    out.mean.push(finite.length ? mean(finite) : Number.NaN);
    out.std.push(finite.length > 1 ? std(finite) : 0);
    out.reached.push(finite.length / r.relative.length);
  }
  return out;
}

function figure(tables: Tables, c: LearningDelaysConfig) {
  const { delays } = tables;
  const panels: Panel[] = [];
  const traces: Panel["traces"] = [];
  let top = 0; // highest error-bar end, for the legend's headroom

  for (const [name, code, color] of [
    ["linear net", ACTIVATION_CODE.linear, "#1f5fa8"],
    ["tanh net", ACTIVATION_CODE.tanh, "#d9730d"],
  ] as const) {
    const st = delayStats(delays, code);
    if (st.mode.length === 0) continue;
    top = Math.max(top, ...st.mean.map((m, i) => m + (st.std[i] ?? 0)).filter(Number.isFinite));
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${name} (mean ± sd over ${c.seeds} inits)`,
      x: st.mode,
      y: st.mean,
      error_y: { type: "data", array: st.std, visible: true, color, thickness: 1, width: 2 },
      line: { color, width: 1.5 },
      marker: { color, size: 5 },
    });
  }
  const modes = [...new Set(delays.mode)];
  traces.push({ type: "scatter", mode: "lines", name: "closed form (no delay)", x: [Math.min(...modes), Math.max(...modes)], y: [0, 0], line: { color: "#c0262d", dash: "dot", width: 1.5 } });
  const delayPanel = curvesPanel({ title: "(a) relative delay of t½ by mode", xTitle: "mode α (by decreasing sα)", yTitle: "relative delay of t½", series: [] });
  delayPanel.traces = traces;
  // The three-entry legend sits above the error bars (top left), in headroom the y range leaves for it.
  if (top > 0) delayPanel.yaxis = { ...delayPanel.yaxis, range: [-0.05 * top, 1.6 * top] };
  delayPanel.legend = "top left";
  panels.push(delayPanel);
  const lin = where(delays, { activation: ACTIVATION_CODE.linear });
  const tanh = where(delays, { activation: ACTIVATION_CODE.tanh });
  panels.push(
    curvesPanel({
      title: "(b) every init: simulated vs analytic t½",
      xTitle: "analytic t½ (iterations)",
      yTitle: "simulated t½ (iterations)",
      series: [
        { name: "linear net, each init and mode", x: lin.analytic, y: lin.simulated, mode: "markers", process: "discrete", opacity: 0.5 },
        { name: "tanh net, each init and mode", x: tanh.analytic, y: tanh.simulated, mode: "markers", color: "#d9730d", opacity: 0.5 },
        { name: "simulated = analytic", x: [Math.min(...lin.analytic), Math.max(...lin.analytic)], y: [Math.min(...lin.analytic), Math.max(...lin.analytic)], process: "prediction" },
      ],
    }),
  );
  return composeFigure(panels, { size: "text", cols: panels.length });
}

function claims(tables: Tables, c: LearningDelaysConfig) {
  const { delays } = tables;
  const lin = delayStats(delays, ACTIVATION_CODE.linear);
  const tanh = delayStats(delays, ACTIVATION_CODE.tanh);
  const strongLin = where(delays, { activation: ACTIVATION_CODE.linear }).relative.filter((_, i) => where(delays, { activation: ACTIVATION_CODE.linear }).mode[i] <= c.strongModes);
  const worstStrong = strongLin.some((v) => !Number.isFinite(v)) ? Number.NaN : Math.max(...strongLin.map(Math.abs));
  const n = lin.mode.length;
  const strongMean = mean(lin.mean.slice(0, c.strongModes));
  const weakMean = mean(lin.mean.slice(n - c.weakModes));
  const both = tanh.mean.map((t, i) => t - lin.mean[i]).filter(Number.isFinite);
  const reachedAll = Math.min(...lin.reached);
  return [
    claim("strong-modes-on-time", `linear net: every init's t½ within 10% of the closed form for modes 1–${c.strongModes}: max |relative delay|`, worstStrong, "<=", 0.1),
    claim("weak-modes-lag", `linear net: the ${c.weakModes} weakest modes lag more than modes 1–${c.strongModes}: mean delay (weak) − mean delay (strong)`, weakMean - strongMean, ">", 0.05),
    claim("tanh-lags-more", "the tanh net's delays exceed the linear net's: mean over modes of the difference of mean delays", both.length ? mean(both) : Number.NaN, ">", 0),
    claim("all-reached", "every linear-net init reaches half-learning in every mode within the run: minimum fraction", reachedAll, ">=", 1),
  ];
}


export const saxeLearningDelays: Experiment<LearningDelaysConfig> = registerExperiment<LearningDelaysConfig>({
  id: "saxe-learning-delays",
  title: "Delays of half-learning times relative to the closed form, over random small inits",
  paper: "Saxe, McClelland & Ganguli 2014, Fig. 3 (right)",
  configs: {
    quick: { ...TREE_TASK, steps: 2000, seeds: 4, firstSeed: 200, strongModes: 5, weakModes: 8 },
    full: { ...TREE_TASK, seeds: 16, firstSeed: 200, strongModes: 5, weakModes: 8 },
  },
  run,
  runsTasks: true,
  figures: [{ id: "saxe-learning-delays-fig3", paperFigure: "Saxe, McClelland & Ganguli 2014, Fig. 3 (right)", title: "Delays of half-learning times relative to the closed form, over random small inits", caption: (c) => `Half-learning times t½ of each mode of a two-layer linear net trained by GD (λ = ${c.lr}) from ${c.seeds} random small inits (u₀ = ${c.u0.toExponential(0)}) on the hierarchical data of Fig. 3, against the closed form t½ = (τ/2s)ln(s/u₀ − 1) of the decoupled init. (a) relative delay (t½,sim − t½,closed form)/t½,closed form by mode, mean ± sd over inits: weak modes lag, as in the paper; (b) every init and mode, simulated against closed form.`, size: "text", build: figure }],
  claims,
});
