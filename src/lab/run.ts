/**
 * `runExperiment`: the one path from an experiment to its tables, figure and claims, used by the CLI and
 * the notebooks alike. Results come from the cache when the (experiment, version, code hash, config) key
 * matches; otherwise the run computes them (its tasks in this process, worker processes or on a queue) and
 * the cache stores them atomically. A cancelled run throws CancelledError and caches nothing of its own.
 */
import type { DataFrame } from "danfojs-node";
import { backendInfo } from "../backend";
import { initBackend } from "../runtime";
import { CancelledError, isCancelled, throwIfCancelled } from "../cancel";
import { ResultsCache, TaskCache, cacheHash, type CacheKey } from "./cache";
import { callerFile, moduleGraphHash } from "./codehash";
import { InProcessExecutor, makeRunContext, type TaskEvent, type TaskExecutor } from "./context";
import { trackRun } from "./interrupt";
import { VERSION } from "../version";
import { experimentModule, getExperiment, listExperiments, registerExperiment } from "./registry";
import { registerTask, type Task } from "./task";
import { toDataFrame, toTables } from "./tables";
import type { LiveSink } from "../plot/figure";
import type { BuiltFigure, Claim, Experiment, PlotlyFigure, RunMode, TaskContext, Tables, TablesLike } from "./types";


export interface RunOptions<C extends object> {
  /** Default: "quick" when FLOWLAB_QUICK=1, else "full". */
  mode?: RunMode;
  /** Fields replacing those of the mode's config; unknown fields are an error. */
  config?: Partial<C>;
  /** Read and write the results cache (default true). */
  cache?: boolean;
  cacheDir?: string;
  live?: LiveSink;
  /** Minimum time between live redraws (default 500 ms). */
  liveIntervalMs?: number;
  /**
   * Stops the run: its loops throw CancelledError at their next progress update, nothing of it is cached
   * (tasks it completed before are), worker processes stop its tasks. `interruptActiveRuns()` (notebook
   * interrupt, Ctrl-C) aborts every run in progress too.
   */
  signal?: AbortSignal;
  /** Worker processes for the run's tasks (default 1: in this process). Ignored when `executor` is given. */
  jobs?: number;
  /** Run the tasks on a BullMQ queue at this Redis URL (`flowlab worker` processes compute them). */
  queue?: string;
  /** Where tasks run; shared by several runs (the CLI's pool). Not closed by the run. */
  executor?: TaskExecutor;
  /** Task events for an aggregated progress display. */
  onTask?: (e: TaskEvent) => void;
}

export interface ExperimentResult<C extends object> {
  experiment: Experiment<C>;
  mode: RunMode;
  config: C;
  /** The cache key's hash (also in figures/manifest.json). */
  hash: string;
  /** Hash of the experiment's code (its module graph) in the key. */
  codeHash: string;
  tables: Tables;
  /** Every figure of the experiment, in the order of `experiment.figures`. */
  figures: BuiltFigure[];
  /** The first figure (compatibility: one-figure experiments and notebook cells that show `r.figure`). */
  figure: PlotlyFigure;
  claims: Claim[];
  /** "hit": loaded from the cache; "miss"/"corrupt": computed and stored; "off": computed, cache not used. */
  cache: "hit" | "miss" | "corrupt" | "off";
  /** Why a cache entry was found corrupt (then recomputed). */
  cacheNote?: string;
  /** Time this call took to get the tables: the load time on a cache hit, the compute time otherwise. */
  runtimeMs: number;
  /** Compute time of the run behind the tables (on a hit: of the run that made the cache entry). */
  computeMs: number;
  /** Wall time of this call. */
  elapsedMs: number;
  backend: string | null;
  /** A danfojs DataFrame of one table, for exploring in a notebook. */
  frame(table: string): DataFrame;
}

export function defaultMode(): RunMode {
  const q = (process.env.FLOWLAB_QUICK ?? "").toLowerCase();
  return q === "1" || q === "true" || q === "yes" ? "quick" : "full";
}

/** The mode's config with `overrides` applied; each override must name a field and keep its kind. */
export function resolveConfig<C extends object>(experiment: Experiment<C>, mode: RunMode, overrides: Partial<C> = {}): C {
  const base = experiment.configs[mode];
  if (base === undefined) throw new Error(`mode '${String(mode)}' is not one of quick, full`);
  const fields = Object.keys(base);
  for (const [k, v] of Object.entries(overrides)) {
    if (!fields.includes(k)) throw new Error(`experiment ${experiment.id}: unknown config field '${k}'; fields are ${fields.join(", ")}`);
    const old = (base as Record<string, unknown>)[k];
    const kind = (x: unknown): string => (Array.isArray(x) ? "array" : x === null ? "null" : typeof x);
    if (kind(old) !== kind(v)) throw new Error(`experiment ${experiment.id}: config.${k} must be ${kind(old)}, got ${kind(v)}`);
  }
  return { ...base, ...overrides };
}

/** The whole-experiment task: how an experiment not split into tasks runs in a worker process. */
export interface ExperimentTaskConfig {
  experiment: string;
  mode: RunMode;
  config: object;
}

/** A whole experiment's tables, and the backend that computed them (the worker's, not the submitter's). */
interface ExperimentTaskResult {
  tables: Tables;
  backend: string | null;
}

export const experimentTask: Task<ExperimentTaskConfig, ExperimentTaskResult> = registerTask({
  kind: "flowlab.experiment",
  module: __filename,
  codeHash: (c: ExperimentTaskConfig) => moduleGraphHash(experimentModule(c.experiment)).hash,
  async run(c: ExperimentTaskConfig, ctx: TaskContext): Promise<ExperimentTaskResult> {
    const e = getExperiment(c.experiment);
    const runCtx = makeRunContext({ experimentId: e.id, mode: c.mode, signal: ctx.signal, executor: new InProcessExecutor(), cache: null });
    const tables = toTables(await e.run(c.config, runCtx), e.id);
    return { tables, backend: backendInfo().backend }; // the worker initialized its runtime before running tasks
  },
});

/** The experiment's figure from its tables (the one place the runner draws). */
/** The first figure, redrawn from partial tables during a run (live plots). */
function drawFigure<C extends object>(experiment: Experiment<C>, tables: Tables, config: C): PlotlyFigure {
  return experiment.figures[0].build(tables, config);
}

export async function runExperiment<C extends object>(which: Experiment<C> | string, options: RunOptions<C> = {}): Promise<ExperimentResult<C>> {
  const start = Date.now();
  const experiment = (typeof which === "string" ? getExperiment(which) : which) as Experiment<C>;
  // An experiment object that was never registered belongs to the module running it.
  if (typeof which !== "string" && !listExperiments().includes(experiment as unknown as Experiment)) registerExperiment(experiment, callerFile(0));
  const mode = options.mode ?? defaultMode();
  const config = resolveConfig(experiment, mode, options.config);
  const codeHash = moduleGraphHash(experimentModule(experiment.id)).hash;
  const key: CacheKey = { experiment: experiment.id, version: VERSION, code: codeHash, config };
  const cacheDir = options.cacheDir;
  const cache = new ResultsCache(cacheDir);
  const useCache = options.cache ?? true;
  const tracked = trackRun(options.signal);
  const signal = tracked.signal;

  let tables: Tables;
  let status: ExperimentResult<C>["cache"] = "off";
  let note: string | undefined;
  let runtimeMs: number;
  let computeMs: number;
  let backend: string | null;
  let owned: TaskExecutor | null = null;
  try {
    const t0 = Date.now();
    const lookup = useCache ? cache.read(key) : null;
    if (lookup?.status === "hit") {
      status = "hit";
      tables = lookup.entry.tables;
      runtimeMs = Date.now() - t0;
      computeMs = lookup.entry.meta.runtimeMs;
      backend = lookup.entry.meta.backend;
    } else {
      if (lookup) status = lookup.status;
      if (lookup?.status === "corrupt") note = `${lookup.path}: ${lookup.reason}; recomputed`;
      const executor = options.executor ?? (owned = await makeExecutor(options));
      let lastDraw = 0;
      const interval = options.liveIntervalMs ?? 500;
      const sink = options.live;
      const live = sink
        ? (partial: TablesLike): void => {
            if (Date.now() - lastDraw < interval) return;
            lastDraw = Date.now();
            let figure: PlotlyFigure | null = null;
            try {
              figure = drawFigure(experiment, toTables(partial), config);
            } catch {
              figure = null; // partial tables may not yet hold what the figure needs; the final draw will
            }
            if (figure) sink(figure, false);
          }
        : undefined;
      // Compute time is the sum of the tasks' own run times when tasks ran (waiting in a busy pool is not compute):
      // "computed in" and the next run's estimate (figures/.last-run.json) then mean CPU time, not queue position.
      let taskMs = 0;
      let tasksRun = 0;
      const onTask = (e: TaskEvent): void => {
        if (e.type === "done") {
          taskMs += e.runtimeMs;
          tasksRun++;
        }
        options.onTask?.(e);
      };
      const ctx = makeRunContext({ experimentId: experiment.id, mode, signal, executor, cache: useCache ? new TaskCache(cacheDir) : null, onTask, live });
      const tc = Date.now();
      const workersLoad = executor.canLoad?.(experimentModule(experiment.id)) ?? true;
      if (experiment.runsTasks === true || !executor.remote || !workersLoad) {
        backend = (await initBackend()).backend;
        tables = toTables(await experiment.run(config, ctx), experiment.id);
      } else {
        const whole = await ctx.run(experimentTask, { experiment: experiment.id, mode, config });
        tables = toTables(whole.tables, experiment.id);
        backend = whole.backend;
      }
      // A run that finished without looking at its signal after the interrupt is still a cancelled run.
      throwIfCancelled(signal, experiment.id);
      runtimeMs = Date.now() - tc;
      computeMs = tasksRun > 0 && executor.remote ? taskMs : runtimeMs;
      if (useCache) cache.write(key, tables, { runtimeMs: computeMs, backend });
    }
  } catch (e) {
    if (isCancelled(e) || signal.aborted) throw new CancelledError(experiment.id, isCancelled(e) ? e.step : undefined);
    throw e;
  } finally {
    tracked.done();
    await owned?.close();
  }
  const figures = buildFigures(experiment, tables, config);
  const figure = figures[0].figure;
  options.live?.(figure, true);
  return {
    experiment,
    mode,
    config,
    hash: cacheHash(key),
    codeHash,
    tables,
    figures,
    figure,
    claims: experiment.claims(tables, config).map((c) => (mode === "quick" && experiment.quickClaims === "reported" ? { ...c, enforced: false } : c)),
    cache: status,
    cacheNote: note,
    runtimeMs,
    computeMs,
    elapsedMs: Date.now() - start,
    backend,
    frame(name: string): DataFrame {
      const t = tables[name];
      if (!t) throw new Error(`no table '${name}': tables are ${Object.keys(tables).join(", ")}`);
      return toDataFrame(t);
    },
  };
}

/** The executor RunOptions ask for: a queue, a pool of `jobs` worker processes, or this process. */
export async function makeExecutor(options: { jobs?: number; queue?: string }): Promise<TaskExecutor> {
  if (options.queue) {
    const { QueueExecutor } = await import("./queue");
    return QueueExecutor.connect(options.queue);
  }
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`jobs must be a positive integer, got ${jobs}`);
  if (jobs === 1) return new InProcessExecutor();
  const { ProcessPool } = await import("./pool");
  return new ProcessPool(jobs);
}

/** Builds every figure of an experiment; a figure that throws names its experiment and figure id. */
export function buildFigures<C extends object>(experiment: Experiment<C>, tables: Tables, config: C): BuiltFigure[] {
  if (experiment.figures.length === 0) throw new Error(`experiment ${experiment.id}: figures must not be empty`);
  return experiment.figures.map((spec) => {
    let figure: PlotlyFigure;
    try {
      figure = spec.build(tables, config);
    } catch (e) {
      throw new Error(`experiment ${experiment.id}, figure ${spec.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return { id: spec.id, paperFigure: spec.paperFigure, title: spec.title, caption: spec.caption(config), size: spec.size, figure };
  });
}
