/** `flowlab info`: backend, versions, threads; the first thing to paste into a bug report. */
import { cpus } from "node:os";
import { initBackend } from "../runtime";
import { exactGradientKernels } from "../autodiff/gradients";
import { F64_MAX_MULTIPLY_ADDS, requestedEngine } from "../autodiff/select";
import { parseFlags, type FlagSpec } from "./args";
import { VERSION } from "../version";

export const spec: Record<string, FlagSpec> = { json: { kind: "boolean", help: "print one JSON object" } };
export const summary = "report the tfjs backend in use, the derivative engine, versions and threads";

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  const b = await initBackend();
  const info = {
    flowlab: VERSION,
    node: process.version,
    backend: b.backend,
    tfjsBackend: b.tfjsBackend,
    tfjs: b.tfjsVersion,
    threads: b.threads,
    cpus: cpus().length,
    simd: b.simd,
    skipped: b.skipped,
    exactGradients: exactGradientKernels(),
    override: process.env.FLOWLAB_BACKEND ?? null,
    // Derivative engine: FLOWLAB_ENGINE or auto (autodiff/select.ts).
    engine: requestedEngine(),
    engines: `f64 (float64) for MLP objectives up to ${F64_MAX_MULTIPLY_ADDS.toExponential(0)} multiply-adds per forward pass (auto), else tfjs (float32)`,
  };
  if (flags.json) {
    console.log(JSON.stringify(info));
  } else {
    for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(15)} ${Array.isArray(v) ? v.join(", ") || "-" : String(v)}`);
  }
  return 0;
}
