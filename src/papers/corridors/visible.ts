/**
 * Figure 1, a corridor you can see (Dherin & Rosca, 2024, §2): on the toy of corridor-toy.ts, gradient flow
 * (RK4) and GD at several step sizes from a start inside the corridor and from starts on the walls.
 * Inside, both run down the same straight line at the same speed, so GD's iterate n sits exactly on the flow
 * at t = n·h and the loss falls linearly in t; on the walls the flow curves and GD cuts corners.
 */
import type { Shape } from "plotly.js-dist";
import { claim } from "../../lab/claims";
import { composeFigure, contourPanel, curvesPanel, distancePanel, gridFromColumns, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
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
  return { type: "rect", xref: "x", yref: "y", x0: 0, x1: c.bounds[1], y0: -om, y1: om, line: { color: "#c0262d", width: 1.5, dash: "dot" } };
}

function figure(tables: Tables, c: VisibleConfig) {
  const { landscape, flow, gd } = tables;
  const hColor = (i: number): string => sequentialColor(i, c.hs.length + 1);
  const panels: Panel[] = [];
  const trajectories: Series[] = [];
  c.starts.forEach((_, s) => {
    const f = where(flow, { start: s });
    trajectories.push({ name: "gradient flow", x: f.x, y: f.y, process: "stable", mode: "lines", group: "gradient flow", width: 2.5 });
    c.hs.forEach((h, i) => {
      const run = where(gd, { start: s, h });
      trajectories.push({ name: `GD, h = ${h}`, x: run.x, y: run.y, color: hColor(i), mode: "lines+markers", group: `GD, h = ${h}` });
    });
  });
  const map = contourPanel({ title: "(a) E(x, y); corridor dotted", ...gridFromColumns(landscape.x, landscape.y, landscape.loss), trajectories, xTitle: "x", yTitle: "y" });
  map.shapes = [corridorOutline(c)];
  panels.push(map);
  c.starts.forEach((start, s) => {
    const f = where(flow, { start: s });
    const series: Series[] = [{ name: "gradient flow", x: f.t, y: f.loss, process: "stable", group: "gradient flow", width: 2.5 }];
    c.hs.forEach((h, i) => {
      const run = where(gd, { start: s, h });
      series.push({ name: `GD, h = ${h}`, x: run.t, y: run.loss, color: hColor(i), mode: "markers", group: `GD, h = ${h}` });
    });
    const where0 = s === 0 ? "inside the corridor" : "on a wall";
    panels.push(curvesPanel({ title: `(${String.fromCharCode(98 + s)}) E against t = n·h, start (${start.join(", ")}) ${where0}`, xTitle: "time t", yTitle: "loss", series }));
  });
  const gaps: Series[] = [];
  c.starts.forEach((_, s) =>
    c.hs.forEach((h, i) => {
      const run = where(gd, { start: s, h });
      const keep = run.gap.map((g) => Math.max(g, 1e-17)); // exact zeros on a log axis
      gaps.push({ name: `GD, h = ${h}`, x: run.t, y: keep, color: hColor(i), dash: s === 0 ? "solid" : "dot", group: `GD, h = ${h}`, showlegend: false });
    }),
  );
  panels.push(distancePanel({ title: `(${String.fromCharCode(98 + c.starts.length)}) ‖θ_n − φ(n·h)‖ (solid: inside start)`, xTitle: "time t", yTitle: "GD − flow", series: gaps }));
  return composeFigure(panels, { cols: 3, title: "A corridor you can see: GD = gradient flow where Hg = 0" });
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
  figures: [{ id: "corridors-visible", paperFigure: "Dherin & Rosca 2024 (corridor definition; our toy)", title: "A corridor you can see: GD and gradient flow inside and outside", caption: () => "", size: "text", build: figure }],
  claims,
});
