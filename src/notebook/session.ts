/**
 * A notebook's session: what its settings cell creates (`const lab = notebookSetup({ mode: "full" })`). It runs
 * experiments through `runExperiment` with a live figure, waits until the figure's static image is in the
 * output, prints where the results came from (computed, or loaded from the cache with the load time) and the
 * experiment's claims, and keeps the latest claims of each experiment for one summary table.
 */
import { inspect } from "node:util";
import { isCancelled } from "../cancel";
import { formatClaimsTable, failing, type ClaimRow } from "../lab/claims";
import { getExperiment } from "../lab/registry";
import { runExperiment, type ExperimentResult } from "../lab/run";
import type { Experiment, RunMode } from "../lab/types";
import { liveFigure, setupNotebookDisplay, show, type NotebookDisplayOptions } from "../plot/show";
import type { PlotlyFigure } from "../plot/figure";
import { hookKernelInterrupt } from "./interrupt";

export interface NotebookOptions extends NotebookDisplayOptions {
  /**
   * "quick": reduced configs (seconds to minutes per experiment); "full": the paper-scale configs the committed
   * outputs show. FLOWLAB_QUICK=1 in the kernel's environment forces "quick" (headless test runs).
   */
  mode?: RunMode;
  /** Make Kernel → Interrupt stop the running experiment (default true). */
  interrupt?: boolean;
  /** Print each run's status line and claims (default true). */
  verbose?: boolean;
}

export interface NotebookRunOptions<C extends object> {
  /** Fields replacing those of the mode's config (a new cache entry), e.g. `{ eta: 0.5 }`. */
  config?: Partial<C>;
  /** Read and write the results cache (default true). */
  cache?: boolean;
  /** Draw the figure while the run goes on (default true). */
  live?: boolean;
}

const QUICK_ENV = (): boolean => ["1", "true", "yes"].includes((process.env.FLOWLAB_QUICK ?? "").toLowerCase());

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

/** One line saying where a result came from and how long it took. */
export function runStatusLine(r: ExperimentResult<object>, overrides: object = {}): string {
  const what = `${r.experiment.id} (${r.mode}${Object.keys(overrides).length > 0 ? `, ${JSON.stringify(overrides)}` : ""})`;
  // Where results carry the original compute time apart (computeMs), runtimeMs of a hit is its load time.
  const computeMs = (r as { computeMs?: number }).computeMs ?? r.runtimeMs;
  return r.cache === "hit"
    ? `${what}: loaded from cache in ${seconds(r.elapsedMs)} (computed earlier in ${seconds(computeMs)} on ${r.backend ?? "?"})`
    : `${what}: computed in ${seconds(r.runtimeMs)} on ${r.backend ?? "?"}${r.cache === "off" ? " (cache off)" : ", cached"}`;
}

export class NotebookSession {
  readonly mode: RunMode;
  private readonly verbose: boolean;
  /** The latest claims of each experiment (key: its id, with * when run with overrides), in first-run order. */
  private readonly latest = new Map<string, ClaimRow[]>();

  constructor(mode: RunMode, verbose = true) {
    this.mode = mode;
    this.verbose = verbose;
  }

  /**
   * Runs (or loads) one experiment in this session's mode, with its figure live below the cell; resolves once
   * the figure's static image is in the output. An interrupt ends it with one line and caches nothing.
   */
  async run<C extends object>(which: Experiment<C> | string, opts: NotebookRunOptions<C> = {}): Promise<ExperimentResult<C>> {
    const experiment = (typeof which === "string" ? getExperiment(which) : which) as Experiment<C>;
    const live = liveFigure();
    let r: ExperimentResult<C>;
    try {
      // Frames during the run are interactive only; the finished figures are drawn below with their captions.
      const sink =
        (opts.live ?? true)
          ? (fig: PlotlyFigure, final: boolean): void => {
              if (!final) live(fig, false);
            }
          : undefined;
      r = await runExperiment(experiment, { mode: this.mode, config: opts.config, cache: opts.cache, live: sink });
    } catch (e) {
      if (isCancelled(e)) {
        // tslab prints a failed cell's error with console.error: one line instead of a stack.
        const line = `${e.message} (nothing cached)`;
        Object.defineProperty(e, inspect.custom, { value: () => line });
      }
      throw e;
    }
    // Experiments with several figures (result.figures, each with its caption) show them all; older results one.
    const built = (r as { figures?: { figure: PlotlyFigure; caption?: string }[] }).figures ?? [{ figure: r.figure }];
    for (const [i, f] of built.entries()) {
      if (i === 0) await live.finish(f.figure, { caption: f.caption });
      else await show(f.figure, { caption: f.caption });
    }
    const overrides = opts.config ?? {};
    const label = Object.keys(overrides).length > 0 ? `${experiment.id}*` : experiment.id;
    const rows = r.claims.map((c) => ({ experiment: label, ...c }));
    this.latest.set(label, rows);
    if (this.verbose) {
      console.log(runStatusLine(r, overrides));
      if (rows.length > 0) console.log(formatClaimsTable(rows));
    }
    return r;
  }

  /** The latest claims of every experiment run in this session (a rerun replaces its experiment's rows). */
  claimRows(): ClaimRow[] {
    return [...this.latest.values()].flat();
  }

  /**
   * Prints the claims table of the session: one set of rows per experiment (its latest run; a run with config
   * overrides is its own entry, marked *). Returns nothing, so a cell ending with it prints only the table.
   */
  claims(): void {
    const rows = this.claimRows();
    const overridden = rows.some((r) => r.experiment.endsWith("*"));
    console.log(formatClaimsTable(rows));
    console.log(`(the latest run of each of ${this.latest.size} experiments, ${this.mode} mode${overridden ? "; * = config overridden" : ""})`);
    const failed = rows.filter(failing);
    if (failed.length > 0) console.log(`failing: ${failed.map((r) => `${r.experiment}/${r.id}`).join(", ")}`);
  }
}

/**
 * A notebook's first cell: embeds plotly.js, turns progress bars into live lines, makes Kernel → Interrupt stop
 * the running experiment, prints the mode and returns the session that runs experiments.
 */
export function notebookSetup(opts: NotebookOptions = {}): NotebookSession {
  setupNotebookDisplay(opts);
  if (opts.interrupt ?? true) hookKernelInterrupt();
  const asked = opts.mode ?? "full";
  if (asked !== "quick" && asked !== "full") throw new Error(`notebookSetup: mode must be "quick" or "full", got ${JSON.stringify(asked)}`);
  const mode: RunMode = QUICK_ENV() ? "quick" : asked;
  if (opts.verbose ?? true) console.log(`mode: ${mode}${mode !== asked ? " (FLOWLAB_QUICK=1 in the kernel's environment overrides the settings cell)" : ""}`);
  return new NotebookSession(mode, opts.verbose ?? true);
}
