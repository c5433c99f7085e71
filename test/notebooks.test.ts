/**
 * The demo notebook executes headless (jupyter nbconvert + the project's tslab kernel, quick configs, a fresh
 * results cache so the run and its live redraws happen) and its outputs hold the figures and the claims.
 * Needs `npm run build` first (notebooks import ../dist/index); skipped only when jupyter is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runNotebook, skipWithoutJupyter } from "./notebook-run";

test("demo.ipynb runs headless and shows its figures and claims", { skip: skipWithoutJupyter }, async () => {
  const { work, errors, html, stdout } = await runNotebook("demo.ipynb", { timeoutS: 300 });
  assert.deepEqual(errors, [], "no cell failed");
  assert.equal(html.filter((h) => h.includes("__flowlabPlotlyLoading")).length, 1, "plotly.js embedded once");
  assert.ok(html.filter((h) => h.includes('class="flowlab-figure"')).length >= 2, "the experiment's figure and the custom one");
  assert.match(stdout, /mode: quick/);
  assert.match(stdout, /results: computed/, "a fresh cache: the notebook ran the experiment");
  assert.match(stdout, /demo\s+diverges-iff-unstable\s+0\s+<=\s+0\s+PASS/);
  assert.match(stdout, /2\/2 claims pass/);
  assert.match(stdout, /eta_lambda_max/, "the DataFrame printed");
  assert.ok(existsSync(join(work, "results", "demo")), "results cached where FLOWLAB_RESULTS points");
});
