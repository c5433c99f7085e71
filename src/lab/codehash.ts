/**
 * Content hashes of code: what a cached result depends on besides its config. The hash of a module is the
 * hash of its module graph: the text of the module file and of every file it reaches through relative
 * `require(...)`/`import ... from`/`import(...)` specifiers (resolved as Node and tsx do: .js/.ts/.json,
 * /index), plus name@version of every package it imports.
 *
 * Why the module graph and not the whole built library: an edit to one paper's experiment (or to a flow only
 * some papers use) then invalidates exactly the results that ran that code, which is what makes a one-line
 * change cheap. It is exact for the project's code because the project only loads its own modules through
 * literal relative specifiers (checked: no computed requires in src/), and it over-approximates (type-only
 * imports and imports in comments count), which can only cause a recompute, never a stale hit. What it does
 * not see: data files read at run time (named by the config instead) and the Node/tfjs backend (recorded in
 * each cache entry). The derivative engine asked for (FLOWLAB_ENGINE: auto, f64 or tfjs) is part of the hash:
 * it decides float64 or float32 arithmetic, so it changes the numbers as an edit would. Hashes are of what runs: under tsx the .ts sources, under node the built dist/*.js, so a
 * submitter and its workers must both run from dist (or both from src).
 */
import { builtinModules } from "node:module";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "./hash";
import { requestedEngine } from "../autodiff/select";

const SPECIFIER = /\brequire\s*\(\s*["']([^"'\n]+)["']\s*\)|\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)|\b(?:from|import)\s+["']([^"'\n]+)["']/g;
const BUILTIN = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

export interface CodeHash {
  /** Hex SHA-256 of the module graph. */
  hash: string;
  /** The graph's files, relative to the entry module's folder. */
  files: string[];
  /** name@version of the packages it imports. */
  packages: string[];
}

const graphs = new Map<string, CodeHash>();

/** Forgets computed hashes (tests that edit modules; a long-lived kernel after a rebuild). */
export function clearCodeHashes(): void {
  graphs.clear();
}

function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  const ownExt = from.endsWith(".ts") ? [".ts", ".js"] : [".js", ".ts"];
  const candidates = [base, ...ownExt.map((e) => base + e), `${base}.json`, ...ownExt.map((e) => join(base, `index${e}`))];
  // A .js specifier in TS source names the .ts file beside it.
  if (base.endsWith(".js")) candidates.splice(1, 0, `${base.slice(0, -3)}.ts`);
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const packageVersions = new Map<string, string>();

function packageVersion(name: string, from: string): string {
  const memo = packageVersions.get(`${name}\0${dirname(from)}`);
  if (memo) return memo;
  let version = "unresolved";
  try {
    let dir = dirname(require.resolve(name, { paths: [dirname(from), __dirname] }));
    for (;;) {
      const pj = join(dir, "package.json");
      if (existsSync(pj)) {
        const parsed = JSON.parse(readFileSync(pj, "utf8")) as { name?: string; version?: string };
        if (parsed.name === name) {
          version = parsed.version ?? "unversioned";
          break;
        }
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  } catch {
    version = "unresolved"; // an optional package not installed: its absence is part of the hash
  }
  packageVersions.set(`${name}\0${dirname(from)}`, version);
  return version;
}

/** The hash of `entry`'s module graph (memoized per process; see clearCodeHashes). */
export function moduleGraphHash(entry: string): CodeHash {
  const file = resolve(entry.startsWith("file:") ? fileURLToPath(entry) : entry);
  const memo = graphs.get(file) ?? graphOf(file);
  graphs.set(file, memo);
  return { ...memo, hash: sha256(`${memo.hash}\nengine=${requestedEngine()}`) };
}

function graphOf(file: string): CodeHash {
  const root = dirname(file);
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [file];
  const parts: string[] = [];
  while (stack.length > 0) {
    const f = stack.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    const text = readFileSync(f, "utf8");
    parts.push(`${relative(root, f).split(sep).join("/")}\0${sha256(text)}`);
    if (f.endsWith(".json")) continue;
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith(".")) {
        const target = resolveRelative(f, spec);
        // An unresolvable relative specifier (e.g. in a comment or a template) counts by its text.
        if (target) stack.push(target);
        else parts.push(`unresolved\0${spec}`);
      } else if (!BUILTIN.has(spec) && !spec.startsWith("node:")) {
        const name = packageName(spec);
        packages.add(`${name}@${packageVersion(name, f)}`);
      }
    }
  }
  parts.sort();
  const pkgs = [...packages].sort();
  return { hash: sha256([...parts, ...pkgs].join("\n")), files: parts.map((p) => p.split("\0")[0]), packages: pkgs };
}

/**
 * The file of the module that called the function calling `callerFile` (one frame further per `skip`): how
 * `registerExperiment` and `defineTask` learn which module graph to hash without being told.
 */
export function callerFile(skip = 0): string {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_e, frames) => frames;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, callerFile);
    const frames = holder.stack ?? [];
    const frame = frames[1 + skip];
    const name = frame?.getFileName() ?? null;
    if (!name) throw new Error("cannot tell the calling module from the stack; pass its file explicitly");
    return name.startsWith("file:") ? fileURLToPath(name) : name;
  } finally {
    Error.prepareStackTrace = original;
  }
}

/** A short code version for messages: "0.1.0+1a2b3c4d". */
export function codeLabel(version: string, hash: string): string {
  return `${version}+${hash.slice(0, 8)}`;
}
