/**
 * Inline figures in Jupyter (classic, JupyterLab) and VS Code through the tslab kernel, without internet:
 * plotly.js is embedded once per kernel (`notebookSetup`, or the first `show`), and every figure is an HTML
 * output that draws itself when plotly.js is ready. A displayed figure can be redrawn in place, which is how
 * long runs update a live plot; progress bars become one live text line each.
 */
import type { PlotlyFigure } from "./figure";
import type { LiveSink } from "./figure";
import { formatProgress, setProgressSink, type ProgressSink } from "../progress";
import { figureDivHtml, plotlyLoaderHtml } from "./html";

/** One output area of the notebook; updating it replaces its content. */
export interface DisplaySlot {
  html(s: string): void;
  text(s: string): void;
}

/** The part of the `tslab` module used here: `import * as tslab from "tslab"` satisfies it. */
export interface TslabLike {
  display: DisplaySlot;
  newDisplay(): DisplaySlot;
}

let frontend: TslabLike | null = null;
let loaderShown = false;

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

function tslab(): TslabLike {
  if (frontend) return frontend;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only inside a tslab kernel
    frontend = require("tslab") as TslabLike;
  } catch {
    throw new Error("show() needs the tslab kernel (npm install tslab; npx flowlab kernel)");
  }
  return frontend;
}

/**
 * Call in a notebook's first cell: embeds plotly.js (once per kernel, ≈2.6 MB in the notebook) and turns
 * progress bars into live lines. Pass the kernel's tslab module if it is not this project's copy.
 */
export function notebookSetup(opts: { tslab?: TslabLike; progress?: boolean } = {}): void {
  if (opts.tslab) frontend = opts.tslab;
  try {
    tslab().display.html(plotlyLoaderHtml());
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
   * kernel's socket is saturated; a final one is always drawn. Default: final.
   */
  update(fig: PlotlyFigure, final?: boolean): void;
}

/** Displays an interactive figure below the cell. */
export function show(fig: PlotlyFigure): void {
  showLive(fig);
}

/** Like `show`, returning a handle to redraw the same output (e.g. from a training loop). */
export function showLive(fig: PlotlyFigure): FigureHandle {
  if (!loaderShown) notebookSetup({ progress: false });
  const slot = tslab().newDisplay();
  send(() => slot.html(figureDivHtml(fig)), true);
  return { update: (f, final = true) => void send(() => slot.html(figureDivHtml(f)), final) };
}

/**
 * A live figure for `runExperiment(..., { live: liveFigure() })`: the first frame opens an output, later
 * frames redraw it, the final figure stays.
 */
export function liveFigure(): LiveSink {
  let handle: FigureHandle | null = null;
  return (fig, final) => {
    if (handle) handle.update(fig, final);
    else handle = showLive(fig);
  };
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

/** For tests and other frontends: replaces the tslab module (null restores it) and forgets the loader. */
export function setNotebookFrontend(f: TslabLike | null): void {
  frontend = f;
  loaderShown = false;
}
