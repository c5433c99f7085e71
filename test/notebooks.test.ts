/**
 * The demo notebook executes headless (jupyter nbconvert + the project's tslab kernel, quick configs, a fresh
 * results cache so the run and its live redraws happen) and its outputs hold the figures and the claims.
 * Needs `npm run build` first (notebooks import ../dist/index); skipped only when jupyter is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeNotebook, hasNbconvert, JUPYTER_INSTALL_HINT } from "../scripts/run-notebooks";
import { projectRoot } from "../src/report/cache";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}
const join1 = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

test("demo.ipynb runs headless and shows its figures and claims", { skip: hasNbconvert() ? false : `jupyter nbconvert not installed (${JUPYTER_INSTALL_HINT})` }, async () => {
  assert.ok(existsSync(join(projectRoot(), "dist", "index.js")), "dist/index.js is missing: run `npm run build` first");
  const work = mkdtempSync(join(tmpdir(), "flowlab-nb-"));
  const output = join(work, "demo.ipynb");
  await executeNotebook(join(projectRoot(), "notebooks", "demo.ipynb"), { output, quick: true, timeoutS: 300, env: { FLOWLAB_RESULTS: join(work, "results") } });
  const nb = JSON.parse(readFileSync(output, "utf8")) as Notebook;
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  const errors = outputs.filter((o) => o.output_type === "error" || (o.name === "stderr" && /Error/.test(join1(o.text))));
  assert.deepEqual(errors, [], "no cell failed");
  const html = outputs.map((o) => join1(o.data?.["text/html"]));
  assert.equal(html.filter((h) => h.includes("__flowlabPlotlyLoading")).length, 1, "plotly.js embedded once");
  assert.ok(html.filter((h) => h.includes('class="flowlab-figure"')).length >= 2, "the experiment's figure and the custom one");
  const stdout = outputs.map((o) => join1(o.text)).join("");
  assert.match(stdout, /mode: quick/);
  assert.match(stdout, /results: computed/, "a fresh cache: the notebook ran the experiment");
  assert.match(stdout, /demo\s+diverges-iff-unstable\s+0\s+<=\s+0\s+PASS/);
  assert.match(stdout, /2\/2 claims pass/);
  assert.match(stdout, /eta_lambda_max/, "the DataFrame printed");
  assert.ok(existsSync(join(work, "results", "demo")), "results cached where FLOWLAB_RESULTS points");
});
