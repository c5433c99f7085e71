/**
 * Atomic file writes: write a temp file beside the target, fsync it, then rename over the target, so an
 * interrupted run never leaves half a file (readers see the old file or the new one).
 */
import { accessSync, closeSync, constants as fsConstants, existsSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

let counter = 0;

export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, typeof contents === "string" ? Buffer.from(contents, "utf8") : contents);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

// ---------------------------------------------------------------------------------------------------------
// Output folders written as a whole

export interface StagedDirOptions {
  /** The argument that named the folder, for messages (e.g. "--out"). */
  argument: string;
  /** Whether a folder holding a previous run may be replaced (e.g. --force); without it such a folder is refused. */
  replace: boolean;
  /** The flag that allows replacing, for the refusal message (e.g. "--force"). */
  replaceFlag: string;
  /** Whether a file name is one this command writes: a folder holding only such files is a previous run. */
  ownFile: (name: string) => boolean;
}

export interface StagedDir {
  /** The final folder (absolute). */
  readonly target: string;
  /** The temporary folder beside it to write into. */
  readonly path: string;
  /** Moves the staged set into place, replacing a previous run as a whole. */
  commit(): void;
  /** Removes the staged set (the target is left as it was). */
  discard(): void;
}

const STAGING = ".staging-";

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    EROFS: "the file system is read-only",
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    ENOENT: "the folder does not accept new entries",
    ENOSPC: "no space left on the device",
    ENOTDIR: "a part of the path is a file",
  };
  return code && why[code] ? `${why[code]} (${code})` : e instanceof Error ? e.message : String(e);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why `target` cannot receive a new set of outputs, or null if it can (absent, empty, or a replaceable earlier run). */
function refusal(target: string, o: StagedDirOptions): string | null {
  let st;
  try {
    st = lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    return `${o.argument} ${target}: cannot be used: ${errnoText(e)}`;
  }
  if (!st.isDirectory()) return `${o.argument} ${target}: exists and is not a folder; give a folder path (created if missing)`;
  const entries = readdirSync(target);
  if (entries.length === 0) return null;
  const foreign = entries.filter((n) => !o.ownFile(n));
  if (foreign.length > 0) {
    return `${o.argument} ${target}: is a folder holding other files (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}); refusing to replace it: give a new or empty folder`;
  }
  if (!o.replace) return `${o.argument} ${target}: holds a previous run (${entries.slice(0, 4).join(", ")}${entries.length > 4 ? ", …" : ""}); pass ${o.replaceFlag} to replace it as a whole, or give another folder`;
  return null;
}

/**
 * Checks an output folder before any work and creates a temporary folder beside it (same file system, so the
 * final move is a rename). The set written there replaces the target only on `commit()`, as a whole: readers
 * never see a mix of two runs or a partial set. Temporary folders of runs that died (SIGKILL, Ctrl-C during a
 * synchronous computation) are removed by the next run on the same target.
 */
export function stageDir(target: string, o: StagedDirOptions): StagedDir {
  const abs = resolve(target);
  const why = refusal(abs, o);
  if (why) throw new Error(why);
  const parent = dirname(abs);
  const base = basename(abs);
  // Create missing parents one level at a time: mkdirSync({recursive}) never returns on some paths (/proc/x).
  const missing: string[] = [];
  let existing = parent;
  for (;;) {
    try {
      const st = statSync(existing);
      if (!st.isDirectory()) throw new Error(`${o.argument} ${target}: ${existing} is not a folder`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e instanceof Error && e.message.startsWith(o.argument) ? e : new Error(`${o.argument} ${target}: cannot use ${existing}: ${errnoText(e)}`);
      missing.unshift(existing);
      const up = dirname(existing);
      if (up === existing) break;
      existing = up;
    }
  }
  try {
    for (const m of missing) mkdirSync(m);
    accessSync(parent, fsConstants.W_OK);
  } catch (e) {
    throw new Error(`${o.argument} ${target}: cannot create or write in ${missing[0] ?? parent}: ${errnoText(e)}`);
  }
  const prefix = `.${base}${STAGING}`;
  for (const name of readdirSync(parent)) {
    const pid = Number(name.startsWith(prefix) ? name.slice(prefix.length).split("-")[0] : NaN);
    if (Number.isInteger(pid) && pid !== process.pid && !processAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  let path: string;
  try {
    path = mkdtempSync(join(parent, `${prefix}${process.pid}-`));
  } catch (e) {
    throw new Error(`${o.argument} ${target}: cannot write in ${parent}: ${errnoText(e)}`);
  }
  const discard = (): void => rmSync(path, { recursive: true, force: true });
  const commit = (): void => {
    const late = refusal(abs, o); // another run may have written there meanwhile
    if (late) {
      discard();
      throw new Error(late);
    }
    if (!existsSync(abs)) {
      renameSync(path, abs);
      return;
    }
    const old = mkdtempSync(join(parent, `${prefix}${process.pid}-old-`));
    const moved = join(old, base);
    renameSync(abs, moved);
    try {
      renameSync(path, abs);
    } catch (e) {
      renameSync(moved, abs); // put the previous run back
      throw e;
    }
    rmSync(old, { recursive: true, force: true });
  };
  return { target: abs, path, commit, discard };
}

// ---------------------------------------------------------------------------------------------------------
// A lock file for read-modify-write updates shared by processes (figures/manifest.json)

const held = new Map<string, number>();

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The pid recorded in a lock file, or null if it cannot be read (being written, or removed meanwhile). */
function lockHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Runs `fn` holding `lockPath` (created with O_EXCL, holding our pid). Waits for another holder up to
 * `timeoutMs`; a lock left by a process that no longer exists is taken over. Re-entrant within a process.
 */
export function withFileLock<T>(lockPath: string, fn: () => T, timeoutMs = 60_000): T {
  const path = resolve(lockPath);
  const depth = held.get(path) ?? 0;
  if (depth > 0) {
    held.set(path, depth + 1);
    try {
      return fn();
    } finally {
      held.set(path, depth);
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(100, wait * 2)) {
    try {
      const fd = openSync(path, "wx");
      try {
        writeSync(fd, `${process.pid}\n${new Date().toISOString()}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`${path}: cannot create the lock file: ${errnoText(e)}`);
    }
    const holder = lockHolder(path);
    if (holder !== null && holder !== process.pid && !processAlive(holder)) {
      rmSync(path, { force: true }); // stale: its process died holding it
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${path}: held by process ${holder ?? "?"} for over ${Math.round(timeoutMs / 1000)} s; if no other flowlab run is active, delete the file and run again`);
    }
    sleepSync(wait);
  }
  held.set(path, 1);
  try {
    return fn();
  } finally {
    held.delete(path);
    rmSync(path, { force: true });
  }
}
