/**
 * figures/manifest.json (what each figure file is and where it came from) and figures/report.json (every claim
 * with its measured value) hold only what follows from the code and the config, so rerunning unchanged code
 * leaves these tracked files as they are. What changes every run (timings, cache hits, the commit, the time) goes
 * to the untracked figures/.last-run.json. Runs of a subset (`--only`) update their own entries and keep the
 * others, in all three files.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withFileLock, writeJsonAtomic } from "../atomic";
import { listExperiments } from "./registry";
import { failing, type ClaimRow } from "./claims";
import type { FigureSize, RunMode } from "./types";
import type { EngineChoice } from "../autodiff/select";

/** One figure: its files, where it came from, and what it shows. Claims stay per experiment (report.json). */
export interface ManifestEntry {
  /** The figure id (file stem). */
  id: string;
  /** The experiment that produced it (claims are keyed by this id); absent in manifests older than FigureSpec. */
  experiment: string;
  title: string;
  paper: string;
  /** The paper figure reproduced. */
  paperFigure: string;
  /** Run settings and what the reader sees. */
  caption: string;
  /** The final physical size the files were exported at. */
  size: FigureSize;
  mode: RunMode;
  /** The results cache key's hash (experiment, version, code hash, config). */
  configHash: string;
  /** Hash of the experiment's code (its module graph), part of the cache key. */
  codeHash: string;
  config: object;
  version: string;
  /**
   * The derivative engine asked for (FLOWLAB_ENGINE, default auto; part of the code hash). Papers resolve it per
   * objective (autodiff/select), so one experiment may use several; null when not known.
   */
  engine: EngineChoice | null;
  /** File names relative to the manifest's folder. */
  files: string[];
  /** Set on entries rebuilt from the files present after the manifest was found corrupt (no provenance known). */
  rebuiltFromFiles?: true;
}

export interface Manifest {
  figures: ManifestEntry[];
}

export interface Report {
  passed: boolean;
  claims: ClaimRow[];
}

/** One experiment's last run: what changes from run to run, kept out of the tracked files. */
export interface ExperimentRun {
  /** Compute time of the results (on a cache hit: of the run that made the cache entry). */
  runtimeMs: number;
  /** The results came from the cache. */
  cached: boolean;
  /** When the run wrote the experiment's files (ISO 8601). */
  finishedAt: string;
  /** HEAD's commit at that time, or null outside a git checkout. */
  gitCommit: string | null;
  /**
   * The tfjs backend recorded with the results (from the cache entry when cached). Not in the tracked manifest:
   * for an experiment assembled from tasks it is the submitting process's runtime, which depends on what that
   * process ran before (the tasks' own backends are in their cache entries).
   */
  backend?: string | null;
}

/** <dir>/.last-run.json: the last run of each experiment whose figures are in the folder. */
export interface LastRun {
  experiments: Record<string, ExperimentRun>;
}

/** The untracked file beside manifest.json with the run's timings (see LastRun). */
export const LAST_RUN_FILE = ".last-run.json";

/** The fields of a manifest entry, in the order they are written (older manifests had more; they are dropped). */
const ENTRY_KEYS = ["id", "experiment", "title", "paper", "paperFigure", "caption", "size", "mode", "configHash", "codeHash", "config", "version", "engine", "files", "rebuiltFromFiles"] as const;

function trackedEntry(e: ManifestEntry): ManifestEntry {
  const out: Record<string, unknown> = {};
  for (const k of ENTRY_KEYS) if (e[k] !== undefined) out[k] = e[k];
  return out as unknown as ManifestEntry;
}

/** HEAD's commit hash, or null outside a git checkout (read-only: `git rev-parse HEAD`). */
export function gitCommit(cwd: string): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** A JSON file: absent, parsed, or corrupt (with the reason). */
type JsonRead<T> = { status: "absent" } | { status: "ok"; value: T } | { status: "corrupt"; reason: string };

function readJson<T>(path: string, valid: (v: unknown) => boolean): JsonRead<T> {
  if (!existsSync(path)) return { status: "absent" };
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    return { status: "corrupt", reason: e instanceof Error ? e.message : String(e) };
  }
  return valid(value) ? { status: "ok", value: value as T } : { status: "corrupt", reason: "not the expected structure" };
}

/** Keeps the corrupt file beside the new one for inspection; returns its name. */
function keepCorrupt(path: string): string {
  const copy = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  copyFileSync(path, copy);
  return copy;
}

/** The lock that serializes read-modify-write updates of a figures folder's manifest and report across processes. */
export function withManifestLock<T>(dir: string, fn: () => T): T {
  return withFileLock(join(dir, ".manifest.lock"), fn);
}

const FIGURE_FILE = /\.(csv|html|svg|pdf|png)$/;

/**
 * Entries for the figure files in `dir` (<id>.<ext> and <id>.<table>.csv), without provenance: what a corrupt
 * manifest is rebuilt from. Ids of registered experiments are matched first (they may contain dots).
 */
export function entriesFromFiles(dir: string, mode: RunMode): ManifestEntry[] {
  const figures = listExperiments().flatMap((e) => e.figures.map((f) => ({ experiment: e, figure: f })));
  const known = figures.map((f) => ({ id: f.figure.id })).sort((a, b) => b.id.length - a.id.length);
  const byId = new Map<string, string[]>();
  for (const name of readdirSync(dir).sort()) {
    if (!FIGURE_FILE.test(name) || name.startsWith(".")) continue;
    const id = known.find((e) => name.startsWith(`${e.id}.`))?.id ?? name.slice(0, name.indexOf("."));
    byId.set(id, [...(byId.get(id) ?? []), name]);
  }
  return [...byId].map(([id, files]) => {
    const found = figures.find((f) => f.figure.id === id);
    const exp = found?.experiment;
    return {
      id,
      experiment: exp?.id ?? id,
      title: found?.figure.title ?? id,
      paper: exp?.paper ?? "",
      paperFigure: found?.figure.paperFigure ?? "",
      caption: "",
      size: found?.figure.size ?? "text",
      mode,
      configHash: "",
      codeHash: "",
      config: {},
      version: "",
      engine: null,
      files,
      rebuiltFromFiles: true,
    };
  });
}

const isManifest = (v: unknown): boolean => typeof v === "object" && v !== null && Array.isArray((v as Manifest).figures);
const isReport = (v: unknown): boolean => typeof v === "object" && v !== null && Array.isArray((v as Report).claims);
const isLastRun = (v: unknown): boolean => typeof v === "object" && v !== null && typeof (v as LastRun).experiments === "object" && (v as LastRun).experiments !== null;

/** The per-run fields manifests written before .last-run.json carried in each entry. */
interface LegacyEntry {
  id: string;
  experiment?: string;
  runtimeMs?: unknown;
  cached?: unknown;
  generatedAt?: unknown;
  gitCommit?: unknown;
}

function legacyRuns(entries: LegacyEntry[]): Record<string, ExperimentRun> {
  const out: Record<string, ExperimentRun> = {};
  for (const e of entries) {
    if (typeof e.runtimeMs !== "number") continue;
    out[e.experiment ?? e.id] = {
      runtimeMs: e.runtimeMs,
      cached: e.cached === true,
      finishedAt: typeof e.generatedAt === "string" ? e.generatedAt : "",
      gitCommit: typeof e.gitCommit === "string" ? e.gitCommit : null,
    };
  }
  return out;
}

/**
 * The last run of each experiment in `dir`: <dir>/.last-run.json, completed by the per-run fields an older
 * manifest.json still carries (so the first run after the change learns from them). Empty when neither exists;
 * a corrupt file counts as absent (it is only timings).
 */
export function readLastRun(dir: string): LastRun {
  const file = readJson<LastRun>(join(dir, LAST_RUN_FILE), isLastRun);
  const manifest = readJson<{ figures: LegacyEntry[] }>(join(dir, "manifest.json"), isManifest);
  const legacy = manifest.status === "ok" ? legacyRuns(manifest.value.figures) : {};
  return { experiments: { ...legacy, ...(file.status === "ok" ? file.value.experiments : {}) } };
}

/** Compute time (ms) of each experiment's last run in `dir`, keyed by experiment id: what a run-level ETA learns from. */
export function lastRuntimes(dir: string): Map<string, number> {
  return new Map(Object.entries(readLastRun(dir).experiments).map(([id, r]) => [id, r.runtimeMs]));
}

/** Merges `runs` (by experiment id) into <dir>/.last-run.json under the folder's lock. */
export function updateLastRun(dir: string, runs: Record<string, ExperimentRun>): LastRun {
  return withManifestLock(dir, () => {
    const old = readLastRun(dir).experiments;
    const merged = { ...old, ...runs };
    const last: LastRun = { experiments: Object.fromEntries(Object.keys(merged).sort().map((k) => [k, merged[k]])) };
    writeJsonAtomic(join(dir, LAST_RUN_FILE), last);
    return last;
  });
}

/**
 * Merges `entries` into <dir>/manifest.json under the folder's lock, so concurrent runs never lose each other's
 * entries. Entries of the experiments in `experiments` (default: those of the entries) are replaced as a whole, so a
 * figure an experiment no longer draws disappears; others are kept. A corrupt manifest is kept as manifest.json.corrupt-<time> and rebuilt from the figure files present,
 * with a warning on stderr.
 */
export function updateManifest(dir: string, entries: ManifestEntry[], experiments: string[] = entries.map((e) => e.experiment)): Manifest {
  const path = join(dir, "manifest.json");
  return withManifestLock(dir, () => {
    const old = readJson<Manifest>(path, isManifest);
    let kept: ManifestEntry[] = [];
    if (old.status === "ok") {
      kept = old.value.figures;
      // An older manifest's per-run fields move to .last-run.json before the rewrite drops them.
      if (Object.keys(legacyRuns(kept as LegacyEntry[])).length > 0) updateLastRun(dir, {});
    } else if (old.status === "corrupt") {
      const copy = keepCorrupt(path);
      kept = entriesFromFiles(dir, entries[0]?.mode ?? "full");
      console.warn(
        `warning: ${path} is corrupt (${old.reason}); kept it as ${copy} and rebuilt the manifest from the ${kept.length} figure(s) whose files are present (entries marked rebuiltFromFiles, without provenance)`,
      );
    }
    const fresh = new Set(entries.map((e) => e.id));
    const rerun = new Set(experiments);
    // Old entries (before figures had an experiment field) used the experiment id as figure id.
    const others = kept.filter((e) => !fresh.has(e.id) && !rerun.has(e.experiment ?? e.id));
    const manifest: Manifest = { figures: [...others, ...entries].map(trackedEntry).sort((a, b) => a.id.localeCompare(b.id)) };
    writeJsonAtomic(path, manifest);
    return manifest;
  });
}

/** Merges `claims` into <dir>/report.json under the folder's lock; a corrupt report is kept aside, with a warning. */
export function updateReport(dir: string, claims: ClaimRow[]): Report {
  const path = join(dir, "report.json");
  return withManifestLock(dir, () => {
    const old = readJson<Report>(path, isReport);
    if (old.status === "corrupt") {
      console.warn(`warning: ${path} is corrupt (${old.reason}); kept it as ${keepCorrupt(path)}; the new report holds only this run's claims`);
    }
    const fresh = new Set(claims.map((c) => c.experiment));
    const kept = old.status === "ok" ? old.value.claims.filter((c) => !fresh.has(c.experiment)) : [];
    const all = [...kept, ...claims].sort((a, b) => a.experiment.localeCompare(b.experiment));
    const report: Report = { passed: !all.some(failing), claims: all };
    writeJsonAtomic(path, report);
    return report;
  });
}
