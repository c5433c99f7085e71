/**
 * Figure 7 of Saxe et al. (2014): singular values of the end-to-end Jacobian of a deep tanh network with
 * orthogonal weights scaled by a gain g. Below g = 1 the Jacobian vanishes like g^D; well above it the
 * saturating units spread its singular values over many decades; near g = 1 (the edge of chaos) it is closest to
 * an isometry. "Closest" is measured by the isometry defect, the mean of |ln σ| over the spectrum (0 iff J is
 * orthogonal).
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, type Panel } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { GREY } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, RunContext, Tables } from "../../lab/types";
import { edgeOfChaosTask, isometryDefect } from "./edge-of-chaos-task";
import { logHistogram } from "./random-products";
import { concatTables, where } from "../../lab/tables";
import { mean } from "../../lab/stats";
import { logRangeWithRoom } from "../../plot/ranges";

export interface EdgeOfChaosConfig {
  n: number;
  depth: number;
  gains: number[];
  /** Gains whose full spectra are drawn as histograms. */
  shownGains: number[];
  realizations: number;
  seed: number;
  /** Input x¹ ~ N(0, inputStd² I). */
  inputStd: number;
  histMin: number;
  histMax: number;
  bins: number;
}

export { isometryDefect };

async function run(c: EdgeOfChaosConfig, ctx: RunContext): Promise<Tables> {
  // One task per realization (edge-of-chaos-task.ts), every gain on its weights.
  const configs = Array.from({ length: c.realizations }, (_, r) => ({ n: c.n, depth: c.depth, gains: c.gains, shownGains: c.shownGains, realization: r, seed: c.seed + r, inputStd: c.inputStd }));
  const parts = await ctx.map(configs, edgeOfChaosTask);
  return { spectra: concatTables(parts.map((p) => p.spectra)), summary: concatTables(parts.map((p) => p.summary)), activity: concatTables(parts.map((p) => p.activity)) };
}

function byGain(summary: Tables[string], field: string): { gains: number[]; values: number[] } {
  const gains = [...new Set(summary.gain)].sort((a, b) => a - b);
  return { gains, values: gains.map((gain) => mean(where(summary, { gain })[field])) };
}

function figure(tables: Tables, c: EdgeOfChaosConfig) {
  const { spectra, summary, activity } = tables;
  const panels: Panel[] = [];
  const color = (i: number, n: number): string => sequentialColor(i, n + 1);
  const shown = c.shownGains.filter((g) => where(spectra, { gain: g }).sigma.length > 0);
  panels.push(
    curvesPanel({
      title: "(a) spectrum of J",
      xTitle: "log₁₀ σ (leftmost bin: everything below)",
      yTitle: "density",
      series: shown.map((g, i) => {
        const h = logHistogram(where(spectra, { gain: g }).sigma, c.histMin, c.histMax, c.bins);
        return { name: `g = ${g}`, x: h.centers, y: h.density, color: color(i, shown.length), group: `g = ${g}` };
      }),
      // Headroom above the peaks for the six-entry legend, at the left (above g = 2's pile-up at the left edge).
      yRange: [-0.03, 1.6 * Math.max(0.1, ...shown.flatMap((g) => logHistogram(where(spectra, { gain: g }).sigma, c.histMin, c.histMax, c.bins).density).filter(Number.isFinite))],
      legend: "top left",
    }),
  );
  if (summary) {
    const defect = byGain(summary, "defect");
    const median = byGain(summary, "median");
    const maxes = byGain(summary, "max");
    panels.push(curvesPanel({ title: "(b) distance from isometry", xTitle: "gain g", yTitle: "mean |ln σ|", series: [{ name: "isometry defect mean |ln σ|", x: defect.gains, y: defect.values, mode: "lines+markers", process: "discrete" }] }));
    panels.push(
      curvesPanel({
        title: "(c) typical and largest singular value",
        xTitle: "gain g",
        yTitle: "σ",
        logY: true,
        series: [
          { name: "median σ", x: median.gains, y: median.values, mode: "lines+markers", process: "discrete" },
          { name: "largest σ", x: maxes.gains, y: maxes.values, mode: "lines+markers", color: GREY.dark, dash: "dash" },
          { name: "σ = 1", x: [Math.min(...median.gains), Math.max(...median.gains)], y: [1, 1], process: "threshold" },
        ],
        // The log axis reaches below the median's fall at large g: the legend sits under every point.
        yRange: logRangeWithRoom([...median.values, ...maxes.values], { below: 0.8, minSpan: 1 }),
        legend: "bottom right",
      }),
    );
  }
  if (activity) {
    panels.push(
      curvesPanel({
        title: "(d) activity through the layers",
        xTitle: "layer",
        yTitle: "rms activity √(‖xˡ‖²/N)",
        logY: true,
        series: shown.map((g, i) => {
          const rows = where(activity, { gain: g, realization: 0 });
          return { name: `g = ${g}`, x: rows.layer, y: rows.rms, color: color(i, shown.length), group: `g = ${g}`, showlegend: false };
        }),
      }),
    );
  }
  return composeFigure(panels, { size: "text", cols: 2, heightIn: 4.6 });
}

function claims(tables: Tables, c: EdgeOfChaosConfig) {
  const { summary } = tables;
  const defect = byGain(summary, "defect");
  const spread = byGain(summary, "log_spread");
  const median = byGain(summary, "median");
  const best = defect.gains[defect.values.indexOf(Math.min(...defect.values))];
  const gMin = defect.gains[0];
  const gMax = defect.gains[defect.gains.length - 1];
  const bestSpread = spread.values[spread.gains.indexOf(best)];
  return [
    claim("isometry-near-g1", `the gain closest to isometry (least mean |ln σ|) on the grid [${c.gains.join(", ")}]: |g* − 1|`, Math.abs(best - 1), "<=", 0.1),
    claim("vanishing-below-edge", `at g = ${gMin} the Jacobian vanishes: median σ (≈ g^D = ${gMin ** c.depth < 1e-3 ? (gMin ** c.depth).toExponential(1) : (gMin ** c.depth).toFixed(3)})`, median.values[0], "<=", 1e-2),
    claim("spread-above-edge", `at g = ${gMax} the spectrum spreads: sd of ln σ relative to the best gain's`, spread.values[spread.values.length - 1] / bestSpread, ">=", 3),
  ];
}

export const saxeEdgeOfChaos: Experiment<EdgeOfChaosConfig> = registerExperiment<EdgeOfChaosConfig>({
  id: "saxe-edge-of-chaos",
  title: "End-to-end Jacobian of deep tanh networks with orthogonal weights across the gain g",
  paper: "Saxe, McClelland & Ganguli 2014, Fig. 7",
  configs: {
    quick: { n: 64, depth: 32, gains: [0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.2, 1.5, 2], shownGains: [0.9, 1, 1.1, 1.5, 2], realizations: 1, seed: 3, inputStd: 1, histMin: -10, histMax: 3, bins: 40 },
    full: { n: 200, depth: 64, gains: [0.8, 0.9, 0.95, 1, 1.02, 1.05, 1.1, 1.15, 1.2, 1.3, 1.5, 2], shownGains: [0.9, 1, 1.05, 1.1, 1.3, 2], realizations: 2, seed: 3, inputStd: 1, histMin: -12, histMax: 4, bins: 48 },
  },
  run,
  runsTasks: true,
  figures: [{ id: "saxe-edge-of-chaos-fig7", paperFigure: "Saxe, McClelland & Ganguli 2014, Fig. 7", title: "End-to-end Jacobian of deep tanh networks with orthogonal weights across the gain g", caption: (c) => `The end-to-end input–output Jacobian J of a ${c.depth}-layer tanh network of width ${c.n} with random orthogonal weights scaled by the gain g. (a) Its singular-value spectrum at several gains; (b) the distance from isometry, mean |ln σ|, which is smallest near the critical gain g ≈ 1 (the edge of chaos); (c) the typical and largest singular values; (d) the activity through the layers.`, size: "text", build: figure }],
  claims,
});
