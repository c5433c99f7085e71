/**
 * The results cache: data/results/<experiment>/<hash>.json, one file per (experiment, library version, code
 * hash of the experiment's module graph, full config), and data/results/tasks/<kind>/<hash>.json, one file
 * per task result (kind, version, code hash of the task's module graph, config). A file is a header line (JSON metadata with the SHA-256 of the body) and a body line
 * (the tables, non-finite numbers spelled as strings). Any entry that fails to parse, whose checksum or key
 * does not match, or whose tables are malformed is reported corrupt, and the caller recomputes it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../atomic";
import { hashOf, sha256 } from "./hash";
import { toTables } from "./tables";
import { decodeResult, taskHash, type TaskKey } from "./task";
import type { Tables } from "./types";

export const CACHE_FORMAT = "flowlab-results/1";

/** Everything a cached result depends on. */
export interface CacheKey {
  experiment: string;
  version: string;
  /** Hash of the experiment module's graph (codehash.ts). */
  code: string;
  config: object;
}

export interface CacheMeta extends CacheKey {
  format: string;
  hash: string;
  createdAt: string;
  /** Compute time of the run that produced the entry. */
  runtimeMs: number;
  backend: string | null;
  bodySha256: string;
}

export interface CacheEntry {
  meta: CacheMeta;
  tables: Tables;
}

export type CacheLookup = { status: "hit"; entry: CacheEntry; path: string } | { status: "miss"; path: string } | { status: "corrupt"; reason: string; path: string };

/** The project root (src/lab and dist/lab are both two levels below it). */
export function projectRoot(): string {
  return resolve(__dirname, "..", "..");
}

/** FLOWLAB_RESULTS if set, else <project>/data/results. */
export function defaultResultsDir(): string {
  return process.env.FLOWLAB_RESULTS ? resolve(process.env.FLOWLAB_RESULTS) : join(projectRoot(), "data", "results");
}

export function cacheHash(key: CacheKey): string {
  return hashOf({ experiment: key.experiment, version: key.version, code: key.code, config: key.config });
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

function encodeBody(tables: Tables): string {
  return JSON.stringify(tables, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}

function decodeBody(body: string): Tables {
  const raw = JSON.parse(body, (_k, v: unknown) => (typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v)) as unknown;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error("body is not an object of tables");
  for (const [name, t] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof t !== "object" || t === null || Array.isArray(t)) throw new Error(`table ${name} is not an object of columns`);
  }
  return toTables(raw as Tables);
}

/** A cache file: one JSON header line (with `format`), then the body; throws on a missing header or another format. */
function readEntry<M extends { format: unknown }>(path: string, format: string): { meta: M; body: string } {
  const text = readFileSync(path, "utf8");
  const newline = text.indexOf("\n");
  if (newline < 0) throw new Error("no header line");
  const meta = JSON.parse(text.slice(0, newline)) as M;
  if (meta.format !== format) throw new Error(`format ${String(meta.format)}, expected ${format}`);
  return { meta, body: text.slice(newline + 1).trimEnd() };
}

export class ResultsCache {
  constructor(readonly dir: string = defaultResultsDir()) {}

  path(experiment: string, hash: string): string {
    return join(this.dir, experiment, `${hash}.json`);
  }

  read(key: CacheKey): CacheLookup {
    const hash = cacheHash(key);
    const path = this.path(key.experiment, hash);
    if (!existsSync(path)) return { status: "miss", path };
    try {
      const { meta, body } = readEntry<CacheMeta>(path, CACHE_FORMAT);
      if (meta.hash !== hash || cacheHash(meta) !== hash) throw new Error("key does not match its file name");
      if (sha256(body) !== meta.bodySha256) throw new Error("checksum mismatch");
      return { status: "hit", entry: { meta, tables: decodeBody(body) }, path };
    } catch (e) {
      return { status: "corrupt", reason: e instanceof Error ? e.message : String(e), path };
    }
  }

  /** Writes atomically; returns the entry as it will read back. */
  write(key: CacheKey, tables: Tables, info: { runtimeMs: number; backend: string | null }): CacheEntry {
    const hash = cacheHash(key);
    const body = encodeBody(tables);
    const meta: CacheMeta = {
      format: CACHE_FORMAT,
      experiment: key.experiment,
      version: key.version,
      code: key.code,
      config: key.config,
      hash,
      createdAt: new Date().toISOString(),
      runtimeMs: info.runtimeMs,
      backend: info.backend,
      bodySha256: sha256(body),
    };
    writeFileAtomic(this.path(key.experiment, hash), `${JSON.stringify(meta)}\n${body}\n`);
    return { meta, tables };
  }
}

export interface TaskCacheMeta extends TaskKey {
  format: string;
  hash: string;
  createdAt: string;
  /** Compute time of the task that produced the entry. */
  runtimeMs: number;
  backend: string | null;
  bodySha256: string;
}

export type TaskLookup = { status: "hit"; meta: TaskCacheMeta; result: unknown; path: string } | { status: "miss"; path: string } | { status: "corrupt"; reason: string; path: string };

export const TASK_CACHE_FORMAT = "flowlab-task/1";

/** Task results: <dir>/tasks/<kind>/<hash>.json, the same header-line + checksummed-body format. */
export class TaskCache {
  constructor(readonly dir: string = defaultResultsDir()) {}

  path(key: TaskKey): string {
    return join(this.dir, "tasks", key.kind, `${taskHash(key)}.json`);
  }

  read(key: TaskKey): TaskLookup {
    const hash = taskHash(key);
    const path = this.path(key);
    if (!existsSync(path)) return { status: "miss", path };
    try {
      const { meta, body } = readEntry<TaskCacheMeta>(path, TASK_CACHE_FORMAT);
      if (meta.hash !== hash || taskHash({ kind: meta.kind, version: meta.version, code: meta.code, config: meta.config }) !== hash) throw new Error("key does not match its file name");
      if (sha256(body) !== meta.bodySha256) throw new Error("checksum mismatch");
      return { status: "hit", meta, result: decodeResult(body), path };
    } catch (e) {
      return { status: "corrupt", reason: e instanceof Error ? e.message : String(e), path };
    }
  }

  /** Writes atomically. `body` is the encoded result (encodeResult), as it came from a worker. */
  write(key: TaskKey, body: string, info: { runtimeMs: number; backend: string | null }): void {
    const meta: TaskCacheMeta = {
      format: TASK_CACHE_FORMAT,
      kind: key.kind,
      version: key.version,
      code: key.code,
      config: key.config,
      hash: taskHash(key),
      createdAt: new Date().toISOString(),
      runtimeMs: info.runtimeMs,
      backend: info.backend,
      bodySha256: sha256(body),
    };
    writeFileAtomic(this.path(key), `${JSON.stringify(meta)}\n${body}\n`);
  }
}

