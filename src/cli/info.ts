/** `flowlab info`: backend, versions, threads; the first thing to paste into a bug report. */
import { availableParallelism } from "node:os";
import type { BackendInfo } from "../backend";
import { initBackend } from "../runtime";
import { F64_MAX_MULTIPLY_ADDS, requestedEngine } from "../autodiff/select";
import { F64_KERNEL } from "../linalg/product";
import { exactGradientKernels } from "../autodiff/gradients";
import { parseFlags, type FlagSpec, type UsageExtras } from "./args";
import { columns, TERMINAL_WIDTH, wrap } from "./text";
import { VERSION } from "../version";

export const spec: Record<string, FlagSpec> = { json: { kind: "boolean", help: "print one JSON object" } };
export const extras: UsageExtras = {
  notes: ["FLOWLAB_BACKEND=native|wasm|cpu forces a backend; FLOWLAB_THREADS=n (1–8) sets the wasm backend's threads."],
};

/** The native backend's npm package, pinned to the tfjs version of the other backends. */
export const NATIVE_PACKAGE = "@tensorflow/tfjs-node@4.22.0";

/** How to get the native backend, given why it was skipped (null when it is in use). */
export function nativeAdvice(b: BackendInfo): string | null {
  if (b.backend === "native") return null;
  const why = b.skipped.find((s) => s.startsWith("native:"));
  if (why === undefined) return `the native backend was not tried (FLOWLAB_BACKEND=${process.env.FLOWLAB_BACKEND ?? b.backend}).`;
  const notInstalled = /Cannot find module '@tensorflow\/tfjs-node'/.test(why);
  const reason = notInstalled
    ? "it is not installed: npm skips this optional dependency where its install script cannot download libtensorflow (offline or firewalled machines)."
    : `it is installed but did not load (${why.slice("native: ".length)}).`;
  return (
    `native backend (tfjs-node, multi-threaded TensorFlow C library, the fastest) skipped: ${reason} ` +
    `To get it on a machine with internet access: npm install ${NATIVE_PACKAGE} (it downloads libtensorflow` +
    `${notInstalled ? "" : "; reinstall it if the download was interrupted"}), then check with flowlab info.`
  );
}

/** Why the wasm backend runs with the threads it does. */
function threadsLine(b: BackendInfo, cpus: number): string {
  const note = b.threadsNote ? `: ${b.threadsNote}` : "";
  return `${b.threads} of ${cpus} core(s)${note}`;
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  const b = await initBackend();
  const cpus = availableParallelism();
  const info = {
    flowlab: VERSION,
    node: process.version,
    backend: b.backend,
    tfjsBackend: b.tfjsBackend,
    tfjs: b.tfjsVersion,
    threads: b.threads,
    threadsNote: b.threadsNote ?? null,
    cpus,
    simd: b.simd,
    skipped: b.skipped,
    nativeAdvice: nativeAdvice(b),
    exactGradients: exactGradientKernels(),
    override: process.env.FLOWLAB_BACKEND ?? null,
    // Derivative engine: FLOWLAB_ENGINE or auto (autodiff/select.ts).
    engine: requestedEngine(),
    engines: `f64 (float64) for MLP objectives up to ${F64_MAX_MULTIPLY_ADDS.toExponential(0)} multiply-adds per forward pass (auto), else tfjs (float32)`,
    // The f64 engine's product kernel (linalg/product.ts): WebAssembly SIMD, or JavaScript (FLOWLAB_F64_KERNEL=js).
    f64Kernel: F64_KERNEL,
  };
  if (flags.json) {
    console.log(JSON.stringify(info));
    return 0;
  }
  const rows: string[][] = [
    ["flowlab", VERSION],
    ["node", process.version],
    ["backend", `${b.backend} (tfjs ${b.tfjsBackend} ${b.tfjsVersion}${b.simd ? ", SIMD" : ""})${info.override ? `, forced by FLOWLAB_BACKEND=${info.override}` : ""}`],
    ["threads", threadsLine(b, cpus)],
    ["skipped", b.skipped.join("; ") || "-"],
    ["exact gradients", info.exactGradients.join(", ") || "-"],
    ["engine", `${info.engine}${process.env.FLOWLAB_ENGINE ? " (FLOWLAB_ENGINE)" : ""}: ${info.engines}`],
    ["f64 kernel", `${info.f64Kernel}${process.env.FLOWLAB_F64_KERNEL ? " (FLOWLAB_F64_KERNEL)" : ""}`],
  ];
  console.log(columns(rows).join("\n"));
  if (info.nativeAdvice) console.log(`\n${wrap(info.nativeAdvice, TERMINAL_WIDTH).join("\n")}`);
  return 0;
}
