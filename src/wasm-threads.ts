/**
 * Multi-threaded WebAssembly under Node. @tensorflow/tfjs-backend-wasm 4.22 ships a threaded+SIMD binary
 * (tfjs-backend-wasm-threaded-simd.wasm, XNNPACK on a pthreadpool of Emscripten workers) but never uses it
 * in Node, for four reasons, each worked around here for the duration of one `tf.setBackend("wasm")`:
 *
 * 1. Its WASM_HAS_MULTITHREAD_SUPPORT flag returns false whenever IS_NODE (tensorflow/tfjs#3830).
 *    → the flag is set to true.
 * 2. It hands Emscripten the pthread worker script and the module's main script as blob: URLs; Node's
 *    `new Worker()` refuses blob: URLs (ERR_WORKER_PATH) and the worker's importScripts reads files only.
 *    → while it initializes, `Blob`/`URL.createObjectURL` write those scripts to a temporary folder and hand
 *      out file paths; the worker script is prefixed so that its own createObjectURL returns the main script's.
 * 3. The main script is the factory's source text, which refers to names of the bundle around it
 *    (commonjsGlobal, require$$0..4: fs, path, perf_hooks, os), undefined inside a worker.
 *    → the main script is prefixed with those definitions (checked against the installed bundle's source).
 * 4. Its C++ caps the pool at emscripten_num_logical_cores()/2, assuming two hyper-threads per core: one
 *    thread on a 2-core machine. In Node that count is `os.cpus().length`.
 *    → during initialization `os.cpus()` reports 2·n entries, so the cap is the n asked for.
 *
 * The workers all load during initialization (Emscripten pre-spawns 8), so the temporary folder is removed
 * once the backend is ready. XNNPACK splits a matrix product over output tiles, never over the summed
 * dimension, so results are bit-identical for any thread count (test/wasm-threads.test.ts checks gradients
 * and HVPs; scripts/bench-threads.ts checks and times them).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";

/** The tfjs-backend-wasm version whose bundle these workarounds were written and checked against. */
export const THREADED_WASM_VERSION = "4.22.0";

/** Emscripten's pre-spawned worker pool (PTHREAD_POOL_SIZE in tfjs's build); more threads would spawn workers later. */
export const MAX_WASM_THREADS = 8;

/** The bundle-level names the factory source uses (reason 3), as the installed bundle defines them. */
const BUNDLE_NAMES: Array<[string, string]> = [
  ["require$$0", "fs"],
  ["require$$1", "path"],
  ["require$$3", "perf_hooks"],
  ["require$$4", "os"],
];

// The one shared module object the wasm glue reads cpus() from (an `import * as` namespace would be a copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- patched in place, see reason 4
const os: typeof import("node:os") = require("node:os");

const MAIN_SCRIPT_PREFIX = "var WasmBackendModuleThreadedSimd";

interface WasmModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/**
 * Why one thread is the default: on this project's 2-core development machine (shared, load average 14–19)
 * 2 threads ran 1.5–4× slower than 1 (gradients, HVPs and third derivatives of both benchmark models, `npm run
 * bench:threads`) and the backend took seconds instead of 0.2 s to start (8 workers). Measure on your machine.
 */
export const SINGLE_THREAD_DEFAULT =
  "1 by default; FLOWLAB_THREADS=2 starts tfjs's threaded wasm binary (works here, bit-identical results, " +
  "but measured 1.5–4× slower on a loaded 2-core machine: npm run bench:threads compares 1 and 2)";

/** The thread count asked for: FLOWLAB_THREADS if set, else 1 (SINGLE_THREAD_DEFAULT says why). */
export function requestedWasmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FLOWLAB_THREADS;
  if (raw === undefined || raw.trim() === "") return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) throw new Error(`FLOWLAB_THREADS=${raw} is not an integer from 1 to ${MAX_WASM_THREADS}`);
  return n;
}

export interface WasmStart {
  ok: boolean;
  /** Threads XNNPACK computes with. */
  threads: number;
  /** Why fewer threads than cores, if so. */
  note: string | null;
}

/** `tf.setBackend("wasm")` with the threaded binary when more than one thread is asked for and it can start. */
export async function setWasmBackend(threads = requestedWasmThreads()): Promise<WasmStart> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when the wasm backend is chosen
  const wasm: WasmModule = require("@tensorflow/tfjs-backend-wasm");
  const cores = os.availableParallelism();
  const asked = process.env.FLOWLAB_THREADS;
  let note: string | null = threads === 1 && cores > 1 ? (asked ? `FLOWLAB_THREADS=${asked}` : SINGLE_THREAD_DEFAULT) : null;
  if (threads > 1) {
    const unsupported = wasmThreadsUnsupported();
    if (unsupported === null) {
      const undo = prepareWasmThreads(wasm, threads);
      let ok = false;
      try {
        ok = await tf.setBackend("wasm");
      } finally {
        undo();
      }
      if (ok) {
        unrefWorkers();
        return { ok, threads: wasm.getThreadsCount(), note: null };
      }
      note = "the threaded wasm binary failed to start (see the error above); single-threaded";
    } else {
      note = unsupported;
    }
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  wasm.setThreadsCount(1);
  const ok = await tf.setBackend("wasm");
  // The single-threaded binaries have no pool: tfjs reports -1.
  return { ok, threads: ok ? Math.max(1, wasm.getThreadsCount()) : 0, note };
}

/**
 * Lets the process exit while XNNPACK's threads wait for work: Emscripten keeps a worker that runs a pthread
 * referenced (worker.ref()), so Node would wait for the pool forever. The pool's threads never finish by
 * themselves and need no event from the main thread (they wait on futexes in shared memory).
 */
function unrefWorkers(): void {
  const backend = tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: Array<{ unref(): void }>; unusedWorkers: Array<{ unref(): void }> } } };
  const pool = backend.wasm?.PThread;
  if (!pool) throw new Error("the threaded wasm module exposes no PThread pool: cannot let the process exit (src/wasm-threads.ts)");
  for (const w of [...pool.runningWorkers, ...pool.unusedWorkers]) w.unref();
}

/**
 * Why the threaded binary cannot be used here, or null if it can. Checked before touching anything: the
 * package version, Node's SharedArrayBuffer and worker_threads, and that the bundle still defines the
 * names reason 3 supplies.
 */
export function wasmThreadsUnsupported(): string | null {
  let pkgDir: string;
  try {
    pkgDir = join(require.resolve("@tensorflow/tfjs-backend-wasm/package.json"), "..");
  } catch {
    return "@tensorflow/tfjs-backend-wasm is not installed";
  }
  const version = (JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
  if (version !== THREADED_WASM_VERSION) {
    return `tfjs-backend-wasm ${version} is not ${THREADED_WASM_VERSION}, the version whose Node workarounds (src/wasm-threads.ts) were checked`;
  }
  if (typeof SharedArrayBuffer !== "function") return "this Node has no SharedArrayBuffer";
  const bundle = readFileSync(join(pkgDir, "dist", "tf-backend-wasm.node.js"), "utf8");
  for (const [name, mod] of BUNDLE_NAMES) {
    if (!bundle.includes(`var ${name} = require('${mod}');`)) return `the tfjs-backend-wasm bundle no longer defines ${name} = require('${mod}')`;
  }
  return null;
}

/**
 * Prepares the next `tf.setBackend("wasm")` to start the threaded binary with `threads` threads
 * (1 ≤ threads ≤ MAX_WASM_THREADS); call the returned function once it has resolved (or failed) to undo every
 * patch and remove the temporary scripts.
 */
export function prepareWasmThreads(wasm: WasmModule, threads: number): () => void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`wasm threads must be an integer from 1 to ${MAX_WASM_THREADS}, got ${threads}`);
  }
  const dir = mkdtempSync(join(os.tmpdir(), "flowlab-wasm-threads-"));
  const mainPath = join(dir, "main.js");
  const texts = new WeakMap<Blob, string>();
  const RealBlob = globalThis.Blob;
  const realCreate = URL.createObjectURL.bind(URL);
  const createDescriptor = Object.getOwnPropertyDescriptor(URL, "createObjectURL");
  const realCpus = os.cpus;
  let workers = 0;

  class ScriptBlob extends RealBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === "string")) {
        const text = parts.join("");
        texts.set(this, text);
        if (text.startsWith(MAIN_SCRIPT_PREFIX)) {
          const names = BUNDLE_NAMES.map(([name, mod]) => `${name} = require(${JSON.stringify(mod)})`).join(", ");
          writeFileSync(mainPath, `var commonjsGlobal = globalThis, ${names};\n${text}`);
        }
      }
    }
  }
  const createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text === undefined || text.startsWith(MAIN_SCRIPT_PREFIX)) return realCreate(obj);
    // The pthread worker script: inside the worker, the main script's blob resolves to its file.
    const path = join(dir, `worker-${workers++}.js`);
    writeFileSync(path, `URL.createObjectURL = () => ${JSON.stringify(mainPath)}; URL.revokeObjectURL = () => {};\n${text}`);
    return path;
  };

  globalThis.Blob = ScriptBlob;
  Object.defineProperty(URL, "createObjectURL", { value: createObjectURL, configurable: true, writable: true });
  (os as { cpus: typeof os.cpus }).cpus = () => Array.from({ length: 2 * threads }, (_, i) => realCpus()[i % Math.max(1, realCpus().length)]);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasm.setThreadsCount(threads);

  return () => {
    globalThis.Blob = RealBlob;
    if (createDescriptor) Object.defineProperty(URL, "createObjectURL", createDescriptor);
    (os as { cpus: typeof os.cpus }).cpus = realCpus;
    rmSync(dir, { recursive: true, force: true });
  };
}
