/** Plotting: the paper style, panel helpers, inline notebook display and publication export. */
export type { PlotlyFigure, LiveSink } from "./figure";
export * from "./style";
export { gaussianSmooth } from "../linalg/smoothing";
export * from "./panels";
export { show, showLive, liveFigure, setupNotebookDisplay, figureBundle, notebookProgressSink, setNotebookFrontend, type ShowOptions, type FigureHandle, type LiveHandle, type LiveFigure, type DisplaySlot, type TslabLike, type MimeBundle, type NotebookDisplayOptions } from "./show";
export { exportFigure, renderFigure, closeSharedExporter, FigureExporter, findChromium, BrowserNotFoundError, EXPORT_FORMATS, CHROMIUM_FLAGS, type ExportFormat } from "./export";
export { figurePageHtml, figureDivHtml, notebookLoaderHtml, figureAspect, plotlyBundlePath, type StaticImage, type FigureDivOptions } from "./html";
