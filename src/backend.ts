/**
 * Backend selection. One tfjs engine for the whole process; the backend is chosen once at run time:
 * native (tfjs-node) when it loads, else wasm, else the pure-JS cpu backend. FLOWLAB_BACKEND overrides.
 * Entry points do not call this directly: they call `initBackend()` from src/runtime.ts, which also registers
 * the exact higher-order gradients (this module imports nothing from autodiff/).
 */
import { cpus } from "node:os";
import * as tf from "@tensorflow/tfjs-core";
// The union package registers every op gradient into tfjs's global registry (tfjs-core alone registers none in CommonJS).
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmBackend } from "./wasm-threads";

export { tf };

export const BACKENDS = ["native", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

/** tfjs's own name for each of our backends. */
const TFJS_NAME: Record<BackendName, string> = { native: "tensorflow", wasm: "wasm", cpu: "cpu" };

export interface BackendInfo {
  backend: BackendName;
  tfjsBackend: string;
  tfjsVersion: string;
  /** Why the preferred backends were skipped, in order of preference. */
  skipped: string[];
  /** Threads the backend computes with (native: TF's pool; wasm: XNNPACK's pool, see src/wasm-threads.ts). */
  threads: number;
  /** Why the backend computes with fewer threads than there are cores, if it does. */
  threadsNote?: string | null;
  simd: boolean | null;
}

let current: BackendInfo | null = null;

function parseOverride(value: string | undefined): BackendName | null {
  if (value === undefined || value === "") return null;
  const v = value.trim().toLowerCase();
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`FLOWLAB_BACKEND=${value} is not a backend: allowed values are ${BACKENDS.join(", ")}`);
}

/** Registers the backend's kernels with our tfjs-core; returns null on success, else the reason. */
function load(name: BackendName): string | null {
  try {
    if (name === "native") {
      // An optional dependency: absent where its install script could not download libtensorflow.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only if installed
      require("@tensorflow/tfjs-node");
    } else if (name === "wasm") {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: its .wasm is read at import
      require("@tensorflow/tfjs-backend-wasm");
    }
    return tf.findBackendFactory(TFJS_NAME[name]) ? null : `${name}: no backend registered`;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    return `${name}: ${msg}`;
  }
}

/**
 * Chooses and initializes the backend (idempotent). `prefer` or FLOWLAB_BACKEND forces one backend and fails
 * loudly if it cannot load; otherwise the first of native, wasm, cpu that loads wins.
 */
export async function selectBackend(prefer?: BackendName): Promise<BackendInfo> {
  const forced = prefer ?? parseOverride(process.env.FLOWLAB_BACKEND);
  if (current && (forced === null || forced === current.backend)) return current;
  // Callers that overlap (experiments assembling while others start) share one initialization: each run of it
  // instantiates a wasm module, which also adds its own process-wide exception listeners.
  if (pending && pending.forced === forced) return pending.info;
  const info = initialize(forced);
  pending = { forced, info };
  try {
    return await info;
  } finally {
    if (pending?.info === info) pending = null;
  }
}

let pending: { forced: BackendName | null; info: Promise<BackendInfo> } | null = null;

async function initialize(forced: BackendName | null): Promise<BackendInfo> {
  // Silence tfjs's "install the node backend" banner and skip its debug checks.
  tf.env().set("PROD", true);
  const order: BackendName[] = forced ? [forced] : [...BACKENDS];
  const skipped: string[] = [];
  for (const name of order) {
    const why = load(name);
    // wasm: tfjs never starts its threaded binary in Node by itself; setWasmBackend does (src/wasm-threads.ts).
    const wasm = why === null && name === "wasm" ? await setWasmBackend() : null;
    if (why === null && (wasm ? wasm.ok : await tf.setBackend(TFJS_NAME[name]))) {
      await tf.ready();
      current = {
        backend: name,
        tfjsBackend: tf.getBackend(),
        tfjsVersion: tf.version_core,
        skipped,
        threads: name === "native" ? cpus().length : (wasm?.threads ?? 1),
        threadsNote: name === "cpu" ? "the pure-JS cpu backend is single-threaded" : (wasm?.note ?? null),
        simd: name === "wasm" ? tf.env().getBool("WASM_HAS_SIMD_SUPPORT") : null,
      };
      return current;
    }
    skipped.push(why ?? `${name}: setBackend failed`);
  }
  throw new Error(`no tfjs backend could be initialized (${skipped.join("; ")})`);
}

/** The backend chosen by `initBackend` (src/runtime.ts); throws if it has not run. */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error("initBackend() has not been called");
  return current;
}
