/**
 * figures/manifest.json (what each figure file is and where it came from) and figures/report.json (every claim
 * with its measured value). Runs of a subset (`--only`) update their own entries and keep the others.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "../atomic";
import { failing, type ClaimRow } from "./claims";
import type { FigureSize, RunMode } from "./types";

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
  configHash: string;
  config: object;
  version: string;
  gitCommit: string | null;
  backend: string | null;
  /** Compute time of the run behind the results (from the cache entry when cached). */
  runtimeMs: number;
  cached: boolean;
  generatedAt: string;
  /** File names relative to the manifest's folder. */
  files: string[];
}

export interface Manifest {
  generatedAt: string;
  figures: ManifestEntry[];
}

export interface Report {
  generatedAt: string;
  passed: boolean;
  claims: ClaimRow[];
}

/** HEAD's commit hash, or null outside a git checkout (read-only: `git rev-parse HEAD`). */
export function gitCommit(cwd: string): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() || null;
  } catch {
    return null;
  }
}

function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return null; // an unreadable old manifest is replaced, not merged
  }
}

/**
 * Merges `entries` into dir/manifest.json: entries of the experiments in `experiments` (default: those of the
 * entries) are replaced as a whole, so a figure an experiment no longer draws disappears; others are kept.
 */
export function updateManifest(dir: string, entries: ManifestEntry[], experiments: string[] = entries.map((e) => e.experiment)): Manifest {
  const path = join(dir, "manifest.json");
  const old = readJson<Manifest>(path);
  const fresh = new Set(entries.map((e) => e.id));
  const rerun = new Set(experiments);
  // Old entries (before figures had an experiment field) used the experiment id as figure id.
  const kept = old && Array.isArray(old.figures) ? old.figures.filter((e) => !fresh.has(e.id) && !rerun.has(e.experiment ?? e.id)) : [];
  const manifest: Manifest = { generatedAt: new Date().toISOString(), figures: [...kept, ...entries].sort((a, b) => a.id.localeCompare(b.id)) };
  writeJsonAtomic(path, manifest);
  return manifest;
}

export function updateReport(dir: string, claims: ClaimRow[]): Report {
  const path = join(dir, "report.json");
  const old = readJson<Report>(path);
  const fresh = new Set(claims.map((c) => c.experiment));
  const kept = old && Array.isArray(old.claims) ? old.claims.filter((c) => !fresh.has(c.experiment)) : [];
  const all = [...kept, ...claims].sort((a, b) => a.experiment.localeCompare(b.experiment));
  const report: Report = { generatedAt: new Date().toISOString(), passed: !all.some(failing), claims: all };
  writeJsonAtomic(path, report);
  return report;
}
