/**
 * The recurring panels of the papers, and `composeFigure`, which lays panels out on a grid with the paper
 * style. A panel is plain data (traces + its two axes); a figure knows only its tables, so panel helpers take
 * columns (number[]) and never compute anything but smoothing.
 */
import type { Dash, Data, LayoutAxis, Annotation, Shape } from "plotly.js-dist";
import type { PlotlyFigure } from "./figure";
import { gaussianSmooth } from "./smoothing";
import { PANEL_SIZE, PROCESS_STYLE, THRESHOLD_STYLE, TITLE_FONT_SIZE, axisStyle, baseLayout, type Process } from "./style";

export interface Panel {
  title?: string;
  /** Traces without xaxis/yaxis: `composeFigure` assigns the panel's axes. */
  traces: Data[];
  xaxis: Partial<LayoutAxis>;
  yaxis: Partial<LayoutAxis>;
  /** Shapes with xref/yref "x"/"y" (or "x domain"/"y domain"), remapped to the panel's axes. */
  shapes?: Partial<Shape>[];
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
    showlegend: s.showlegend,
    opacity: s.opacity,
  };
}

/**
 * A horizontal threshold such as 2/η: constant (`y` a number) or varying along `x` (`y` an array, e.g. 2/η_t
 * under a schedule). Drawn as a dashed trace so it appears in the legend and survives every export format.
 */
export function thresholdTrace(x: number[], y: number | number[], name = "2/η"): Data {
  const xs = typeof y === "number" ? [Math.min(...x), Math.max(...x)] : x;
  const ys = typeof y === "number" ? [y, y] : y;
  return { type: "scatter", mode: "lines", name, x: xs, y: ys, line: { ...THRESHOLD_STYLE }, legendgroup: name, hoverinfo: "name+y" };
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
}

/** The general case: curves, optional thresholds, log axes. */
export function curvesPanel(o: CurvesPanelOptions): Panel {
  return {
    title: o.title,
    traces: [...o.series.map(seriesTrace), ...(o.thresholds ?? []).map((t) => thresholdTrace(t.x, t.y, t.name))],
    xaxis: axisStyle({ title: o.xTitle ?? "step", log: o.logX }),
    yaxis: axisStyle({ title: o.yTitle, log: o.logY, range: o.yRange }),
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
      { ...s, group, opacity: 0.3, showlegend: false, name: `${s.name} (raw)` },
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
  const common = { x: o.x, y: o.y, z, colorscale: o.colorscale ?? LANDSCAPE_SCALE, showscale: o.showScale ?? false, hoverinfo: "x+y+z" as const, showlegend: false };
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
    layout[xkey as "xaxis"] = { ...p.xaxis, domain: [x0, x1], anchor: yid as "y" };
    layout[ykey as "yaxis"] = { ...p.yaxis, domain: [y0, y1], anchor: xid as "x" };
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
