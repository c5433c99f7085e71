/**
 * Shared by the hardening and property tests: the `flowlab` command line run in-process (the CLI's own `run`,
 * with its output captured), and a small valid problem directory to break.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeNpy } from "../src/data/npy";
import { run } from "../src/cli";
import { setProgressSink } from "../src/progress";
import { denseLayout } from "../src/params";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** `flowlab ...argv` in this process: exit status and what it printed. Runs one at a time (console is shared). */
export async function flowlabInProcess(...argv: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error, warn } = console;
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  console.warn = console.error;
  setProgressSink(() => undefined);
  try {
    const status = await run(argv);
    return { status, stdout: out.join("\n"), stderr: err.join("\n") };
  } finally {
    Object.assign(console, { log, error, warn });
    setProgressSink(null);
  }
}

export interface SmallProblem {
  widths: number[];
  activation: string;
  bias: boolean;
  loss: string;
  n: number;
  lr: number;
  steps: number;
  k: number;
}

export const SMALL: SmallProblem = { widths: [2, 3, 1], activation: "tanh", bias: true, loss: "mse", n: 4, lr: 0.1, steps: 2, k: 1 };

/** Deterministic values in (−1, 1). */
export const wave = (len: number, phase: number): Float64Array => Float64Array.from({ length: len }, (_, i) => Math.sin(1.7 * i + phase));

/** Writes a valid problem directory for `p` (float64 files). */
export function writeSmallProblem(dir: string, p: SmallProblem = SMALL): void {
  mkdirSync(dir, { recursive: true });
  const d = p.widths[0];
  const out = p.widths[p.widths.length - 1];
  const spec = {
    model: { type: "mlp", widths: p.widths, activation: p.activation, bias: p.bias },
    loss: p.loss,
    optimizer: { name: "gd", lr: p.lr },
    steps: p.steps,
    k: p.k,
  };
  writeFileSync(join(dir, "problem.json"), JSON.stringify(spec, null, 2));
  writeNpy(join(dir, "X.npy"), wave(p.n * d, 0.3), [p.n, d]);
  writeNpy(join(dir, "y.npy"), wave(p.n * out, 1.1), out === 1 ? [p.n] : [p.n, out]);
  const P = denseLayout(p.widths, p.bias).size;
  writeNpy(join(dir, "w0.npy"), wave(P, 2.9).map((v) => 0.5 * v), [P]);
}

/** Temporary folders a run left beside `out` (there must be none after any run, failed or not). */
export function leftovers(out: string): string[] {
  return readdirSync(dirname(out)).filter((n) => n.startsWith(`.${basename(out)}.staging-`));
}
