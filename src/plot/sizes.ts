/**
 * Physical figure sizes. A figure is laid out at its final size with 96 layout px per inch (CSS px), so
 * 1 px = 0.75 pt: fonts and lines are chosen in px so that at the final size tick labels are ≥ 7 pt
 * (10 px = 7.5 pt), axis titles ≥ 8 pt (11 px = 8.25 pt) and lines ≥ 0.75 pt (1 px).
 */
export const FIGURE_SIZES = ["column", "text", "slide"] as const;
export type FigureSize = (typeof FIGURE_SIZES)[number];

export const PX_PER_INCH = 96;
export const PT_PER_PX = 72 / PX_PER_INCH;

export interface SizePreset {
  /** Final width in inches: one journal column, the full text width, a 16:9 slide. */
  widthIn: number;
  /** Fixed height in inches (slides), else computed from the panel rows. */
  heightIn?: number;
  /** Height of one panel row in inches (plot area plus its axis labels). */
  rowIn: number;
  /** Font sizes in layout px. */
  font: { tick: number; axisTitle: number; panelTitle: number; legend: number; annotation: number };
  /** Most panels per row. */
  maxCols: number;
}

export const SIZE_PRESETS: Readonly<Record<FigureSize, SizePreset>> = {
  column: { widthIn: 3.25, rowIn: 2.1, font: { tick: 10, axisTitle: 11, panelTitle: 11, legend: 10, annotation: 10 }, maxCols: 2 },
  text: { widthIn: 6.75, rowIn: 2.3, font: { tick: 10, axisTitle: 11, panelTitle: 11, legend: 10, annotation: 10 }, maxCols: 4 },
  slide: { widthIn: 10, heightIn: 5.625, rowIn: 2.6, font: { tick: 16, axisTitle: 18, panelTitle: 18, legend: 16, annotation: 16 }, maxCols: 4 },
};

/** Minimum sizes at the final size, in pt (what the figure linter checks). */
export const MIN_PT = { text: 7, axisTitle: 8, line: 0.75, script: 5 } as const;

export function isFigureSize(s: unknown): s is FigureSize {
  return typeof s === "string" && (FIGURE_SIZES as readonly string[]).includes(s);
}

/** Width of a size preset in layout px. */
export function sizeWidthPx(size: FigureSize): number {
  return Math.round(SIZE_PRESETS[size].widthIn * PX_PER_INCH);
}
