/**
 * Inline figures in Jupyter (classic, JupyterLab) and VS Code through the tslab kernel, without internet:
 * plotly.js is embedded once per kernel (`setupNotebookDisplay`, or the first `show`), and every figure is one
 * output holding a MIME bundle: text/html with the interactive plot (a responsive div, drawn when plotly.js is
 * ready, with a static image inside it until then) and image/png, the same figure drawn by the shared headless
 * Chromium (src/plot/export.ts). Where scripts do not run (an untrusted notebook, GitHub, nbviewer) the image
 * shows; a trusted notebook shows the interactive plot. A displayed figure can be redrawn in place, which is how
 * long runs update a live plot (intermediate frames are interactive only); progress bars become live lines.
 */
import type { PlotlyFigure } from "./figure";
import type { LiveSink } from "./figure";
import { formatProgress, setProgressSink, type ProgressSink } from "../progress";
import { figureAspect, figureDivHtml, notebookLoaderHtml, type StaticImage } from "./html";
import { renderFigure } from "./export";

/** MIME type → content (base64 for binary types), as in a Jupyter display_data message. */
export type MimeBundle = Record<string, string>;

/** One output area of the notebook; updating it replaces its content. */
export interface DisplaySlot {
  html(s: string): void;
  text(s: string): void;
  /** Several representations of one output at once (the frontend picks the richest it may show). */
  bundle?(data: MimeBundle, metadata?: Record<string, unknown>): void;
}

/** The part of the `tslab` module used here: `import * as tslab from "tslab"` satisfies it. */
export interface TslabLike {
  display: DisplaySlot;
  newDisplay(): DisplaySlot;
}

/** tslab's lowest-level output call (tslab/dist/jupyter): one display_data or update_display_data message. */
interface TslabJupyter {
  lastWriteDisplayData: ((content: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) => void) | null;
}

let frontend: TslabLike | null = null;
let loaderShown = false;
let staticImages = true;
let staticFailure: string | null = null;

/**
 * tslab sends every output through a zeromq socket, which completes at most 512 sends between two turns of the
 * event loop: the next one waits for the loop, and any send after that throws EBUSY ("Socket is busy
 * writing"), which kills the kernel. Long runs are synchronous between their awaits, so intermediate frames
 * (progress lines, live redraws) get a budget per turn of the event loop and are dropped beyond it; final
 * frames are always sent. The budget leaves room for the user's own console output.
 */
export const FRAMES_PER_TURN = 32;
let sentThisTurn = 0;
let turnPending = false;

/** Sends one output unless it is an intermediate frame over this turn's budget; true when sent. */
function send(output: () => void, final: boolean): boolean {
  if (!turnPending) {
    turnPending = true;
    setImmediate(() => {
      sentThisTurn = 0;
      turnPending = false;
    });
  }
  if (!final && sentThisTurn >= FRAMES_PER_TURN) return false;
  sentThisTurn++;
  output();
  return true;
}

/**
 * tslab's public display API sends one MIME type per message (`display.html(s)` is `raw("text/html", s)`);
 * a bundle goes through the function it calls, `lastWriteDisplayData` of tslab/dist/jupyter (the current
 * cell's iopub writer), with a display id of our own so later updates replace the same output.
 */
function bundleSlot(jupyter: TslabJupyter, id: string | undefined): DisplaySlot {
  let shown = false;
  const write = (data: MimeBundle, metadata: Record<string, unknown> = {}): void => {
    if (!jupyter.lastWriteDisplayData) throw new Error("Not ready");
    const update = shown && id !== undefined;
    if (id !== undefined) shown = true;
    jupyter.lastWriteDisplayData({ data, metadata, transient: id === undefined ? {} : { display_id: id } }, update);
  };
  return { html: (s) => write({ "text/html": s }), text: (s) => write({ "text/plain": s }), bundle: write };
}

function tslab(): TslabLike {
  if (frontend) return frontend;
  try {
    /* eslint-disable @typescript-eslint/no-require-imports -- only inside a tslab kernel */
    const jupyter = require("tslab/dist/jupyter") as TslabJupyter;
    /* eslint-enable @typescript-eslint/no-require-imports */
    let n = 0;
    const prefix = `flowlab-${process.pid}-${Date.now().toString(36)}`;
    frontend = { display: bundleSlot(jupyter, undefined), newDisplay: () => bundleSlot(jupyter, `${prefix}-${n++}`) };
  } catch {
    throw new Error("show() needs the tslab kernel (npm install tslab; npx flowlab kernel)");
  }
  return frontend;
}

export interface NotebookDisplayOptions {
  /** The kernel's tslab module, if it is not this project's copy (then outputs are single-MIME). */
  tslab?: TslabLike;
  /** Progress bars as live lines (default true). */
  progress?: boolean;
  /** Add a static PNG to every final figure (default true; needs Chromium, else figures stay interactive-only). */
  staticImages?: boolean;
}

/**
 * Embeds plotly.js (once per kernel, ≈2.6 MB in the notebook) with a note that shows only where scripts do not
 * run (how to get interactive figures), and turns progress bars into live lines.
 */
export function setupNotebookDisplay(opts: NotebookDisplayOptions = {}): void {
  if (opts.tslab) frontend = opts.tslab;
  if (opts.staticImages !== undefined) staticImages = opts.staticImages;
  try {
    tslab().display.html(notebookLoaderHtml());
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(`notebookSetup: cannot display (${why}); run it inside a tslab kernel, or pass { tslab } from \`import * as tslab from "tslab"\``);
  }
  loaderShown = true;
  if (opts.progress ?? true) setProgressSink(notebookProgressSink());
}

/** A figure on screen that can be redrawn. */
export interface FigureHandle {
  /**
   * Redraws this output with a new figure. An intermediate frame (`final` false) may be dropped when the
   * kernel's socket is saturated and is interactive only; a final one is always drawn, and the promise
   * resolves once its static image is in the output too. Default: final.
   */
  update(fig: PlotlyFigure, final?: boolean, opts?: ShowOptions): Promise<void>;
}

/**
 * Pixel scale of the static images: 1 keeps a figure's image near 100–150 kB (it is stored twice, in the
 * HTML and as image/png); 2 would be sharper on high-DPI screens at 3–4× the size.
 */
const STATIC_SCALE = 1;

/** Renders the static fallback of `fig`, or null (and one notice per kernel) when it cannot. */
async function staticImageOf(fig: PlotlyFigure): Promise<StaticImage | null> {
  if (!staticImages || staticFailure !== null) return null;
  try {
    const png = await renderFigure(fig, "png", STATIC_SCALE);
    return { mime: "image/png", base64: png.toString("base64") };
  } catch (e) {
    staticFailure = e instanceof Error ? e.message.split("\n")[0] : String(e);
    console.error(`flowlab: figures are interactive only, without a static image for untrusted notebooks and GitHub (${staticFailure})`);
    return null;
  }
}

/** A figure's text/plain representation: its title, and its caption below. */
function plainText(fig: PlotlyFigure, caption?: string): string {
  const t = fig.layout.title;
  const title = typeof t === "string" ? t : typeof t === "object" && t?.text ? t.text : "";
  return (title ? `<Figure: ${title.replace(/<[^>]*>/g, "")}>` : "<Figure>") + (caption ? `\n${caption}` : "");
}

/** How a figure is shown. */
export interface ShowOptions {
  /** Plain text below the figure (an experiment figure's caption). */
  caption?: string;
}

/** The MIME bundle of a final figure: interactive HTML over the static image, the image, a text line. */
export function figureBundle(fig: PlotlyFigure, image: StaticImage | null, opts: ShowOptions = {}): { data: MimeBundle; metadata: Record<string, unknown> } {
  const data: MimeBundle = { "text/html": figureDivHtml(fig, { staticImage: image ?? undefined, caption: opts.caption }), "text/plain": plainText(fig, opts.caption) };
  const metadata: Record<string, unknown> = {};
  if (image) {
    data[image.mime] = image.base64;
    const { width, height } = figureAspect(fig);
    metadata[image.mime] = { width: Math.round(width), height: Math.round(height) };
  }
  return { data, metadata };
}

/** Displays a figure below the cell; resolves once its static image is in the output (await it in a cell). */
export function show(fig: PlotlyFigure, opts: ShowOptions = {}): Promise<void> {
  return showLive(fig, true, opts).settled();
}

/** A displayed figure: `update` redraws it; `settled` resolves when its last final frame is fully shown. */
export interface LiveHandle extends FigureHandle {
  settled(): Promise<void>;
}

/** Like `show`, returning a handle to redraw the same output (e.g. from a training loop). */
export function showLive(fig: PlotlyFigure, final = true, opts: ShowOptions = {}): LiveHandle {
  if (!loaderShown) setupNotebookDisplay({ progress: false });
  const slot = tslab().newDisplay();
  let version = 0;
  let pending: Promise<void> = Promise.resolve();
  const draw = (f: PlotlyFigure, isFinal: boolean, o: ShowOptions): Promise<void> => {
    const mine = ++version;
    const sent = send(() => slot.html(figureDivHtml(f, { caption: o.caption })), isFinal);
    if (!sent || !isFinal || !staticImages || staticFailure !== null) return pending;
    const done = staticImageOf(f).then((image) => {
      // A newer frame replaced this one while the image was drawn: keep the newer one.
      if (image === null || mine !== version) return;
      const { data, metadata } = figureBundle(f, image, o);
      if (slot.bundle) slot.bundle(data, metadata);
      else slot.html(data["text/html"]);
    });
    pending = Promise.all([pending, done]).then(() => undefined);
    return done;
  };
  void draw(fig, final, opts);
  return { update: (f, isFinal = true, o = {}) => draw(f, isFinal, o), settled: () => pending };
}

/** A live figure sink whose final frames can be awaited. */
export interface LiveFigure extends LiveSink {
  /** Resolves when the last final frame's static image is in the output. */
  settled(): Promise<void>;
  /** Draws the final figure (with a caption) in this output, or in a new one if no frame came; resolves when complete. */
  finish(fig: PlotlyFigure, opts?: ShowOptions): Promise<void>;
}

/**
 * A live figure for `runExperiment(..., { live: liveFigure() })`: the first frame opens an output, later
 * frames redraw it, the final figure stays (with its static image: `await live.settled()`).
 */
export function liveFigure(): LiveFigure {
  let handle: LiveHandle | null = null;
  const sink = (fig: PlotlyFigure, final: boolean): void => {
    if (handle) void handle.update(fig, final);
    else handle = showLive(fig, final);
  };
  const finish = (fig: PlotlyFigure, opts: ShowOptions = {}): Promise<void> => {
    if (handle) return handle.update(fig, true, opts);
    handle = showLive(fig, true, opts);
    return handle.settled();
  };
  return Object.assign(sink, { settled: () => handle?.settled() ?? Promise.resolve(), finish });
}

/** Progress bars as live text lines: one output per bar, updated in place, left showing the final state. */
export function notebookProgressSink(): ProgressSink {
  const slots = new Map<string, DisplaySlot>();
  return (e) => {
    let slot = slots.get(e.label);
    if (!slot) {
      slot = tslab().newDisplay();
      slots.set(e.label, slot);
    }
    const line = formatProgress(e);
    const target = slot;
    send(() => target.text(line), e.finished);
    if (e.finished) slots.delete(e.label);
  };
}

/**
 * For tests and other frontends: replaces the tslab module (null restores it) and forgets the loader. Static
 * images are off for a replacement frontend unless asked for, and back on when tslab is restored.
 */
export function setNotebookFrontend(f: TslabLike | null, opts: { staticImages?: boolean } = {}): void {
  frontend = f;
  loaderShown = false;
  staticImages = opts.staticImages ?? f === null;
  staticFailure = null;
}
