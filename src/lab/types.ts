/**
 * Experiments as data. An experiment is a typed config (a quick and a full version), a `run` that measures
 * tables, a figure built only from those tables, and claims: named, machine-checkable statements about the
 * measured numbers. The CLI (`flowlab figures`) and the notebooks both go through `runExperiment`, so a
 * notebook plot and the file in figures/ come from one code path.
 */
import type { PlotlyFigure } from "../plot/figure";
import type { FigureSize } from "../plot/sizes";
import type { Progress } from "../progress";
import type { Task } from "./task";

export type { FigureSize };

/** A table of plain numeric columns of equal length (NaN and ±Infinity allowed). The cache stores this form. */
export type Table = Record<string, number[]>;

/** Named tables: what a run returns and what figures and claims read. */
export type Tables = Record<string, Table>;

/** Anything with danfojs's DataFrame surface; `run` may return DataFrames, the runner converts them to `Table`. */
export interface DataFrameLike {
  columns: string[];
  column(name: string): { values: unknown[] };
}

export type { PlotlyFigure };

export type TablesLike = Record<string, Table | DataFrameLike>;


export const COMPARATORS = ["<", "<=", ">", ">="] as const;
export type Comparator = (typeof COMPARATORS)[number];

/** A measured statement: `measured comparator threshold` must hold. Build one with `claim()` (report/claims). */
export interface Claim {
  /** Short stable id, unique within its experiment, e.g. "divergence-iff-unstable". */
  id: string;
  /** The statement in words, with the threshold, e.g. "sharpness within 10% of 2/η for ≥ 90% of steps". */
  statement: string;
  measured: number;
  comparator: Comparator;
  threshold: number;
  /** False when the comparison fails or `measured` is NaN. */
  passed: boolean;
  /** False for claims shown but not held against the run (see Experiment.quickClaims); absent means true. */
  enforced?: boolean;
}

export type RunMode = "quick" | "full";

/** What a task may use besides its config: progress bars and live offers that stop it when cancelled. */
export interface TaskContext {
  /** Aborted when the run is interrupted; `progress(...).update` and `live` throw CancelledError once it is. */
  readonly signal: AbortSignal;
  /** A progress bar (terminal, CI log, a live notebook line, or the parent process's aggregated display). */
  progress(label: string, total: number): Progress;
  /**
   * Offers partial results: a notebook redraws its live figure from them (throttled); elsewhere a no-op.
   * Awaiting it also yields to the event loop, which lets progress lines and plots reach the notebook during
   * a long run, so call it every second or so of work (with `{}` if there is nothing to draw yet).
   */
  live(partial: TablesLike): Promise<void>;
}

/** What a run may use besides its config. */
export interface RunContext extends TaskContext {
  readonly mode: RunMode;
  /**
   * Runs `task` on each config (in worker processes or on a queue when the run has them, else here) and
   * returns the results in the order of `configs`. Each result is cached on its own, keyed by the task's
   * kind, its config and the hash of the task's module graph. If some tasks throw, the others still
   * complete (and are cached), then a TaskFailedError lists every failed config with its error.
   */
  map<TC extends object, R>(configs: readonly TC[], task: Task<TC, R>): Promise<R[]>;
  /** One task: `map([config], task)`. */
  run<TC extends object, R>(task: Task<TC, R>, config: TC): Promise<R>;
}

/**
 * One figure of an experiment: files figures/<id>.{svg,pdf,png,html}, one manifest entry. At most 4 panels, one
 * point, no run settings in the title (they go to the caption).
 */
export interface FigureSpec<C> {
  /** File-name safe, named after the paper figure reproduced, e.g. "central-flows-gd-fig2". */
  id: string;
  /** The paper figure reproduced, e.g. "Cohen et al. 2021, Fig. 1". */
  paperFigure: string;
  /** Short, without run settings: gallery heading and PDF title metadata. */
  title: string;
  /** Run settings and what the reader sees; shown in the gallery, the notebook and the manifest. */
  caption(config: C): string;
  /** The final physical size (column 3.25 in, text 6.75 in, slide 10 × 5.625 in). */
  size: FigureSize;
  build(tables: Tables, config: C): PlotlyFigure;
}

/** A figure built from an experiment's tables: the spec's fields with the caption resolved. */
export interface BuiltFigure {
  id: string;
  paperFigure: string;
  title: string;
  caption: string;
  size: FigureSize;
  figure: PlotlyFigure;
}

/**
 * One experiment, one or more figures (a figure may have many panels). `C` must be JSON data: its hash, together
 * with the experiment id, the library version and the hash of the experiment module's code (its module graph,
 * see codehash.ts), keys the results cache.
 */
export interface Experiment<C extends object = object> {
  /** File-name safe id: data/results/<id>/, figures/<id>*.csv, claims. */
  id: string;
  title: string;
  /** The paper and figure reproduced, e.g. "Cohen et al. 2021, Fig. 1". */
  paper: string;
  configs: { quick: C; full: C };
  /**
   * "reported" when the quick config is only a smoke test (runs too short for the claims' statements, e.g.
   * "after the transient"): in quick mode the claims are measured and shown, but a failure does not fail the
   * run. Default "enforced".
   */
  quickClaims?: "enforced" | "reported";
  /** Why the experiment cannot run on this machine (e.g. its data set is not downloaded), or null. */
  unavailable?(): string | null;
  /**
   * True when `run` does its heavy work through `ctx.map`/`ctx.run` (tasks): the runner then runs `run`
   * in-process and farms out its tasks. Otherwise the whole run is one task (a worker process runs it when
   * the run has workers).
   */
  runsTasks?: boolean;
  run(config: C, ctx: RunContext): Promise<TablesLike>;
  /** The figures drawn from the tables (at least one); ids unique across all experiments. */
  figures: FigureSpec<C>[];
  claims(tables: Tables, config: C): Claim[];
}
