/** A figure as data: what the lab's experiments return, `show` draws inline and `exportFigure` writes. */
import type { Config, Data, Layout } from "plotly.js-dist";

/** A plotly figure as JSON: what `show` draws inline and `exportFigure` writes to SVG/PDF/PNG. */
export interface PlotlyFigure {
  data: Data[];
  layout: Partial<Layout>;
  config?: Partial<Config>;
}

/** Receives the figure redrawn from partial results during a run, and the final figure once (`final`). */
export type LiveSink = (figure: PlotlyFigure, final: boolean) => void;
