/**
 * `flowlab figures`: reproduces the figures headlessly. For each experiment: results (cached or computed),
 * figures/<id>.svg|pdf|png|html, its tables as CSV, an entry in figures/manifest.json, its claims in
 * figures/report.json, then the table of all claims. Exit status 1 if any claim fails or an export fails.
 */
import { availableParallelism } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { isCancelled } from "../cancel";
import { interruptActiveRuns } from "../lab/interrupt";
import { makeExecutor, type ExperimentResult } from "../lab/run";
import { TaskProgressDisplay } from "../lab/progress-display";
import { parseFlags, UsageError, type FlagSpec, type UsageExtras } from "./args";
import { formatExperimentList } from "./list";
import { listExperiments, getExperiment } from "../lab/registry";
import { defaultMode, runExperiment } from "../lab/run";
import type { Experiment } from "../lab/types";
import { tableToCsv } from "../lab/tables";
import { FigureExporter, EXPORT_FORMATS, type ExportFormat } from "../plot/export";
import { writeFileAtomic } from "../atomic";
import { projectRoot } from "../lab/cache";
import { failing, formatClaimsTable, type ClaimRow } from "../lab/claims";
import { gitCommit, lastRuntimes, updateLastRun, updateManifest, updateReport, LAST_RUN_FILE, type ExperimentRun, type ManifestEntry } from "../lab/manifest";
import { requestedEngine } from "../autodiff/select";
import { writeGallery } from "../lab/gallery";
import { VERSION } from "../version";
import { FIGURE_SIZES, isFigureSize, type FigureSize } from "../plot/sizes";

const FORMATS = [...EXPORT_FORMATS, "csv"] as const;
type OutputFormat = (typeof FORMATS)[number];

export const spec: Record<string, FlagSpec> = {
  list: { kind: "boolean", help: "list the experiment ids and titles (one line each) and exit" },
  long: { kind: "boolean", help: "with --list: full titles, the paper and figure each reproduces, and why one is skipped here" },
  only: { kind: "list", arg: "ID,ID", help: "run only these experiments (default: all whose data is here)" },
  quick: { kind: "boolean", help: "reduced-size configs, a smoke test (also FLOWLAB_QUICK=1); writes to data/figures-quick/" },
  out: { kind: "string", arg: "DIR", help: "output folder (default: <project>/figures; with --quick <project>/data/figures-quick)" },
  "no-cache": { kind: "boolean", help: "recompute even when data/results/ holds results for the same config and version" },
  formats: { kind: "list", arg: "F,F", help: `outputs to write, from ${FORMATS.join(",")} (default: all)` },
  scale: { kind: "number", help: "PNG resolution as pixels per layout pixel (default 300 dpi ≈ 3.125; at least 2)" },
  size: { kind: "string", arg: "SIZE", help: `export every figure at this size instead of its own: ${FIGURE_SIZES.join(", ")} (3.25 in, 6.75 in, 10 in slide)` },
  jobs: { kind: "number", help: `worker processes computing tasks (default: the number of cores, here ${availableParallelism()}); 1 computes in this process` },
  queue: { kind: "string", help: "compute tasks on a BullMQ queue at this Redis URL (redis://host:port); run 'flowlab worker' on the machines" },
};
export const extras: UsageExtras = {
  notes: [
    "Writes figures/<figure id>.{svg,pdf,png,html} for each figure of an experiment and figures/<experiment id>*.csv, figures/manifest.json, figures/report.json and the gallery figures/README.md, " +
      "then prints every claim with its measured value, threshold and pass/fail; exit status 1 if a claim or an export fails. " +
      "Needs Chromium for svg/pdf/png. See the README (Durations) for how long a full run takes.",
    "examples:\n  flowlab figures --list\n  flowlab figures --only eos-gd,saxe-depth --formats png,csv\n  flowlab figures --quick",
  ],
};

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const minutes = (ms: number): string => (ms < 90_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

/**
 * What is left of a run, from the compute times of the last run into the same folder (figures/.last-run.json):
 * the sum over the experiments not finished yet, divided by the parallelism. An upper bound when some results
 * are cached now; experiments never run before are counted and named as unknown.
 */
export function remainingEstimate(ids: string[], last: Map<string, number>, jobs: number): { ms: number; unknown: number } {
  let ms = 0;
  let unknown = 0;
  for (const id of ids) {
    const t = last.get(id);
    if (t === undefined) unknown++;
    else ms += t;
  }
  return { ms: ms / Math.max(1, jobs), unknown };
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  await import("../papers/index");
  if (flags.long && !flags.list) throw new UsageError("--long goes with --list");
  if (flags.list) {
    console.log(formatExperimentList(listExperiments(), { long: flags.long === true }));
    return 0;
  }
  const only = (flags.only as string[] | undefined) ?? [];
  const known = listExperiments().map((e) => e.id);
  for (const id of only) if (!known.includes(id)) throw new UsageError(`--only: unknown experiment '${id}'; ids are ${known.join(", ")}`);
  // Without --only, experiments whose data is not on this machine are skipped (named --only, they run and fail loudly).
  const experiments = only.length > 0 ? only.map(getExperiment) : listExperiments().filter((e) => {
    const why = e.unavailable?.() ?? null;
    if (why) console.log(`${e.id}: skipped (${why})`);
    return !why;
  });
  const formats = ((flags.formats as string[] | undefined) ?? [...FORMATS]) as OutputFormat[];
  for (const f of formats) if (!FORMATS.includes(f)) throw new UsageError(`--formats: '${f}' is not one of ${FORMATS.join(", ")}`);
  const scale = flags.scale as number | undefined;
  if (scale !== undefined && !(scale >= 2)) throw new UsageError(`--scale must be at least 2 (publication PNG), got ${scale}`);
  const sizeFlag = flags.size as string | undefined;
  if (sizeFlag !== undefined && !isFigureSize(sizeFlag)) throw new UsageError(`--size: '${sizeFlag}' is not one of ${FIGURE_SIZES.join(", ")}`);
  const sizeOverride = sizeFlag as FigureSize | undefined;
  const mode = flags.quick ? "quick" : defaultMode();
  const engine = requestedEngine(); // checks FLOWLAB_ENGINE before any work
  // figures/ holds the full-size reproductions; quick runs (smoke tests) never overwrite them.
  const out = flags.out ? resolve(flags.out as string) : join(projectRoot(), mode === "quick" ? join("data", "figures-quick") : "figures");

  const root = projectRoot();
  const commit = gitCommit(root);

  // Start the browser while the first experiment computes; it is only needed for svg/pdf/png.
  const imageFormats = formats.filter((f): f is Exclude<ExportFormat, "html"> => f === "svg" || f === "pdf" || f === "png");
  const browser: Promise<FigureExporter> | null = imageFormats.length > 0 ? FigureExporter.launch() : null;
  browser?.catch(() => undefined); // reported where awaited

  const jobs = (flags.jobs as number | undefined) ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs must be a positive integer, got ${String(flags.jobs)}`);
  const queue = flags.queue as string | undefined;

  const entries: ManifestEntry[] = [];
  const runs: Record<string, ExperimentRun> = {};
  const rows: ClaimRow[] = [];
  let failures = 0;
  let exporter: FigureExporter | null = null;
  let browserFailed = false;
  let interrupted: string | null = null;
  const t0 = Date.now();
  // Ctrl-C: the runs stop at their next step, outputs already written stay whole (every write is atomic), no
  // partial result is cached; exit status 130. A second Ctrl-C exits at once.
  let sigints = 0;
  const onSigint = (): void => {
    if (++sigints > 1) process.exit(130);
    interruptActiveRuns("SIGINT");
  };
  process.on("SIGINT", onSigint);
  const executor = await makeExecutor({ jobs, queue });
  const display = executor.remote ? new TaskProgressDisplay(jobs) : null;
  console.log(`flowlab figures: ${experiments.length} experiment(s), ${mode} configs, tasks in ${executor.description}, writing to ${out}`);
  let finished = 0;
  const last = lastRuntimes(out);
  const pending = new Set(experiments.map((e) => e.id));
  const estimate = (): string => {
    const { ms, unknown } = remainingEstimate([...pending], last, jobs);
    if (unknown === pending.size) return "no earlier run to estimate from";
    return `about ${minutes(ms)} left by the last run's compute times${unknown > 0 ? ` (+${unknown} never timed)` : ""}; less where results are cached`;
  };
  if (pending.size > 0) console.log(`expected: ${estimate()}`);

  /** Files, manifest entries (one per figure) and claims of one finished experiment (one at a time: the browser is shared). */
  const write = async (exp: Experiment, r: ExperimentResult<object>): Promise<void> => {
    const how = r.cache === "hit" ? `from cache, loaded in ${seconds(r.runtimeMs)} (computed in ${seconds(r.computeMs)})` : `computed in ${seconds(r.computeMs)}`;
    display?.clear();
    pending.delete(exp.id);
    const left = pending.size > 0 ? ` · ${minutes(Date.now() - t0)} elapsed, ${estimate()}` : "";
    console.log(`[${++finished}/${experiments.length}] ${exp.id}: results ${how}${left}${r.cacheNote ? `\n  ${r.cacheNote}` : ""}`);
    const files: string[] = [];
    if (formats.includes("csv")) {
      const names = Object.keys(r.tables);
      for (const name of names) {
        const file = names.length === 1 ? `${exp.id}.csv` : `${exp.id}.${name}.csv`;
        writeFileAtomic(join(out, file), tableToCsv(r.tables[name]));
        files.push(file);
      }
    }
    for (const built of r.figures) {
      const size = sizeOverride ?? built.size;
      const figFiles: string[] = [];
      const meta = { title: built.title, size };
      if (formats.includes("html")) {
        const { exportFigure } = await import("../plot/export");
        await exportFigure(built.figure, join(out, `${built.id}.html`), meta);
        figFiles.push(`${built.id}.html`);
      }
      if (browser && !browserFailed) {
        const te = Date.now();
        try {
          exporter ??= await browser;
        } catch (e) {
          browserFailed = true;
          failures++;
          console.error(`flowlab figures: cannot export ${imageFormats.join(", ")}: ${e instanceof Error ? e.message : String(e)}`);
        }
        try {
          for (const f of exporter ? imageFormats : []) {
            await exporter?.export(built.figure, join(out, `${built.id}.${f}`), { ...meta, scale });
            figFiles.push(`${built.id}.${f}`);
          }
          if (exporter) console.log(`${built.id}: exported ${imageFormats.join(", ")} (${size}) in ${seconds(Date.now() - te)}`);
        } catch (e) {
          failures++;
          console.error(`${built.id}: export failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      entries.push({
        id: built.id,
        experiment: exp.id,
        title: built.title,
        paper: exp.paper,
        paperFigure: built.paperFigure,
        caption: built.caption,
        size,
        mode,
        configHash: r.hash,
        codeHash: r.codeHash,
        config: r.config,
        version: VERSION,
        engine,
        // The experiment's tables belong to every figure drawn from them.
        files: [...figFiles, ...files],
      });
    }
    runs[exp.id] = { runtimeMs: r.computeMs, cached: r.cache === "hit", finishedAt: new Date().toISOString(), gitCommit: commit, backend: r.backend };
    const mine = r.claims.map((c) => ({ experiment: exp.id, ...c }));
    rows.push(...mine);
    if (executor.remote) console.log(formatClaimsTable(mine));
  };

  let writing: Promise<void> = Promise.resolve();
  const runOne = async (exp: Experiment): Promise<void> => {
    try {
      const r = await runExperiment(exp, { mode, cache: flags["no-cache"] !== true, executor, onTask: display?.onTask });
      writing = writing.then(() => (interrupted === null ? write(exp, r) : undefined));
      await writing;
    } catch (e) {
      if (isCancelled(e)) {
        interrupted ??= e.message;
        return;
      }
      failures++;
      display?.clear();
      console.error(`${exp.id}: failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  try {
    // With workers, every experiment starts at once and queues its tasks (the workers bound the parallelism);
    // in this process they run one after another as before.
    if (executor.remote) await Promise.all(experiments.map(runOne));
    else for (const exp of experiments) if (interrupted === null) await runOne(exp);
  } finally {
    process.off("SIGINT", onSigint);
    display?.clear();
    await executor.close();
    // Also closes a browser that started but was never used (an experiment threw first).
    const open = exporter ?? (browser ? await browser.catch(() => null) : null);
    await open?.close();
  }
  // After an interrupt, the experiments that finished (their files are whole) still enter the manifest, report
  // and gallery, so the folder stays consistent; the interrupted ones keep their previous entries.
  const finishedIds = interrupted === null ? experiments.map((e) => e.id) : Object.keys(runs);
  if (finishedIds.length > 0) {
    writeGallery(out, updateManifest(out, entries, finishedIds), updateReport(out, rows));
    updateLastRun(out, runs);
  }
  if (interrupted !== null) {
    console.error(`${interrupted}${finishedIds.length > 0 ? ` (the ${finishedIds.length} experiment(s) that finished are in the manifest)` : ""}`);
    return 130;
  }
  const rel = (p: string): string => (isAbsolute(p) && p.startsWith(root) ? p.slice(root.length + 1) || "." : p);
  console.log(`wrote ${rel(join(out, "manifest.json"))}, ${rel(join(out, "report.json"))}, ${rel(join(out, "README.md"))} (timings: ${rel(join(out, LAST_RUN_FILE))}) in ${seconds(Date.now() - t0)}\n`);
  console.log(formatClaimsTable(rows));
  return failures === 0 && !rows.some(failing) ? 0 : 1;
}
