/**
 * Figure 2, the drift between GD and gradient flow on the corridor toy: where it lives (a map of ‖Hg‖ and of
 * the corridor-ness ‖Hg‖/(‖H‖‖g‖)), how it scales (the one-step gap against h, log-log: slope 2 where
 * Hg ≠ 0, rounding inside the corridor) and what absorbs it (GD tracks the flow of the implicit-gradient-
 * regularization loss E + (h/4)‖g‖² far better than the flow of E; Barrett & Dherin, 2021).
 */
import { claim } from "../../lab/claims";
import { composeFigure, contourPanel, curvesPanel, distancePanel, endLabel, gridFromColumns, spreadLabels, type Panel, type Series } from "../../plot/panels";
import { GREY, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, RunContext, Tables } from "../../lab/types";
import { gridTable, maxOf } from "./common";
import { emptyTable, logspace, pushRow, where } from "../../lab/tables";
import { corridorToy, DEFAULT_CORRIDOR, type CorridorToySpec } from "./corridor-toy";
import { compareModifiedLoss, oneStepGaps } from "./drift";
import { logLogSlope } from "./fit";
import { hgRatio, hessGrad, vec2 } from "./toy";

export interface DriftConfig {
  toy: CorridorToySpec;
  bounds: [number, number, number, number];
  grid: number;
  /** Points where the one-step gap is measured (inside and outside the corridor). */
  points: number[][];
  /** Step sizes h of the one-step gap, log-spaced: [log10 min, log10 max, count]. */
  hRange: [number, number, number];
  /** RK4 substeps of the one-step flow. */
  substeps: number;
  /** Modified-loss comparison: start, step sizes, steps per run. */
  igrStart: number[];
  igrHs: number[];
  igrSteps: number;
}

async function run(c: DriftConfig, ctx: RunContext): Promise<Tables> {
  const toy = corridorToy(c.toy);
  const map = gridTable(c.bounds, c.grid, {
    hgNorm: (x, y) => {
      const Hg = hessGrad(toy, vec2(x, y));
      return Math.hypot(Hg[0], Hg[1]);
    },
    hgRatio: (x, y) => hgRatio(toy, vec2(x, y)),
  });
  const gaps = emptyTable(["point", "inCorridor", "h", "gap", "predicted"]);
  const hs = logspace(...c.hRange);
  c.points.forEach((p, k) => {
    const q = Float64Array.from(p);
    for (const r of oneStepGaps(toy, q, hs, c.substeps)) pushRow(gaps, { point: k, inCorridor: toy.inCorridor(q) ? 1 : 0, ...r });
  });
  await ctx.live({ map, gaps });
  const igr = emptyTable(["h", "step", "gapToFlow", "gapToModifiedFlow"]);
  for (const h of c.igrHs) {
    const cmp = compareModifiedLoss(toy, Float64Array.from(c.igrStart), h, c.igrSteps, c.substeps);
    cmp.steps.forEach((n, i) => pushRow(igr, { h, step: n, gapToFlow: cmp.gapToFlow[i], gapToModifiedFlow: cmp.gapToModifiedFlow[i] }));
  }
  return { map, gaps, igr };
}

const GREYS: [number, string][] = [
  [0, "#ffffff"],
  [1, "#6b6b6b"],
];

/** Where GD drifts from gradient flow: ‖Hg‖ over the plane, and the one-step gap against η at four points. */
function mapFigure(tables: Tables, c: DriftConfig) {
  const { map, gaps } = tables;
  const color = (k: number): string => sweepColor(k, c.points.length);
  const points: Series[] = c.points.map((p, k) => ({ name: `${k + 1}`, x: [p[0]], y: [p[1]], color: color(k), mode: "markers", directLabel: true }));
  const hg = contourPanel({ title: "(a) log₁₀‖Hg‖", ...gridFromColumns(map.x, map.y, map.hgNorm), logZ: true, kind: "heatmap", colorscale: GREYS, showScale: false, trajectories: points, xTitle: "x", yTitle: "y" });
  const labels = c.points.map((p, k) => ({ text: `${k + 1}`, x: p[0], y: p[1], xref: "x" as const, yref: "y" as const, xanchor: "left" as const, xshift: 5, showarrow: false, font: { color: color(k) } }));
  const series: Series[] = [];
  const ends: NonNullable<Panel["annotations"]> = [];
  let predictionShown = false;
  c.points.forEach((_, k) => {
    const rows = where(gaps, { point: k });
    const s: Series = { name: `point ${k + 1}`, x: rows.h, y: rows.gap.map((g) => Math.max(g, 1e-17)), color: color(k), mode: "lines+markers", width: 1.25, directLabel: true };
    series.push(s);
    ends.push(endLabel({ ...s, name: `${k + 1}`, x: s.x.map(Math.log10), y: s.y.map(Math.log10) }, { xanchor: "left", xshift: 4, yshift: -6 }));
    if (rows.inCorridor[0] === 0) {
      series.push({ name: "(η²/2)‖Hg‖", x: rows.h, y: rows.predicted, process: "prediction", showlegend: !predictionShown });
      predictionShown = true;
    }
  });
  const slope = curvesPanel({ title: "(b) one-step gap GF − GD", xTitle: "step size η", yTitle: "‖GF(η) − GD(η)‖", logX: true, logY: true, series: series.map((s) => (s.process ? s : { ...s, showlegend: false })) });
  return composeFigure(
    [
      { ...hg, legend: "none", annotations: labels },
      { ...slope, legend: "top left", annotations: spreadLabels(ends, 0.9) },
    ],
    { size: "text", cols: 2 },
  );
}

/** GD against the flows of E and of the modified loss E + (η/4)‖g‖². */
function igrFigure(tables: Tables, c: DriftConfig) {
  const { igr } = tables;
  const series: Series[] = c.igrHs.flatMap((h, i): Series[] => {
    const rows = where(igr, { h });
    rows.step.shift(); // step 0: both distances are 0, off a log axis
    rows.gapToFlow.shift();
    rows.gapToModifiedFlow.shift();
    const color = sweepColor(i, c.igrHs.length);
    return [
      { name: `η = ${h}`, x: rows.step, y: rows.gapToFlow, color, width: 1.5 },
      // Named like its solid partner (one legend entry per η); the dash is explained by the key entries below.
      { name: `η = ${h}`, x: rows.step, y: rows.gapToModifiedFlow, color, dash: "dash", width: 1.5, showlegend: false },
    ];
  });
  // η is named at the right end of each solid curve; a legend-only key (no data) explains the two line styles, in
  // an empty decade made below the curves.
  const solid = series.filter((s) => s.dash === undefined);
  const labels = spreadLabels(solid.map((s) => endLabel({ ...s, y: s.y.map(Math.log10) }, { xanchor: "right", yshift: 7 })), 0.22);
  const key: Series[] = [
    { name: "GD to the flow of E", x: [NaN], y: [NaN], color: GREY.dark, width: 1.5 },
    { name: "GD to the flow of Ẽ (modified)", x: [NaN], y: [NaN], color: GREY.dark, dash: "dash", width: 1.5 },
  ];
  const panel = distancePanel({ xTitle: "step n", yTitle: "‖θₙ − φ(nη)‖", series: [...series.map((s) => ({ ...s, directLabel: true })), ...key] });
  const ys = series.flatMap((s) => s.y.filter((v) => v > 0));
  panel.yaxis = { ...panel.yaxis, range: [Math.log10(Math.min(...ys)) - 0.9, Math.log10(Math.max(...ys)) + 0.05] };
  return composeFigure([{ ...panel, legend: "bottom left", annotations: labels }], { size: "column", heightIn: 2.6 });
}

function claims(tables: Tables, c: DriftConfig): Claim[] {
  const { gaps, igr } = tables;
  const outside = c.points.map((_, k) => where(gaps, { point: k })).filter((r) => r.inCorridor[0] === 0);
  const inside = gaps.gap.filter((_, i) => gaps.inCorridor[i] === 1);
  const slopeErr = maxOf(outside.map((r) => Math.abs(logLogSlope(r.h, r.gap) - 2)));
  const predErr = maxOf(outside.map((r) => Math.abs(r.gap[0] / r.predicted[0] - 1)));
  const ratios = c.igrHs.map((h) => {
    const rows = where(igr, { h });
    const last = rows.step.length - 1;
    return rows.gapToModifiedFlow[last] / rows.gapToFlow[last];
  });
  return [
    claim("slope-2-outside", `outside the corridor the one-step gap ∝ h²: largest |log-log slope − 2| over ${outside.length} points`, outside.length ? slopeErr : NaN, "<=", 0.05),
    claim("gap-predicted", `…and equals (h²/2)‖Hg‖ at the smallest h = ${gaps.h[0].toPrecision(2)}: largest relative error`, outside.length ? predErr : NaN, "<=", 0.01),
    claim("rounding-inside", "inside the corridor the gap is rounding only, at every h: largest gap", inside.length ? maxOf(inside) : NaN, "<=", 1e-12),
    claim("modified-loss-closer", `GD ends closer to the flow of E + (h/4)‖g‖² than to that of E after ${c.igrSteps} steps: largest distance ratio over h`, maxOf(ratios), "<=", 0.35),
  ];
}

const BASE: DriftConfig = {
  toy: DEFAULT_CORRIDOR,
  bounds: [-2, 5, -3, 3],
  grid: 101,
  points: [[3, 0.5], [3, 1.8], [1, -2.5], [-0.5, 0.2]],
  hRange: [-3, -1, 9],
  substeps: 256,
  igrStart: [4, 2.2],
  igrHs: [0.05, 0.1, 0.2],
  igrSteps: 20,
};

export const corridorsDrift: Experiment<DriftConfig> = registerExperiment<DriftConfig>({
  id: "corridors-drift",
  title: "Drift between GD and gradient flow, and the modified loss that absorbs it",
  paper: "Dherin & Rosca 2024 (GF − GD = (h²/2)Hg); Barrett & Dherin 2021 (implicit gradient regularization)",
  configs: {
    quick: { ...BASE, grid: 61, substeps: 128, igrSteps: 10 },
    full: BASE,
  },
  run,
  figures: [
    {
      id: "corridors-drift-map",
      paperFigure: "Dherin & Rosca 2024 (GF − GD = (η²/2)Hg, zero in a corridor)",
      title: "GD drifts from gradient flow by (η²/2)Hg, except in a corridor",
      size: "text",
      caption: (c) =>
        `The corridor toy on [${c.bounds[0]}, ${c.bounds[1]}] × [${c.bounds[2]}, ${c.bounds[3]}]. (a) ‖Hg‖ on a log grey scale (white: Hg = 0, the corridor; darkest: ‖Hg‖ ≈ max over the plane) with four points; ` +
        `(b) the gap between one gradient-flow step of length η (RK4, ${c.substeps} substeps) and one GD step at those points: ∝ η² and equal to the prediction (η²/2)‖Hg‖ (dashed) outside the corridor, ` +
        `rounding only (drawn at 1e-17) at the point inside it.`,
      build: mapFigure,
    },
    {
      id: "corridors-drift-igr",
      paperFigure: "Barrett & Dherin 2021 (implicit gradient regularization)",
      title: "GD follows the flow of the modified loss E + (η/4)‖g‖²",
      size: "column",
      caption: (c) =>
        `On the corridor toy from (${c.igrStart.join(", ")}), the distance of the GD iterate θₙ to the gradient flow φ of E (solid) and of the modified loss E + (η/4)‖g‖² (dashed) at time nη, for η ∈ {${c.igrHs.join(", ")}}: ` +
        `GD stays several times closer to the modified flow.`,
      build: igrFigure,
    },
  ] satisfies FigureSpec<DriftConfig>[],
  claims,
});
