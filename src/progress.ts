/**
 * Progress reporting for long work. One interface, several sinks: a redrawing bar on a terminal (stderr),
 * occasional plain lines when stderr is not a TTY (CI logs), and a pluggable sink that notebooks install
 * to get a live-updating line. `FLOWLAB_PROGRESS=0` silences it.
 *
 * Estimates are honest or absent: "eta ?" until enough of the phase has run to extrapolate (ETA_MIN_* below),
 * from the rate over the most recent half of the elapsed time (start-up and JIT warm-up drop out), and never
 * for a phase created with `{ estimate: false }` (units of very different cost, e.g. one per depth).
 *
 * Work here is synchronous (tfjs on wasm), so a phase between two updates prints nothing however long it takes.
 * On a non-TTY stderr a small worker thread, which runs while the main thread computes, prints a heartbeat line
 * after HEARTBEAT_MS of silence (FLOWLAB_HEARTBEAT_S=n sets it, 0 turns it off).
 */
import { Worker } from "node:worker_threads";

export interface ProgressEvent {
  label: string;
  done: number;
  total: number;
  /** Short status text, e.g. "loss 0.123 S 19.8". */
  info?: string;
  elapsedMs: number;
  /** Estimated milliseconds left; null (or absent) when the phase cannot estimate yet. */
  etaMs?: number | null;
  finished: boolean;
}

export type ProgressSink = (e: ProgressEvent) => void;

export interface ProgressOptions {
  /** Minimum milliseconds between redraws (default 100). */
  intervalMs?: number;
  /** false: the units differ too much in cost to extrapolate; the bar shows "eta ?" throughout. */
  estimate?: boolean;
  /** The clock (tests). */
  now?: () => number;
}

/** An ETA needs at least this fraction of the units done, … */
export const ETA_MIN_FRACTION = 0.05;
/** … at least this many units done, … */
export const ETA_MIN_DONE = 2;
/** … and this much time elapsed; the rate is measured over the last max(this, elapsed / 2). */
export const ETA_MIN_ELAPSED_MS = 5000;
/** Default silence before a heartbeat line on a non-TTY stderr. */
export const HEARTBEAT_MS = 30_000;

let sinkOverride: ProgressSink | null = null;

/** Installs a sink for every progress bar created afterwards (null restores the default). */
export function setProgressSink(sink: ProgressSink | null): void {
  sinkOverride = sink;
}

export function fmtTime(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function formatProgress(e: ProgressEvent, width = 24): string {
  const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const filled = Math.round(frac * width);
  const eta = e.finished ? "" : typeof e.etaMs === "number" ? ` eta ${fmtTime(e.etaMs)}` : " eta ?";
  return `${e.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${e.done}/${e.total} ${fmtTime(e.elapsedMs)}${eta}${e.info ? "  " + e.info : ""}`;
}

/**
 * Remaining time from (time, done) samples of one phase, or null when it cannot be estimated yet. The rate is
 * taken over the last max(ETA_MIN_ELAPSED_MS, elapsed/2): what ran at the start (warm-up) stops counting.
 */
export class EtaEstimator {
  private readonly samples: Array<{ t: number; done: number }> = [];

  constructor(
    private readonly start: number,
    private readonly total: number,
  ) {
    this.samples.push({ t: start, done: 0 });
  }

  /** Records progress at time `t` and returns the estimated milliseconds left, or null. */
  observe(t: number, done: number): number | null {
    const last = this.samples[this.samples.length - 1];
    if (done > last.done || t - last.t >= 1000) this.samples.push({ t, done });
    if (this.samples.length > 256) this.samples.splice(1, 128); // keep the start and the recent half
    const elapsed = t - this.start;
    if (this.total <= 0 || done < ETA_MIN_DONE || done / this.total < ETA_MIN_FRACTION || elapsed < ETA_MIN_ELAPSED_MS) return null;
    const windowStart = t - Math.max(ETA_MIN_ELAPSED_MS, elapsed / 2);
    let ref = this.samples[0];
    for (const s of this.samples) if (s.t <= windowStart) ref = s;
    const rate = (done - ref.done) / Math.max(1, t - ref.t);
    if (!(rate > 0)) return null;
    return Math.max(0, (this.total - done) / rate);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Heartbeat: a worker thread that reads the current phase from shared memory and writes to fd 2 directly.

const LABEL_BYTES = 512;
/** Float64 slots: active (0/1), phase start, last line printed, done, total, heartbeat interval (ms). */
const SLOTS = 6;

/** What the heartbeat knows of the current phase (shared with the worker). */
export interface HeartbeatState {
  active: boolean;
  label: string;
  startMs: number;
  lastLineMs: number;
  done: number;
  total: number;
}

/** The heartbeat line due at `now`, or null (pure: the worker runs the same rule, tests use a fake clock). */
export function heartbeatLine(s: HeartbeatState, now: number, intervalMs: number): string | null {
  if (!s.active || intervalMs <= 0 || now - s.lastLineMs < intervalMs) return null;
  return `${s.label}: still running (${s.done}/${s.total} after ${fmtTime(now - s.startMs)}, no line for ${fmtTime(now - s.lastLineMs)})`;
}

// The worker's code: the same rule as heartbeatLine (kept in step by test/progress.test.ts), in plain JS.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const f = new Float64Array(workerData.sab, 0, ${SLOTS});
const len = new Int32Array(workerData.sab, ${SLOTS * 8}, 1);
const bytes = new Uint8Array(workerData.sab, ${SLOTS * 8 + 4}, ${LABEL_BYTES});
${fmtTime.toString()}
setInterval(() => {
  const now = Date.now();
  if (f[0] !== 1 || now - f[2] < f[5]) return;
  const label = Buffer.from(bytes.slice(0, Atomics.load(len, 0))).toString("utf8");
  try {
    writeSync(2, label + ": still running (" + f[3] + "/" + f[4] + " after " + fmtTime(now - f[1]) + ", no line for " + fmtTime(now - f[2]) + ")\\n");
  } catch {}
  f[2] = now;
}, Math.min(1000, Math.max(50, workerData.intervalMs / 4)));
`;

class Heartbeat {
  private readonly f: Float64Array;
  private readonly len: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly stack: Progress[] = [];

  constructor(intervalMs: number) {
    const sab = new SharedArrayBuffer(SLOTS * 8 + 4 + LABEL_BYTES);
    this.f = new Float64Array(sab, 0, SLOTS);
    this.len = new Int32Array(sab, SLOTS * 8, 1);
    this.bytes = new Uint8Array(sab, SLOTS * 8 + 4, LABEL_BYTES);
    this.f[5] = intervalMs;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sab, intervalMs } });
    worker.unref(); // never keeps the process alive
    worker.on("error", () => undefined); // a failed heartbeat must not fail the run
  }

  /** The phase `p` reported (printed = a line went out) at time `now`. */
  report(p: Progress, done: number, now: number, printed: boolean): void {
    if (!this.stack.includes(p)) this.stack.push(p);
    const label = Buffer.from(p.label, "utf8").subarray(0, LABEL_BYTES);
    this.bytes.set(label);
    Atomics.store(this.len, 0, label.length);
    this.f[1] = p.startMs;
    if (printed || this.f[0] !== 1) this.f[2] = now;
    this.f[3] = done;
    this.f[4] = p.total;
    this.f[0] = 1;
  }

  finish(p: Progress, now: number): void {
    const i = this.stack.indexOf(p);
    if (i >= 0) this.stack.splice(i, 1);
    const top = this.stack[this.stack.length - 1];
    this.f[0] = 0;
    this.f[2] = now;
    if (top) this.report(top, top.lastDone, now, true);
  }
}

let heartbeat: Heartbeat | null | undefined;

function heartbeatIntervalMs(): number {
  const raw = process.env.FLOWLAB_HEARTBEAT_S;
  if (raw === undefined || raw.trim() === "") return HEARTBEAT_MS;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0) throw new Error(`FLOWLAB_HEARTBEAT_S=${raw} is not a number of seconds (0 turns the heartbeat off)`);
  return s * 1000;
}

/** The process's heartbeat thread, started on first use; null when off or stderr is a terminal. */
function getHeartbeat(): Heartbeat | null {
  if (heartbeat !== undefined) return heartbeat;
  const ms = heartbeatIntervalMs();
  heartbeat = ms > 0 && process.stderr.isTTY !== true ? new Heartbeat(ms) : null;
  return heartbeat;
}

// ---------------------------------------------------------------------------------------------------------

/** The default sink: a redrawn line on a terminal, else a line every 10 s (and at the end). Returns whether it printed. */
function defaultSink(): ((e: ProgressEvent) => boolean) | null {
  if (process.env.FLOWLAB_PROGRESS === "0") return null;
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  return (e) => {
    if (tty) {
      process.stderr.write(`\r${formatProgress(e)}\x1b[K${e.finished ? "\n" : ""}`);
      return true;
    }
    if (e.finished || e.elapsedMs - lastPrint >= 10000) {
      lastPrint = e.elapsedMs;
      process.stderr.write(formatProgress(e) + "\n");
      return true;
    }
    return false;
  };
}

export class Progress {
  readonly startMs: number;
  /** The last `done` reported. */
  lastDone = 0;
  private last = -Infinity;
  private readonly sink: ((e: ProgressEvent) => boolean | void) | null;
  private readonly heartbeat: Heartbeat | null;
  private readonly eta: EtaEstimator | null;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    readonly label: string,
    readonly total: number,
    /** Minimum milliseconds between redraws, or options. */
    options: number | ProgressOptions = {},
  ) {
    const o: ProgressOptions = typeof options === "number" ? { intervalMs: options } : options;
    this.intervalMs = o.intervalMs ?? 100;
    this.now = o.now ?? Date.now;
    this.startMs = this.now();
    this.eta = o.estimate === false ? null : new EtaEstimator(this.startMs, total);
    const fallback = sinkOverride ? null : defaultSink();
    this.sink = sinkOverride ?? fallback;
    this.heartbeat = fallback ? getHeartbeat() : null;
    this.heartbeat?.report(this, 0, this.startMs, false);
  }

  update(done: number, info?: string): void {
    const now = this.now();
    this.lastDone = done;
    const etaMs = this.eta ? this.eta.observe(now, done) : null;
    if (!this.sink || (now - this.last < this.intervalMs && done < this.total)) {
      this.heartbeat?.report(this, done, now, false);
      return;
    }
    this.last = now;
    const printed = this.sink({ label: this.label, done, total: this.total, info, elapsedMs: now - this.startMs, etaMs, finished: false });
    this.heartbeat?.report(this, done, now, printed === true);
  }

  finish(info?: string): void {
    const now = this.now();
    this.lastDone = this.total;
    this.sink?.({ label: this.label, done: this.total, total: this.total, info, elapsedMs: now - this.startMs, etaMs: 0, finished: true });
    this.heartbeat?.finish(this, now);
  }
}
