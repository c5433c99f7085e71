/**
 * The recurring panels of the papers, and `composeFigure`, which lays panels out on a grid with the paper
 * style. A panel is plain data (traces + its two axes); a figure knows only its tables, so panel helpers take
 * columns (number[]) and never compute anything but smoothing.
 */
import type { Dash, Data, LayoutAxis, Annotation, Shape, Layout } from "plotly.js-dist";
import type { PlotlyFigure } from "./figure";
import { gaussianSmooth } from "../linalg/smoothing";
import { PANEL_SIZE, PROCESS_STYLE, THRESHOLD_STYLE, TITLE_FONT_SIZE, FONT, axisStyle, baseLayout, type Process } from "./style";
import { PX_PER_INCH, SIZE_PRESETS, sizeWidthPx, type FigureSize } from "./sizes";

/** Where a panel's own legend sits: inside a corner of its plot area, or nowhere. */
export type LegendPlacement = "top right" | "top left" | "bottom right" | "bottom left" | "none";

/**
 * What a trace is, carried in plotly's free `meta` field: `role` orders drawing (context, thresholds and
 * predictions under measured curves) and lets axis ranges follow the measured data; `unlabeled` marks a trace
 * deliberately left out of the legend (raw traces under their smoothed version, landscapes), which the figure
 * linter accepts.
 */
export interface TraceMeta {
  role?: Process;
  unlabeled?: boolean;
  /** The trace is named by a text label at its end instead of a legend entry. */
  directLabel?: boolean;
}

export interface Panel {
  title?: string;
  /** Traces without xaxis/yaxis: `composeFigure` assigns the panel's axes. */
  traces: Data[];
  xaxis: Partial<LayoutAxis>;
  yaxis: Partial<LayoutAxis>;
  /** Shapes with xref/yref "x"/"y" (or "x domain"/"y domain"), remapped to the panel's axes. */
  shapes?: Partial<Shape>[];
  /** Annotations (e.g. direct labels) with xref/yref "x"/"y" or "x domain"/"y domain", remapped likewise. */
  annotations?: Partial<Annotation>[];
  /** The panel's legend, inside the plot area (sized figures; default: the corner hiding the least data). */
  legend?: LegendPlacement;
}

/** One curve. Colour and dash come from `process` unless given. */
export interface Series {
  name: string;
  x: number[];
  y: number[];
  process?: Process;
  color?: string;
  dash?: Dash;
  width?: number;
  /** Draw markers instead of (or with) lines. */
  mode?: "lines" | "markers" | "lines+markers";
  /** Series sharing a group toggle together and show one legend entry. */
  group?: string;
  showlegend?: boolean;
  opacity?: number;
  /** Deliberately without a legend entry (context traces); the linter accepts it. */
  unlabeled?: boolean;
  /** Named by a text label drawn beside it (endLabel or an annotation) instead of a legend entry. */
  directLabel?: boolean;
}

/** A styled scatter trace for one series. */
export function seriesTrace(s: Series): Data {
  const style = s.process ? PROCESS_STYLE[s.process] : { color: "#1f5fa8", dash: "solid" as Dash, width: 1.5 };
  const color = s.color ?? style.color;
  return {
    type: "scatter",
    mode: s.mode ?? "lines",
    name: s.name,
    x: s.x,
    y: s.y,
    line: { color, dash: s.dash ?? style.dash, width: s.width ?? style.width },
    marker: { color, size: 5 },
    legendgroup: s.group ?? s.name,
    showlegend: s.unlabeled || s.directLabel ? false : s.showlegend,
    opacity: s.opacity,
    meta: { role: s.process, unlabeled: s.unlabeled || undefined, directLabel: s.directLabel || undefined } satisfies TraceMeta,
  } as Data;
}

/**
 * A horizontal threshold such as 2/η: constant (`y` a number) or varying along `x` (`y` an array, e.g. 2/η_t
 * under a schedule). Drawn as a dashed trace so it appears in the legend and survives every export format.
 */
export function thresholdTrace(x: number[], y: number | number[], name = "2/η"): Data {
  const xs = typeof y === "number" ? [Math.min(...x), Math.max(...x)] : x;
  const ys = typeof y === "number" ? [y, y] : y;
  return { type: "scatter", mode: "lines", name, x: xs, y: ys, line: { ...THRESHOLD_STYLE }, legendgroup: name, hoverinfo: "name+y", meta: { role: "threshold" } satisfies TraceMeta } as Data;
}

/** A vertical dashed line across the whole panel at x (e.g. the stability edge ηλ = 2). */
export function verticalLine(x: number): Partial<Shape> {
  return { type: "line", xref: "x", yref: "y domain", x0: x, x1: x, y0: 0, y1: 1, line: { color: THRESHOLD_STYLE.color, dash: THRESHOLD_STYLE.dash, width: THRESHOLD_STYLE.width } };
}

export interface CurvesPanelOptions {
  title?: string;
  series: Series[];
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  /** Horizontal thresholds; `y` constant or one value per point of `x`. */
  thresholds?: { x: number[]; y: number | number[]; name?: string }[];
  yRange?: [number, number];
  /** Where the panel's legend sits in sized figures (default: the corner hiding the least data). */
  legend?: LegendPlacement;
  /** Text labels (e.g. `endLabel`) in data coordinates. */
  annotations?: Partial<Annotation>[];
  xRange?: [number, number];
}

/** The general case: curves, optional thresholds, log axes. */
export function curvesPanel(o: CurvesPanelOptions): Panel {
  return {
    title: o.title,
    traces: [...o.series.map(seriesTrace), ...(o.thresholds ?? []).map((t) => thresholdTrace(t.x, t.y, t.name))],
    xaxis: axisStyle({ title: o.xTitle ?? "step", log: o.logX, range: o.xRange }),
    yaxis: axisStyle({ title: o.yTitle, log: o.logY, range: o.yRange }),
    legend: o.legend,
    annotations: o.annotations,
  };
}

/**
 * Loss curves: each series raw (faint) with its Gaussian-smoothed version (solid) on top, log y by default.
 * `smoothSigma` is in points; 0 draws the raw curves only.
 */
export function lossPanel(o: Omit<CurvesPanelOptions, "thresholds"> & { smoothSigma?: number }): Panel {
  const sigma = o.smoothSigma ?? 0;
  const logY = o.logY ?? true;
  const series = o.series.flatMap((s): Series[] => {
    if (sigma <= 0) return [s];
    const group = s.group ?? s.name;
    return [
      { ...s, group, opacity: 0.3, showlegend: false, unlabeled: true, process: s.process === "prediction" ? "prediction" : "context", color: s.color ?? PROCESS_STYLE[s.process ?? "optimizer"].color, dash: s.dash ?? PROCESS_STYLE[s.process ?? "optimizer"].dash, width: 1, name: `${s.name} (raw)` },
      { ...s, group, y: gaussianSmooth(s.y, sigma, { log: logY }) },
    ];
  });
  return curvesPanel({ ...o, series, logY, yTitle: o.yTitle ?? "loss" });
}

/** Eigenvalue traces (sharpness, top-k Hessian eigenvalues) with their stability thresholds (2/η). */
export function eigenvaluePanel(o: CurvesPanelOptions): Panel {
  return curvesPanel({ ...o, yTitle: o.yTitle ?? "eigenvalue" });
}

/** Distances between processes (‖w_discrete − w_central‖ ...), log y by default. */
export function distancePanel(o: CurvesPanelOptions): Panel {
  return curvesPanel({ ...o, logY: o.logY ?? true, yTitle: o.yTitle ?? "distance" });
}

export interface ContourPanelOptions {
  title?: string;
  /** Grid: z[j][i] is the value at (x[i], y[j]). */
  x: number[];
  y: number[];
  z: number[][];
  /** Contour log10(z) (z > 0), for losses spanning decades. */
  logZ?: boolean;
  /** "contour" (default) or "heatmap". */
  kind?: "contour" | "heatmap";
  /** A plotly colorscale name ("Viridis") or stops; default a light blue ramp that trajectories stand out on. */
  colorscale?: string | [number, string][];
  showScale?: boolean;
  /** Trajectories over the landscape; each series' x/y are coordinates in the plane. */
  trajectories?: Series[];
  xTitle?: string;
  yTitle?: string;
}

/** A grid stored long-form in a table (one row per point) back as axes and z[j][i] for `contourPanel`. */
export function gridFromColumns(x: number[], y: number[], z: number[]): { x: number[]; y: number[]; z: number[][] } {
  if (x.length !== y.length || x.length !== z.length) throw new Error(`gridFromColumns: x, y, z must have equal lengths, got ${x.length}, ${y.length}, ${z.length}`);
  const xs = [...new Set(x)].sort((a, b) => a - b);
  const ys = [...new Set(y)].sort((a, b) => a - b);
  const xi = new Map(xs.map((v, i) => [v, i]));
  const yi = new Map(ys.map((v, j) => [v, j]));
  const grid = ys.map(() => new Array<number>(xs.length).fill(NaN));
  for (let k = 0; k < z.length; k++) grid[yi.get(y[k]) as number][xi.get(x[k]) as number] = z[k];
  return { x: xs, y: ys, z: grid };
}

const LANDSCAPE_SCALE: [number, string][] = [
  [0, "#fbfdff"],
  [1, "#8fb4d6"],
];

/** A heat map or filled contour of a 2-D function, with trajectories drawn over it. */
export function contourPanel(o: ContourPanelOptions): Panel {
  const z = o.logZ ? o.z.map((row) => row.map((v) => (v > 0 ? Math.log10(v) : NaN))) : o.z;
  const common = { x: o.x, y: o.y, z, colorscale: o.colorscale ?? LANDSCAPE_SCALE, showscale: o.showScale ?? false, hoverinfo: "x+y+z" as const, showlegend: false, meta: { unlabeled: true } };
  const field: Data =
    o.kind === "heatmap"
      ? { type: "heatmap", ...common }
      : { type: "contour", ...common, ncontours: 20, contours: { coloring: "fill", showlines: true }, line: { width: 0.5, color: "rgba(255,255,255,0.5)" } };
  const trajectories = (o.trajectories ?? []).map((s) => seriesTrace({ ...s, mode: s.mode ?? "lines+markers" }));
  const range = (v: number[]): [number, number] => [Math.min(...v), Math.max(...v)];
  return {
    title: o.title,
    traces: [field, ...trajectories],
    xaxis: { ...axisStyle({ title: o.xTitle ?? "x₁" }), range: range(o.x), showgrid: false },
    yaxis: { ...axisStyle({ title: o.yTitle ?? "x₂" }), range: range(o.y), showgrid: false },
  };
}

export interface FigureOptions {
  /**
   * The final physical size (sizes.ts): lays the figure out at that size (96 px per inch) with the preset's
   * fonts, one legend inside each panel, no figure title (the title goes to captions and PDF metadata), and
   * at most 4 panels. Without it, the legacy pixel layout with one shared legend below.
   */
  size?: FigureSize;
  /** Sized figures: total height in inches (default from the preset's row height). */
  heightIn?: number;
  /** Panels per row (default: all in one row, at most 3). */
  cols?: number;
  title?: string;
  panelWidth?: number;
  panelHeight?: number;
  showLegend?: boolean;
}

const GAP = { x: 75, y: 80 };
const MARGIN = { l: 60, r: 20, t: 40, b: 50 };
const LEGEND_HEIGHT = 40;

/** Lays panels out on a grid (independent axes), titles above each, one shared legend below. */
export function composeFigure(panels: Panel[], o: FigureOptions = {}): PlotlyFigure {
  if (panels.length === 0) throw new Error("composeFigure: panels must not be empty");
  if (o.size) return composeSized(panels, o.size, o);
  const cols = Math.max(1, Math.min(o.cols ?? Math.min(panels.length, 3), panels.length));
  const rows = Math.ceil(panels.length / cols);
  const pw = o.panelWidth ?? PANEL_SIZE.width;
  const ph = o.panelHeight ?? PANEL_SIZE.height;
  const showLegend = o.showLegend ?? true;
  const plotW = cols * pw + (cols - 1) * GAP.x;
  const plotH = rows * ph + (rows - 1) * GAP.y;
  const margin = { ...MARGIN, t: MARGIN.t + (o.title ? 20 : 0), b: MARGIN.b + (showLegend ? LEGEND_HEIGHT : 0) };
  const layout = baseLayout(margin.l + plotW + margin.r, margin.t + plotH + margin.b);
  layout.margin = margin;
  layout.showlegend = showLegend;
  layout.legend = { ...layout.legend, y: -(MARGIN.b - 5) / plotH };
  if (o.title) layout.title = { text: o.title, font: { size: TITLE_FONT_SIZE + 1 }, x: 0.5, xanchor: "center" };
  const annotations: Partial<Annotation>[] = [];
  const shapes: Partial<Shape>[] = [];
  const data: Data[] = [];
  const legendShown = new Set<string>();

  panels.forEach((p, k) => {
    const row = Math.floor(k / cols);
    const col = k % cols;
    const x0 = (col * (pw + GAP.x)) / plotW;
    const x1 = x0 + pw / plotW;
    const y1 = 1 - (row * (ph + GAP.y)) / plotH;
    const y0 = y1 - ph / plotH;
    const xid = k === 0 ? "x" : `x${k + 1}`;
    const yid = k === 0 ? "y" : `y${k + 1}`;
    const xkey = k === 0 ? "xaxis" : (`xaxis${k + 1}` as const);
    const ykey = k === 0 ? "yaxis" : (`yaxis${k + 1}` as const);
    layout[xkey as "xaxis"] = decadeTicks({ ...p.xaxis, domain: [x0, x1], anchor: yid as "y" }, p.traces, "x");
    layout[ykey as "yaxis"] = decadeTicks({ ...p.yaxis, domain: [y0, y1], anchor: xid as "x" }, p.traces, "y");
    for (const trace of p.traces) {
      const t = { ...trace, xaxis: xid, yaxis: yid } as Data & { name?: string; showlegend?: boolean; colorbar?: object; showscale?: boolean };
      if (t.name !== undefined && t.showlegend !== false) {
        t.showlegend = !legendShown.has(t.name);
        legendShown.add(t.name);
      }
      if (t.showscale) t.colorbar = { ...t.colorbar, x: x1 + 0.01, xanchor: "left", y: (y0 + y1) / 2, len: y1 - y0, thickness: 10 };
      data.push(t);
    }
    for (const s of p.shapes ?? []) shapes.push({ ...s, xref: remapRef(s.xref as string | undefined, "x", xid), yref: remapRef(s.yref as string | undefined, "y", yid) } as Partial<Shape>);
    if (p.title) {
      annotations.push({ text: p.title, xref: "paper", yref: "paper", x: (x0 + x1) / 2, y: y1, xanchor: "center", yanchor: "bottom", yshift: 6, showarrow: false, font: { size: TITLE_FONT_SIZE } });
    }
  });
  layout.annotations = annotations;
  layout.shapes = shapes;
  return { data, layout, config: { displaylogo: false, responsive: false } };
}

function remapRef(ref: string | undefined, axis: "x" | "y", id: string): string | undefined {
  if (ref === axis) return id;
  if (ref === `${axis} domain`) return `${id} domain`;
  return ref;
}

const ROLE_LAYER: Partial<Record<Process, number>> = { context: 0, threshold: 1, prediction: 2 };
const layerOf = (t: Data): number => ROLE_LAYER[((t as { meta?: TraceMeta }).meta?.role ?? "optimizer") as Process] ?? 3;

type Corner = Exclude<LegendPlacement, "none">;
const CORNERS: Corner[] = ["top right", "top left", "bottom right", "bottom left"];

/**
 * The legend corner that covers the fewest drawn points: each trace's points (and 8 points along every line
 * segment) are placed in the panel's unit square from the axis ranges, and counted inside a box the size of a
 * legend with these entries. Ties go to the first of top right, top left, bottom right, bottom left.
 */
export function emptiestCorner(traces: Data[], xaxis: Partial<LayoutAxis>, yaxis: Partial<LayoutAxis>, legend: { names: string[]; fontPx: number; widthPx: number; heightPx: number }): Corner {
  const box = {
    w: Math.min(1, (40 + 0.55 * legend.fontPx * Math.max(0, ...legend.names.map((n) => n.length))) / legend.widthPx),
    h: Math.min(1, (legend.names.length * 1.9 * legend.fontPx + 6) / legend.heightPx),
  };
  const ux = axisUnit(traces, xaxis, "x");
  const uy = axisUnit(traces, yaxis, "y");
  const counts = CORNERS.map(() => 0);
  if (!ux || !uy) return CORNERS[0];
  forEachDrawnPoint(traces, ux, uy, (u, v) => {
    if (!(u >= 0 && u <= 1 && v >= 0 && v <= 1)) return;
    CORNERS.forEach((c, i) => {
      const right = c.endsWith("right");
      const top = c.startsWith("top");
      if ((right ? u >= 1 - box.w : u <= box.w) && (top ? v >= 1 - box.h : v <= box.h)) counts[i]++;
    });
  });
  return CORNERS[firstMin(counts)];
}

/** Index of the first smallest count. */
function firstMin(counts: number[]): number {
  let best = 0;
  counts.forEach((c, i) => (c < counts[best] ? (best = i) : undefined));
  return best;
}

/** Maps a data value to its share of the axis (0 at the start, 1 at the end), or null without a range. */
function axisUnit(traces: Data[], axis: Partial<LayoutAxis>, key: "x" | "y"): ((v: number) => number) | null {
  const log = axis.type === "log";
  const r = (axis.range as [number, number] | undefined) ?? dataRange(traces, key, log);
  if (!r || !(r[1] > r[0])) return null;
  return (v) => ((log ? Math.log10(v) : v) - r[0]) / (r[1] - r[0]);
}

/** Calls `at` for every point of the scatter traces, in axis units, with 7 more along each drawn segment. */
function forEachDrawnPoint(traces: Data[], ux: (v: number) => number, uy: (v: number) => number, at: (u: number, v: number) => void): void {
  for (const t of traces as { type?: string; x?: unknown; y?: unknown; mode?: string }[]) {
    if (t.type !== undefined && t.type !== "scatter") continue;
    if (!Array.isArray(t.x) || !Array.isArray(t.y)) continue;
    const xs = (t.x as unknown[]).map((v) => (typeof v === "number" ? ux(v) : NaN));
    const ys = (t.y as unknown[]).map((v) => (typeof v === "number" ? uy(v) : NaN));
    const lines = (t.mode ?? "lines").includes("lines");
    for (let i = 0; i < xs.length; i++) {
      at(xs[i], ys[i]);
      if (lines && i + 1 < xs.length && Number.isFinite(xs[i] + ys[i] + xs[i + 1] + ys[i + 1])) {
        for (let j = 1; j < 8; j++) at(xs[i] + ((xs[i + 1] - xs[i]) * j) / 8, ys[i] + ((ys[i + 1] - ys[i]) * j) / 8);
      }
    }
  }
}

/** Where a threshold's label sits: its right edge at share `at` of the line's x span, above the line ("bottom" anchor) or below ("top"). */
export interface LabelPlace {
  at: number;
  yanchor: "bottom" | "top";
}

/**
 * The place for a threshold's label where the other traces cross its box least: its right end (above, then below
 * the line) first, then further left in tenths of the line. At the edge of stability the sharpness hovers just
 * above 2/η at the right and starts below every threshold at the left, so a crowded label moves below or left.
 */
export function thresholdLabelPlace(traces: Data[], threshold: Data, xaxis: Partial<LayoutAxis>, yaxis: Partial<LayoutAxis>, label: { text: string; fontPx: number; widthPx: number; heightPx: number }): LabelPlace {
  const ux = axisUnit(traces, xaxis, "x");
  const uy = axisUnit(traces, yaxis, "y");
  const tx = (threshold as { x?: number[] }).x ?? [];
  const ty = (threshold as { y?: number[] }).y ?? [];
  // A threshold that varies along x (2/η_t) keeps its label at its right end, at the height it ends on.
  const constant = ty.every((y) => y === ty[0]);
  const places: LabelPlace[] = [];
  for (let k = 10; k >= (constant ? 0 : 10); k--) places.push({ at: k / 10, yanchor: "bottom" }, { at: k / 10, yanchor: "top" });
  if (!ux || !uy || tx.length === 0) return places[0];
  const w = (0.55 * label.fontPx * label.text.length) / label.widthPx;
  const h = (1.3 * label.fontPx) / label.heightPx;
  const [ua, ub] = [ux(tx[0]), ux(tx[tx.length - 1])];
  const v = uy(ty[ty.length - 1]);
  // Right edges from the line's end back to where the label starts at the line's start.
  const right = (p: LabelPlace): number => Math.min(ub, Math.max(ua + w, ua + p.at * (ub - ua)));
  const boxes = places.map((p): [number, number, number, number] => [right(p) - w, right(p), p.yanchor === "bottom" ? v : v - h, p.yanchor === "bottom" ? v + h : v]);
  const crossings = places.map(() => 0);
  const others = traces.filter((t) => t !== threshold && (t as { meta?: TraceMeta }).meta?.role !== "threshold");
  forEachDrawnPoint(others, ux, uy, (u, y) => {
    boxes.forEach(([u0, u1, v0, v1], k) => {
      if (u >= u0 && u <= u1 && y >= v0 && y <= v1) crossings[k]++;
    });
  });
  const best = firstMin(crossings);
  return { at: (right(places[best]) - ua) / (ub - ua || 1), yanchor: places[best].yanchor };
}

/** Finite values of a trace coordinate (numbers only), for ranges. */
function finite(v: unknown, positive: boolean): number[] {
  if (!Array.isArray(v)) return [];
  return (v as unknown[]).filter((x): x is number => typeof x === "number" && Number.isFinite(x) && (!positive || x > 0));
}

/** [lo, hi] of the traces' `key` values, padded 4% (in log10 units on log axes); null without data. */
function dataRange(traces: Data[], key: "x" | "y", log: boolean): [number, number] | null {
  const vals = traces.flatMap((t) => finite((t as Record<string, unknown>)[key], log));
  if (vals.length === 0) return null;
  let lo = Math.min(...vals.map((v) => (log ? Math.log10(v) : v)));
  let hi = Math.max(...vals.map((v) => (log ? Math.log10(v) : v)));
  if (hi === lo) {
    const d = log ? 0.5 : Math.abs(lo) * 0.1 || 1;
    lo -= d;
    hi += d;
  }
  const pad = 0.04 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** Log axes: ticks at decades only, every k-th decade so that at most ~6 labels show. */
function decadeTicks(axis: Partial<LayoutAxis>, traces: Data[], key: "x" | "y"): Partial<LayoutAxis> {
  if (axis.type !== "log" || (axis.dtick !== undefined && axis.dtick !== 1)) return axis;
  const r = (axis.range as [number, number] | undefined) ?? dataRange(traces, key, true);
  const span = r ? r[1] - r[0] : 1;
  return { ...axis, dtick: Math.max(1, Math.ceil(span / 6)) };
}

const DEFAULT_COLS: Record<FigureSize, (n: number) => number> = {
  column: (n) => (n <= 2 ? 1 : 2),
  text: (n) => (n === 4 ? 2 : n),
  slide: (n) => n,
};

/**
 * The sized layout: panels on a grid at the preset's physical width, fonts from the preset, per-panel legends
 * inside the plot area, traces layered (context, thresholds, predictions, then measured curves), axis ranges
 * from the measured traces when predictions would stretch them, log axes labelled at decades.
 */
function composeSized(panels: Panel[], size: FigureSize, o: FigureOptions): PlotlyFigure {
  if (panels.length > 4) throw new Error(`composeFigure: at most 4 panels per figure, got ${panels.length}; split the figure`);
  const preset = SIZE_PRESETS[size];
  const f = preset.font;
  const cols = Math.max(1, Math.min(o.cols ?? DEFAULT_COLS[size](panels.length), panels.length, preset.maxCols));
  const rows = Math.ceil(panels.length / cols);
  const W = sizeWidthPx(size);
  const H = Math.round((o.heightIn ?? preset.heightIn ?? rows * preset.rowIn) * PX_PER_INCH);
  const hasTitles = panels.some((p) => p.title);
  const titleH = hasTitles ? f.panelTitle + 8 : 0;
  // Room for tick labels and axis titles, in px at the final size.
  const margin = { l: 5.4 * f.tick + 8, r: 6, t: 4 + titleH, b: 3.4 * f.tick + 4 };
  const gap = { x: 5.6 * f.tick + 8, y: 3.4 * f.tick + 6 + titleH };
  const plotW = W - margin.l - margin.r;
  const plotH = H - margin.t - margin.b;
  const pw = (plotW - (cols - 1) * gap.x) / cols;
  const ph = (plotH - (rows - 1) * gap.y) / rows;
  if (pw < 60 || ph < 50) throw new Error(`composeFigure: ${panels.length} panels do not fit a ${size} figure (${W}×${H} px); use fewer panels or a larger size`);
  const layout: Partial<Layout> & Record<string, unknown> = {
    width: W,
    height: H,
    font: { ...FONT, size: f.tick },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    margin: { ...margin, autoexpand: false, pad: 0 },
    showlegend: true,
    hovermode: "closest",
  };
  const annotations: Partial<Annotation>[] = [];
  const shapes: Partial<Shape>[] = [];
  const data: Data[] = [];
  panels.forEach((p, k) => {
    const row = Math.floor(k / cols);
    const col = k % cols;
    const x0 = (col * (pw + gap.x)) / plotW;
    const x1 = x0 + pw / plotW;
    const y1 = 1 - (row * (ph + gap.y)) / plotH;
    const y0 = y1 - ph / plotH;
    const xid = k === 0 ? "x" : `x${k + 1}`;
    const yid = k === 0 ? "y" : `y${k + 1}`;
    const legendId = k === 0 ? "legend" : `legend${k + 1}`;
    const resize = (a: Partial<LayoutAxis>): Partial<LayoutAxis> => {
      const title = typeof a.title === "object" && a.title ? { ...a.title, font: { ...a.title.font, size: f.axisTitle } } : a.title;
      return { ...a, title, tickfont: { ...a.tickfont, size: f.tick }, automargin: false };
    };
    const xaxis: Partial<LayoutAxis> = { ...resize(p.xaxis), domain: [x0, x1], anchor: yid as "y" };
    const yaxis: Partial<LayoutAxis> = { ...resize(p.yaxis), domain: [y0, y1], anchor: xid as "x" };
    // Draw order: context, thresholds, predictions, measured (stable within a layer); legend keeps panel order.
    const ordered = p.traces.map((t, i) => ({ t, i })).sort((a, b) => layerOf(a.t) - layerOf(b.t) || a.i - b.i);
    const measured = p.traces.filter((t) => layerOf(t) >= 3 && (t as { type?: string }).type !== "contour" && (t as { type?: string }).type !== "heatmap");
    for (const [axis, key] of [[xaxis, "x"], [yaxis, "y"]] as const) {
      const log = axis.type === "log";
      // Ranges follow the measured curves when other traces (predictions, thresholds) would stretch them.
      if (axis.range === undefined && measured.length > 0 && measured.length < p.traces.length && key === "y") {
        const all = dataRange(p.traces.filter((t) => layerOf(t) >= 1), key, log);
        const meas = dataRange(measured, key, log);
        const thr = dataRange(p.traces.filter((t) => layerOf(t) === 1), key, log);
        if (all && meas) {
          const lo = Math.min(meas[0], thr?.[0] ?? Infinity);
          const hi = Math.max(meas[1], thr?.[1] ?? -Infinity);
          if (lo > all[0] || hi < all[1]) axis.range = [lo, hi];
        }
      }
      Object.assign(axis, decadeTicks(axis, p.traces, key));
    }
    layout[k === 0 ? "xaxis" : `xaxis${k + 1}`] = xaxis;
    layout[k === 0 ? "yaxis" : `yaxis${k + 1}`] = yaxis;
    const shown = new Set<string>();
    let entries = 0;
    const names: string[] = [];
    const key = yaxis.type === "log" ? "log" : "linear";
    for (const { t: trace, i } of ordered) {
      const t = { ...trace, xaxis: xid, yaxis: yid, legend: legendId, legendrank: 100 + i } as Data & { name?: string; showlegend?: boolean; colorbar?: object; showscale?: boolean; legendgroup?: string };
      if (p.legend === "none") {
        t.showlegend = false;
        // Without a legend, a threshold line is named by a label at its right end.
        const tr = t as { meta?: TraceMeta; x?: number[]; y?: number[]; name?: string };
        if (tr.meta?.role === "threshold" && tr.name && Array.isArray(tr.x) && tr.x.length > 0) {
          tr.meta = { ...tr.meta, directLabel: true };
          const last = tr.x.length - 1;
          // Where the curves leave it room (thresholdLabelPlace); on a light backing where no place is free.
          const place = thresholdLabelPlace(p.traces, trace, xaxis, yaxis, { text: tr.name, fontPx: f.annotation, widthPx: pw, heightPx: ph });
          const x = tr.x[0] + place.at * (tr.x[last] - tr.x[0]);
          annotations.push({ text: tr.name, x, y: key === "log" ? Math.log10(tr.y?.[last] ?? 1) : tr.y?.[last], xref: xid as "x", yref: yid as "y", xanchor: "right", yanchor: place.yanchor, showarrow: false, bgcolor: "rgba(255,255,255,0.8)", font: { size: f.annotation, color: THRESHOLD_STYLE.color } });
        }
      }
      else if (t.name !== undefined && t.showlegend !== false) {
        t.showlegend = !shown.has(t.name);
        shown.add(t.name);
        if (t.showlegend) {
          entries++;
          names.push(t.name);
        }
      }
      // Legend groups are per panel, so hiding a name in one panel does not hide it in another.
      if (t.legendgroup !== undefined) t.legendgroup = `${legendId}:${t.legendgroup}`;
      if (t.showscale) t.colorbar = { ...t.colorbar, x: x1 + 0.01, xanchor: "left", y: (y0 + y1) / 2, len: y1 - y0, thickness: 8, tickfont: { size: f.tick } };
      data.push(t);
    }
    if (entries > 0) {
      // Unplaced legends go to the corner that hides the least data.
      const place = p.legend ?? emptiestCorner(p.traces, xaxis, yaxis, { names, fontPx: f.legend, widthPx: pw, heightPx: ph });
      const right = place.endsWith("right");
      const top = place.startsWith("top");
      layout[legendId] = {
        x: right ? x1 - 0.005 : x0 + 0.005,
        xanchor: right ? "right" : "left",
        y: top ? y1 - 0.005 : y0 + 0.005,
        yanchor: top ? "top" : "bottom",
        xref: "paper",
        yref: "paper",
        bgcolor: "rgba(255,255,255,0.85)",
        borderwidth: 0,
        font: { size: f.legend },
        itemwidth: 30,
        tracegroupgap: 0,
        orientation: "v",
        itemclick: false,
        itemdoubleclick: false,
      };
    }
    for (const s of p.shapes ?? []) shapes.push({ ...s, xref: remapRef(s.xref as string | undefined, "x", xid), yref: remapRef(s.yref as string | undefined, "y", yid) } as Partial<Shape>);
    for (const a of p.annotations ?? []) annotations.push({ font: { size: f.annotation }, showarrow: false, ...a, xref: remapRef(a.xref as string | undefined, "x", xid), yref: remapRef(a.yref as string | undefined, "y", yid) } as Partial<Annotation>);
    if (p.title) {
      annotations.push({ text: p.title, xref: "paper", yref: "paper", x: x0, y: y1, xanchor: "left", yanchor: "bottom", yshift: 3, showarrow: false, font: { size: f.panelTitle } });
    }
  });
  layout.annotations = annotations;
  layout.shapes = shapes;
  return { data, layout, config: { displaylogo: false, responsive: false } };
}

/** A text label at the end of a series (instead of a legend entry), in the series' colour. */
/**
 * Moves end labels apart vertically so that none is closer than `minGap` (in y-axis units: decades on a log
 * axis) to the next, keeping their mean height: labels of curves that end together stay readable.
 */
export function spreadLabels<A extends Partial<Annotation>>(labels: A[], minGap: number): A[] {
  const order = labels.map((a, i) => ({ i, y: Number(a.y) })).sort((p, q) => p.y - q.y);
  const ys = order.map((o) => o.y);
  for (let pass = 0; pass < labels.length; pass++) {
    for (let j = 1; j < ys.length; j++) {
      const overlap = minGap - (ys[j] - ys[j - 1]);
      if (overlap > 0) {
        ys[j - 1] -= overlap / 2;
        ys[j] += overlap / 2;
      }
    }
  }
  const out = labels.slice();
  order.forEach((o, j) => (out[o.i] = { ...labels[o.i], y: ys[j] }));
  return out;
}

export function endLabel(s: { name: string; x: number[]; y: number[]; color?: string; process?: Process }, opts: { xshift?: number; yshift?: number; xanchor?: "left" | "right" } = {}): Partial<Annotation> {
  let i = s.x.length - 1;
  while (i > 0 && !(Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]))) i--;
  const color = s.color ?? PROCESS_STYLE[s.process ?? "optimizer"].color;
  return { text: s.name, x: s.x[i], y: s.y[i], xref: "x", yref: "y", xanchor: opts.xanchor ?? "right", yanchor: "bottom", xshift: opts.xshift ?? 0, yshift: opts.yshift ?? 2, showarrow: false, font: { color } };
}
