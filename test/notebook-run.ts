/**
 * Executes a notebook headless for a test (jupyter nbconvert + the project's tslab kernel) into a fresh folder
 * with its own results cache, so its experiments really run, and reads back what its cells printed and drew.
 * Needs `npm run build` first: notebooks import ../dist/index.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeNotebook, hasNbconvert, JUPYTER_INSTALL_HINT } from "../scripts/run-notebooks";
import { projectRoot } from "../src/lab/cache";

export interface CellOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

export interface NotebookRun {
  /** The run's folder: the executed notebook and results/ (its cache). */
  work: string;
  outputs: CellOutput[];
  /** Failed cells ("ename: evalue") and stderr text that mentions an Error. */
  errors: string[];
  /** Every HTML output. */
  html: string[];
  /** Everything printed, concatenated. */
  stdout: string;
}

/** The `skip` option of a notebook test: a reason when jupyter is absent, else false. */
export const skipWithoutJupyter: string | false = hasNbconvert() ? false : `jupyter nbconvert not installed (${JUPYTER_INSTALL_HINT})`;

const joined = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

export async function runNotebook(file: string, opts: { timeoutS: number; needs?: string }): Promise<NotebookRun> {
  const needs = opts.needs ?? join("dist", "index.js");
  assert.ok(existsSync(join(projectRoot(), needs)), `${needs} is missing: run \`npm run build\` first`);
  const work = mkdtempSync(join(tmpdir(), "flowlab-nb-"));
  const output = join(work, file);
  const execute = (): Promise<string> => executeNotebook(join(projectRoot(), "notebooks", file), { output, quick: true, timeoutS: opts.timeoutS, env: { FLOWLAB_RESULTS: join(work, "results") } });
  try {
    await execute();
  } catch (e) {
    // Open issue: under heavy load a tslab kernel occasionally dies mid-notebook (seen once for edge-of-stability in
    // a clean-clone run at load ≈ 2, not reproduced in a rerun). One retry, said on stderr; a second death fails.
    if (!/Kernel died/.test(String(e))) throw e;
    console.error(`${file}: the kernel died (${String(e).split("\n").slice(-1)[0]}); running it once more`);
    await execute();
  }
  const nb = JSON.parse(readFileSync(output, "utf8")) as { cells: { outputs?: CellOutput[] }[] };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  const errors = outputs.flatMap((o) =>
    o.output_type === "error" ? [`${o.ename}: ${o.evalue}`] : o.name === "stderr" && /Error/.test(joined(o.text)) ? [joined(o.text)] : [],
  );
  return { work, outputs, errors, html: outputs.map((o) => joined(o.data?.["text/html"])), stdout: outputs.map((o) => joined(o.text)).join("") };
}
