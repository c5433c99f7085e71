/**
 * The paper style: one font, one size scale, one colour per process (the same process is the same colour in
 * every figure), dashed threshold lines (2/η), thin axes with outside ticks, no background.
 */
import type { Dash, Font, Layout, LayoutAxis } from "plotly.js-dist";

/** The processes the papers compare; each has a fixed colour and line style. */
/** The series every figure colours consistently: the three processes and the central flow's predictions. */
export const STYLED_SERIES = ["discrete", "stable", "central", "prediction"] as const;
export type Process = (typeof STYLED_SERIES)[number];

export const PROCESS_STYLE: Record<Process, { color: string; dash: Dash; width: number }> = {
  /** The optimizer's own iterates (GD, RMSProp, ...). */
  discrete: { color: "#1f5fa8", dash: "solid", width: 1.5 },
  /** The stable flow (gradient flow / its preconditioned version), which leaves the edge of stability. */
  stable: { color: "#d9730d", dash: "solid", width: 1.5 },
  /** The central flow: the time-averaged trajectory. */
  central: { color: "#111111", dash: "solid", width: 2 },
  /** Closed-form or theoretical predictions, drawn over the measured curves. */
  prediction: { color: "#c0262d", dash: "dot", width: 1.5 },
};

/** Stability thresholds such as 2/η. */
export const THRESHOLD_STYLE = { color: "#555555", dash: "dash" as Dash, width: 1 };

/** Widely available sans-serif fonts, in order; DejaVu Sans is what Debian's Chromium finds. */
export const FONT: Partial<Font> = { family: "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif", size: 11, color: "#222222" };
export const TITLE_FONT_SIZE = 12;

/** Size of one panel in CSS pixels (exports scale PNG by ≥ 2). */
export const PANEL_SIZE = { width: 330, height: 250 };

/** Sequential colours for series indexed by a parameter (η, width, ...): viridis from dark to light-ish. */
const VIRIDIS = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"];

export function sequentialColor(i: number, n: number): string {
  if (n <= 1) return VIRIDIS[3];
  // Stop before the last (yellow) entries, which are hard to see on white.
  const t = (i / (n - 1)) * 0.85;
  return VIRIDIS[Math.round(t * (VIRIDIS.length - 1))];
}

/** Axis defaults: thin black line, outside ticks, light grid; `log` for log scale. */
export function axisStyle(opts: { title?: string; log?: boolean; range?: [number, number] } = {}): Partial<LayoutAxis> {
  return {
    title: opts.title ? { text: opts.title, font: { size: FONT.size }, standoff: 6 } : undefined,
    type: opts.log ? "log" : "linear",
    exponentformat: "power",
    range: opts.range,
    showline: true,
    linecolor: "#222222",
    linewidth: 1,
    mirror: false,
    ticks: "outside",
    ticklen: 4,
    tickcolor: "#222222",
    showgrid: true,
    gridcolor: "#ececec",
    zeroline: false,
    automargin: true,
  };
}

/** Layout defaults for a whole figure. */
export function baseLayout(width: number, height: number): Partial<Layout> {
  return {
    width,
    height,
    font: FONT,
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    margin: { l: 60, r: 20, t: 40, b: 50 },
    showlegend: true,
    legend: { font: { size: 10 }, bgcolor: "rgba(255,255,255,0.8)", borderwidth: 0, orientation: "h", x: 0, y: -0.18, yanchor: "top" },
    hovermode: "closest",
  };
}
