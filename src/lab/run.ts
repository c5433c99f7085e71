/**
 * `runExperiment`: the one path from an experiment to its tables, figure and claims, used by the CLI and
 * the notebooks alike. Results come from the cache when the (experiment, revision, version, config) key
 * matches; otherwise the run computes them and the cache stores them atomically.
 */
import type { DataFrame } from "danfojs-node";
import { initBackend } from "../backend";
import { Progress } from "../progress";
import { ResultsCache, cacheHash, type CacheKey } from "./cache";
import { VERSION } from "../version";
import { getExperiment } from "./registry";
import { toDataFrame, toTables } from "./tables";
import type { LiveSink } from "../plot/figure";
import type { BuiltFigure, Claim, Experiment, PlotlyFigure, RunContext, RunMode, Tables, TablesLike } from "./types";


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
}

export interface ExperimentResult<C extends object> {
  experiment: Experiment<C>;
  mode: RunMode;
  config: C;
  /** The cache key's hash (also in figures/manifest.json). */
  hash: string;
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
  /** Compute time of the run behind the tables (from the cache entry on a hit). */
  runtimeMs: number;
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

const yieldToEventLoop = (): Promise<void> => new Promise((done) => setImmediate(done));

export async function runExperiment<C extends object>(which: Experiment<C> | string, options: RunOptions<C> = {}): Promise<ExperimentResult<C>> {
  const start = Date.now();
  const experiment = (typeof which === "string" ? getExperiment(which) : which) as Experiment<C>;
  const mode = options.mode ?? defaultMode();
  const config = resolveConfig(experiment, mode, options.config);
  const key: CacheKey = { experiment: experiment.id, revision: experiment.revision ?? 0, version: VERSION, config };
  const cache = new ResultsCache(options.cacheDir);
  const useCache = options.cache ?? true;

  let tables: Tables;
  let status: ExperimentResult<C>["cache"] = "off";
  let note: string | undefined;
  let runtimeMs: number;
  let backend: string | null;
  const lookup = useCache ? cache.read(key) : null;
  if (lookup?.status === "hit") {
    status = "hit";
    tables = lookup.entry.tables;
    runtimeMs = lookup.entry.meta.runtimeMs;
    backend = lookup.entry.meta.backend;
  } else {
    if (lookup) status = lookup.status;
    if (lookup?.status === "corrupt") note = `${lookup.path}: ${lookup.reason}; recomputed`;
    backend = (await initBackend()).backend;
    const t0 = Date.now();
    tables = toTables(await experiment.run(config, makeContext(experiment, config, mode, options)), experiment.id);
    runtimeMs = Date.now() - t0;
    if (useCache) cache.write(key, tables, { runtimeMs, backend });
  }
  const figures = buildFigures(experiment, tables, config);
  const figure = figures[0].figure;
  options.live?.(figure, true);
  return {
    experiment,
    mode,
    config,
    hash: cacheHash(key),
    tables,
    figures,
    figure,
    claims: experiment.claims(tables, config).map((c) => (mode === "quick" && experiment.quickClaims === "reported" ? { ...c, enforced: false } : c)),
    cache: status,
    cacheNote: note,
    runtimeMs,
    elapsedMs: Date.now() - start,
    backend,
    frame(name: string): DataFrame {
      const t = tables[name];
      if (!t) throw new Error(`no table '${name}': tables are ${Object.keys(tables).join(", ")}`);
      return toDataFrame(t);
    },
  };
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

function makeContext<C extends object>(experiment: Experiment<C>, config: C, mode: RunMode, options: RunOptions<C>): RunContext {
  let lastDraw = 0;
  const interval = options.liveIntervalMs ?? 500;
  return {
    mode,
    progress: (label, total) => new Progress(`${experiment.id}: ${label}`, total),
    async live(partial: TablesLike): Promise<void> {
      const sink = options.live;
      if (sink && Date.now() - lastDraw >= interval && Object.keys(partial).length > 0) {
        lastDraw = Date.now();
        let figure: PlotlyFigure | null = null;
        try {
          figure = experiment.figures[0].build(toTables(partial), config);
        } catch {
          figure = null; // partial tables may not yet hold what the figure needs; the final draw will
        }
        if (figure) sink(figure, false);
      }
      await yieldToEventLoop();
    },
  };
}
