/** Plotting: the paper style, panel helpers, inline notebook display and publication export. */
export type { PlotlyFigure, LiveSink } from "./figure";
export * from "./style";
export * from "./smoothing";
export * from "./panels";
export { show, showLive, liveFigure, notebookSetup, notebookProgressSink, setNotebookFrontend, type FigureHandle, type DisplaySlot, type TslabLike } from "./show";
export { exportFigure, closeSharedExporter, FigureExporter, findChromium, BrowserNotFoundError, EXPORT_FORMATS, CHROMIUM_FLAGS, type ExportFormat } from "./export";
export { figurePageHtml, figureDivHtml, plotlyBundlePath } from "./html";
