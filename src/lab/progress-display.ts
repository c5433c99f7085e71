/**
 * One aggregated progress display for tasks running in worker processes or on a queue: tasks done/total,
 * the tasks running now with their latest progress, and an overall ETA (mean compute time of the finished
 * tasks × the remaining ones / the parallelism). On a terminal it is one redrawn status line on stderr; in a
 * log (not a TTY) a line per finished task and a status line every 10 s. FLOWLAB_PROGRESS=0 silences it.
 */
import { formatProgress } from "../progress";
import type { TaskEvent } from "./context";

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export class TaskProgressDisplay {
  private total = 0;
  private done = 0;
  private cached = 0;
  private failed = 0;
  private computeMs = 0;
  private computed = 0;
  private readonly running = new Map<string, string>();
  private readonly tty = process.stderr.isTTY === true;
  private readonly silent = process.env.FLOWLAB_PROGRESS === "0";
  private lastDraw = 0;
  private lastLog = Date.now();

  constructor(private readonly parallelism: number) {}

  readonly onTask = (e: TaskEvent): void => {
    switch (e.type) {
      case "queued":
        this.total++;
        break;
      case "cached":
        this.total++;
        this.done++;
        this.cached++;
        break;
      case "progress":
        this.running.set(e.hash, formatProgress(e.progress, 12));
        break;
      case "done":
        this.done++;
        this.computed++;
        this.computeMs += e.runtimeMs;
        this.running.delete(e.hash);
        if (!this.tty) this.log(`  task ${this.done}/${this.total} done: ${e.label} in ${(e.runtimeMs / 1000).toFixed(1)} s`);
        break;
      case "failed":
        this.done++;
        this.failed++;
        this.running.delete(e.hash);
        this.log(`  task failed: ${e.label}: ${e.error.split("\n")[0]}`);
        break;
    }
    this.draw(e.type !== "progress");
  };

  status(): string {
    const left = this.total - this.done;
    const eta = this.computed > 0 && left > 0 ? ` eta ${fmt(((this.computeMs / this.computed) * left) / this.parallelism)}` : "";
    const extra = [this.cached ? `${this.cached} cached` : "", this.failed ? `${this.failed} failed` : ""].filter(Boolean).join(", ");
    const now = [...this.running.values()].slice(0, 2).join(" | ");
    return `tasks ${this.done}/${this.total}${extra ? ` (${extra})` : ""}${eta}${now ? `  ${now}` : ""}`;
  }

  private log(line: string): void {
    if (this.silent) return;
    this.clear();
    process.stderr.write(`${line}\n`);
  }

  private draw(force: boolean): void {
    if (this.silent) return;
    const now = Date.now();
    if (this.tty) {
      if (!force && now - this.lastDraw < 200) return;
      this.lastDraw = now;
      const width = process.stderr.columns ?? 120;
      process.stderr.write(`\r${this.status().slice(0, width - 1)}\x1b[K`);
    } else if (now - this.lastLog >= 10_000) {
      this.lastLog = now;
      process.stderr.write(`${this.status()}\n`);
    }
  }

  /** Erases the status line (before other output). */
  clear(): void {
    if (this.tty && !this.silent) process.stderr.write("\r\x1b[K");
  }
}
