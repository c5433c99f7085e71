/**
 * The paper style: one font (Arimo, shipped with the project), one size scale per figure size, one colour per
 * process from the semantic palette (palette.ts), dotted threshold lines (2/η), thin axes with outside ticks,
 * log axes labelled at decades only, no background.
 */
import type { Dash, Font, Layout, LayoutAxis } from "plotly.js-dist";
import { GREY, ROLE, sweepColor, type RoleName } from "./palette";
import { SIZE_PRESETS, type FigureSize } from "./sizes";

/** The series styled by role. "discrete" is the older name of "optimizer" (the optimizer's own iterates). */
export const STYLED_SERIES = ["discrete", "optimizer", "gradientFlow", "stable", "central", "prediction", "threshold", "ablated", "stationary", "context"] as const;
export type Process = (typeof STYLED_SERIES)[number];

/** Style of each process (from `ROLE`; "discrete" = optimizer). */
export const PROCESS_STYLE: Record<Process, { color: string; dash: Dash; width: number }> = Object.fromEntries(
  STYLED_SERIES.map((p) => {
    const r = ROLE[(p === "discrete" ? "optimizer" : p) as RoleName];
    return [p, { color: r.color, dash: r.dash, width: r.width }];
  }),
) as Record<Process, { color: string; dash: Dash; width: number }>;

/** Stability thresholds such as 2/η. */
export const THRESHOLD_STYLE = { color: ROLE.threshold.color, dash: ROLE.threshold.dash, width: ROLE.threshold.width };

/** The figure font: Arimo (metrically compatible with Arial), loaded by @font-face from @fontsource/arimo. */
export const FONT_FAMILY = "Arimo";
export const FONT: Partial<Font> = { family: FONT_FAMILY, size: 10, color: "#222222" };
export const TITLE_FONT_SIZE = 11;

/** Size of one panel in CSS pixels, for figures composed without a size preset (legacy layouts). */
export const PANEL_SIZE = { width: 330, height: 250 };

/** Sequential colours for series indexed by a parameter (η, width, ...): the palette's sweep scale. */
export function sequentialColor(i: number, n: number): string {
  return sweepColor(Math.max(0, Math.min(n - 1, i)), Math.max(1, n));
}

export interface AxisOptions {
  title?: string;
  log?: boolean;
  range?: [number, number];
  /** Font sizes in px (default: the text-width preset's). */
  size?: FigureSize;
}

/** Axis defaults: thin black line, outside ticks, light grid; `log` for log scale with decade labels only. */
export function axisStyle(opts: AxisOptions = {}): Partial<LayoutAxis> {
  const f = SIZE_PRESETS[opts.size ?? "text"].font;
  return {
    title: opts.title ? { text: opts.title, font: { size: f.axisTitle }, standoff: 4 } : undefined,
    type: opts.log ? "log" : "linear",
    exponentformat: "power",
    // Log axes: one tick per decade (composeFigure widens dtick for long ranges); never minor digits.
    dtick: opts.log ? 1 : undefined,
    range: opts.range,
    tickfont: { size: f.tick },
    showline: true,
    linecolor: "#222222",
    linewidth: 1,
    mirror: false,
    ticks: "outside",
    ticklen: 3,
    tickwidth: 1,
    tickcolor: "#222222",
    showgrid: true,
    gridcolor: GREY.grid,
    gridwidth: 1,
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
