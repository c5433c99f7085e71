/**
 * Progress reporting for long work. One interface, several sinks: a redrawing bar on a terminal (stderr),
 * occasional plain lines when stderr is not a TTY (CI logs), and a pluggable sink that notebooks install
 * to get a live-updating line. `FLOWLAB_PROGRESS=0` silences it.
 */
export interface ProgressEvent {
  label: string;
  done: number;
  total: number;
  /** Short status text, e.g. "loss 0.123 S 19.8". */
  info?: string;
  elapsedMs: number;
  finished: boolean;
}

export type ProgressSink = (e: ProgressEvent) => void;

let sinkOverride: ProgressSink | null = null;

/** Installs a sink for every progress bar created afterwards (null restores the default). */
export function setProgressSink(sink: ProgressSink | null): void {
  sinkOverride = sink;
}

function fmtTime(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function formatProgress(e: ProgressEvent, width = 24): string {
  const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const filled = Math.round(frac * width);
  const eta = frac > 0 && !e.finished ? ` eta ${fmtTime((e.elapsedMs * (1 - frac)) / frac)}` : "";
  return `${e.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${e.done}/${e.total} ${fmtTime(e.elapsedMs)}${eta}${e.info ? "  " + e.info : ""}`;
}

function defaultSink(): ProgressSink | null {
  if (process.env.FLOWLAB_PROGRESS === "0") return null;
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  return (e) => {
    if (tty) {
      process.stderr.write(`\r${formatProgress(e)}\x1b[K${e.finished ? "\n" : ""}`);
    } else if (e.finished || e.elapsedMs - lastPrint >= 10000) {
      lastPrint = e.elapsedMs;
      process.stderr.write(formatProgress(e) + "\n");
    }
  };
}

export class Progress {
  private readonly start = Date.now();
  private last = 0;
  private readonly sink: ProgressSink | null;

  constructor(
    readonly label: string,
    readonly total: number,
    /** Minimum milliseconds between redraws. */
    private readonly intervalMs = 100,
  ) {
    this.sink = sinkOverride ?? defaultSink();
  }

  update(done: number, info?: string): void {
    const now = Date.now();
    if (!this.sink || (now - this.last < this.intervalMs && done < this.total)) return;
    this.last = now;
    this.sink({ label: this.label, done, total: this.total, info, elapsedMs: now - this.start, finished: false });
  }

  finish(info?: string): void {
    this.sink?.({ label: this.label, done: this.total, total: this.total, info, elapsedMs: Date.now() - this.start, finished: true });
  }
}
