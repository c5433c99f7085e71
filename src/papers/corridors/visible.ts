/**
 * Figure 1, a corridor you can see (Dherin & Rosca, 2024, §2): on the toy of corridor-toy.ts, gradient flow
 * (RK4) and GD at several step sizes from a start inside the corridor and from starts on the walls.
 * Inside, both run down the same straight line at the same speed, so GD's iterate n sits exactly on the flow
 * at t = n·h and the loss falls linearly in t; on the walls the flow curves and GD cuts corners.
 */
import type { Shape } from "plotly.js-dist";
import { claim } from "../../lab/claims";
import { composeFigure, contourPanel, curvesPanel, distancePanel, gridFromColumns, type Series } from "../../plot/panels";
import { GREY, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import { gridTable, maxOf } from "./common";
import { emptyTable, pushRow, where } from "../../lab/tables";
import { corridorToy, DEFAULT_CORRIDOR, type CorridorToySpec } from "./corridor-toy";
import { lineFit, type LineFit } from "./fit";
import { distance, flowAt, flowPath, gdPath } from "./paths";
import { vec2 } from "./toy";

export interface VisibleConfig {
  toy: CorridorToySpec;
  /** Start points; the first must lie in the corridor, the others on the walls. */
  starts: number[][];
  /** GD step sizes. */
  hs: number[];
  /** Time span of every run (GD runs ⌈duration/h⌉ steps). */
  duration: number;
  /** RK4 step of the drawn flow paths, and the spacing of their recorded points. */
  flowDt: number;
  recordDt: number;
  /** RK4 substeps per GD step for the flow sampled at GD's times t = n·h. */
  substeps: number;
  /** Landscape: [xmin, xmax, ymin, ymax] and points per axis. */
  bounds: [number, number, number, number];
  grid: number;
}

async function run(c: VisibleConfig, ctx: RunContext): Promise<Tables> {
  const toy = corridorToy(c.toy);
  const inside = (x: number, y: number): number => (toy.inCorridor(vec2(x, y)) ? 1 : 0);
  const landscape = gridTable(c.bounds, c.grid, { loss: (x, y) => toy.value(vec2(x, y)) });
  const flow = emptyTable(["start", "t", "x", "y", "loss", "inCorridor"]);
  const gd = emptyTable(["start", "h", "step", "t", "x", "y", "loss", "inCorridor", "flowInCorridor", "gap"]);
  const bar = ctx.progress("corridor paths", c.starts.length);
  for (const [s, start] of c.starts.entries()) {
    const p0 = Float64Array.from(start);
    const path = flowPath(toy, p0, c.duration, c.flowDt, c.recordDt);
    path.y.forEach((p, i) => pushRow(flow, { start: s, t: path.t[i], x: p[0], y: p[1], loss: toy.value(p), inCorridor: inside(p[0], p[1]) }));
    for (const h of c.hs) {
      const steps = Math.ceil(c.duration / h);
      let onFlow = p0;
      gdPath(toy, p0, h, steps).points.forEach((p, n) => {
        if (n > 0) onFlow = flowAt(toy, onFlow, h, c.substeps);
        pushRow(gd, {
          start: s,
          h,
          step: n,
          t: n * h,
          x: p[0],
          y: p[1],
          loss: toy.value(p),
          inCorridor: inside(p[0], p[1]),
          flowInCorridor: inside(onFlow[0], onFlow[1]),
          gap: distance(p, onFlow),
        });
      });
    }
    bar.update(s + 1);
    await ctx.live({ landscape, flow, gd });
  }
  bar.finish();
  return { landscape, flow, gd };
}

/** The corridor's outline (x ≥ 0, |y| ≤ ω), clipped to the plot. */
function corridorOutline(c: VisibleConfig): Partial<Shape> {
  const om = c.toy.halfWidth;
  return { type: "rect", xref: "x", yref: "y", x0: 0, x1: c.bounds[1], y0: -om, y1: om, line: { color: GREY.dark, width: 1, dash: "dot" } };
}

const etaColor = (c: VisibleConfig, i: number): string => sweepColor(i, c.hs.length);

/** The landscape with flow and GD paths, and the loss against time from inside the corridor and from a wall. */
function mapFigure(tables: Tables, c: VisibleConfig) {
  const { landscape, flow, gd } = tables;
  const trajectories: Series[] = [];
  c.starts.forEach((_, s) => {
    c.hs.forEach((h, i) => {
      const run = where(gd, { start: s, h });
      trajectories.push({ name: `GD, η = ${h}`, x: run.x, y: run.y, color: etaColor(c, i), mode: "lines+markers", width: 1, showlegend: s === 0 });
    });
    const f = where(flow, { start: s });
    trajectories.push({ name: "gradient flow", x: f.x, y: f.y, process: "gradientFlow", mode: "lines", width: 2, showlegend: s === 0 });
  });
  const map = contourPanel({ title: "(a) E(x, y)", ...gridFromColumns(landscape.x, landscape.y, landscape.loss), trajectories, xTitle: "x", yTitle: "y" });
  map.shapes = [corridorOutline(c)];
  const lossPanelOf = (s: number, title: string) => {
    const f = where(flow, { start: s });
    const series: Series[] = c.hs.map((h, i) => {
      const run = where(gd, { start: s, h });
      return { name: `GD, η = ${h}`, x: run.t, y: run.loss, color: etaColor(c, i), mode: "markers" };
    });
    series.unshift({ name: "gradient flow", x: f.t, y: f.loss, process: "gradientFlow", width: 2 });
    // Headroom above the starting loss: the legend (in (b)) sits above the descending curve.
    const top = Math.max(1e-9, ...series.flatMap((t) => t.y).filter(Number.isFinite));
    return curvesPanel({ title, xTitle: "time t = nη", yTitle: "loss", series, yRange: [-0.04 * top, 1.7 * top] });
  };
  return composeFigure(
    [
      { ...map, legend: "none" },
      { ...lossPanelOf(0, "(b) start in the corridor"), legend: "top right" },
      { ...lossPanelOf(1, "(c) start on a wall"), legend: "none" },
    ],
    { size: "text", cols: 3 },
  );
}

/** ‖θₙ − φ(nη)‖: zero (rounding) inside the corridor, growing from the walls. */
function gapFigure(tables: Tables, c: VisibleConfig) {
  const { gd } = tables;
  const gaps: Series[] = [];
  c.starts.forEach((_, s) =>
    c.hs.forEach((h, i) => {
      const run = where(gd, { start: s, h });
      const keep = run.gap.map((g) => Math.max(g, 1e-17)); // exact zeros on a log axis
      gaps.push({ name: s === 0 ? `η = ${h}, corridor` : `η = ${h}, walls`, x: run.t, y: keep, color: etaColor(c, i), dash: s === 0 ? "solid" : "dot", width: 1.25, showlegend: s <= 1 });
    }),
  );
  // The six-entry legend gets the right of the panel: the time axis runs on past the runs' end.
  const end = Math.max(0, ...gaps.flatMap((g) => g.x).filter(Number.isFinite));
  return composeFigure([{ ...distancePanel({ xTitle: "time t = nη", yTitle: "‖θₙ − φ(nη)‖", series: gaps, xRange: end > 0 ? [0, 2 * end] : undefined }), legend: "bottom right" }], { size: "column", heightIn: 2.6 });
}

/** For each start whose flow spends ≥ 3 recorded points in the corridor: a line fit of E against t there. */
function insideFits(flow: Table): LineFit[] {
  return [...new Set(flow.start)].flatMap((s) => {
    const rows = where(flow, { start: s, inCorridor: 1 });
    return rows.t.length >= 3 ? [lineFit(rows.t, rows.loss)] : [];
  });
}

function claims(tables: Tables, c: VisibleConfig): Claim[] {
  const { flow, gd } = tables;
  const s2 = c.toy.slope ** 2;
  const both = gd.gap.flatMap((g, i) => (gd.inCorridor[i] === 1 && gd.flowInCorridor[i] === 1 ? [g] : []));
  const fits = insideFits(flow);
  const outsideWorst = Math.min(
    ...c.starts.slice(1).flatMap((_, k) => c.hs.map((h) => maxOf(where(gd, { start: k + 1, h }).gap))),
  );
  return [
    claim("gd-equals-flow-inside", `inside the corridor GD's iterate n equals the flow at t = n·h: max ‖θ_n − φ(nh)‖ over ${both.length} iterates`, both.length > 0 ? maxOf(both) : NaN, "<=", 1e-12),
    claim("linear-loss-inside", "the flow's loss is linear in t inside the corridor: smallest R² of a line fit", fits.length > 0 ? Math.min(...fits.map((f) => f.r2)) : NaN, ">", 0.9999),
    claim(
      "rate-inside",
      `…and falls at rate ‖g‖² = s² = ${s2}: largest relative error of the fitted slope`,
      fits.length > 0 ? maxOf(fits.map((f) => Math.abs(f.slope + s2) / s2)) : NaN,
      "<=",
      1e-9,
    ),
    claim("gd-departs-outside", "from the walls GD and the flow separate: smallest (over starts and h) largest gap ‖θ_n − φ(nh)‖", outsideWorst, ">=", 1e-2),
  ];
}

export const corridorsVisible: Experiment<VisibleConfig> = registerExperiment<VisibleConfig>({
  id: "corridors-visible",
  title: "A corridor you can see: GD and gradient flow inside and outside",
  paper: "Dherin & Rosca 2024 (corridor definition; our toy)",
  configs: {
    quick: { toy: DEFAULT_CORRIDOR, starts: [[4, 0.3], [4, 2.2], [4, -2.6]], hs: [0.1, 0.3, 0.45], duration: 8, flowDt: 2e-3, recordDt: 0.04, substeps: 32, bounds: [-2, 5, -3, 3], grid: 61 },
    full: { toy: DEFAULT_CORRIDOR, starts: [[4, 0.3], [4, 2.2], [4, -2.6]], hs: [0.1, 0.3, 0.45], duration: 8, flowDt: 1e-3, recordDt: 0.02, substeps: 64, bounds: [-2, 5, -3, 3], grid: 101 },
  },
  run,
  figures: [
    {
      id: "corridors-visible-toy",
      paperFigure: "Dherin & Rosca 2024 (corridor definition; our toy)",
      title: "A corridor you can see",
      size: "text",
      caption: (c) =>
        `A smooth 2-D loss with a straight corridor (|y| < ${c.toy.halfWidth}, dotted outline, where H = 0 and E is linear in x) between quadratic walls. ` +
        `(a) Gradient flow (orange; RK4, dt = ${c.flowDt}) and GD (dots; η ∈ {${c.hs.join(", ")}}) from (${c.starts.map((p) => p.join(", ")).join("), (")}); ` +
        `(b) the loss against time t = nη from inside the corridor: GD's iterates lie on the flow's straight line; (c) from a wall: GD and the flow part near the start (the distance is in the companion figure).`,
      build: mapFigure,
    },
    {
      id: "corridors-visible-gap",
      paperFigure: "Dherin & Rosca 2024 (GD = gradient flow in a corridor; our toy)",
      title: "GD equals gradient flow inside a corridor",
      size: "column",
      caption: (c) =>
        `Distance between GD's iterate n and the gradient flow at time nη, η ∈ {${c.hs.join(", ")}}: from inside the corridor (solid) it is rounding (≤ 1e-12; zeros drawn at 1e-17) as long as the iterates are in the corridor (until t ≈ 4, where they reach its end and the bowl), ` +
        `from the two wall starts (dotted) it grows to 1e-2 and more.`,
      build: gapFigure,
    },
  ] satisfies FigureSpec<VisibleConfig>[],
  claims,
});
