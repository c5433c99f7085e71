/**
 * The demo notebook executes headless (jupyter nbconvert + the project's tslab kernel, quick configs, a fresh
 * results cache so the run and its live redraws happen) and its outputs hold the figures and the claims.
 * Needs `npm run build` first (notebooks import ../dist/index); skipped only when jupyter is absent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runNotebook, skipWithoutJupyter, type CellOutput } from "./notebook-run";

const joinedHtml = (o: CellOutput): string => {
  const h = o.data?.["text/html"];
  return Array.isArray(h) ? h.join("") : (h ?? "");
};

test("demo.ipynb runs headless and shows its figures and claims", { skip: skipWithoutJupyter }, async () => {
  const { work, errors, html, stdout, outputs } = await runNotebook("demo.ipynb", { timeoutS: 300 });
  assert.deepEqual(errors, [], "no cell failed");
  assert.equal(html.filter((h) => h.includes("__flowlabPlotlyLoading")).length, 1, "plotly.js embedded once");
  assert.ok(html.filter((h) => h.includes('class="flowlab-figure"')).length >= 2, "the experiment's figures and the custom one");
  assert.match(stdout, /mode: quick/);
  assert.match(stdout, /demo \(quick\): computed in/, "a fresh cache: the notebook ran the experiment");
  assert.match(stdout, /demo\s+diverges-iff-unstable\s+0\s+<=\s+0\s+PASS/);
  assert.match(stdout, /2\/2 claims pass/);
  // The worked example: one setting overridden, its own entry in the claims table; the first run's rows once.
  assert.match(stdout, /demo \(quick, \{"shownEtas":\[0\.8,1\.1\]\}\): computed in/);
  const summary = stdout.slice(stdout.lastIndexOf("experiment  claim"));
  assert.equal(summary.match(/^demo\s+diverges-iff-unstable/gm)?.length, 1, "one row per claim of demo in the last table");
  assert.equal(summary.match(/^demo\*\s+diverges-iff-unstable/gm)?.length, 1, "and one of the overridden run");
  // Every figure: interactive HTML over a static PNG, and the PNG for viewers that show no HTML.
  const figures = outputs.filter((o) => joinedHtml(o).includes('class="flowlab-figure"'));
  assert.ok(figures.length >= 3, `${figures.length} figures`);
  for (const f of figures) {
    const png = f.data?.["image/png"];
    assert.ok(typeof png === "string" && png.length > 1000, "a static image/png beside the HTML");
    assert.ok(joinedHtml(f).includes('<img class="flowlab-static"'), "the HTML shows the image until plotly draws");
  }
  assert.match(stdout, /eta_lambda_max/, "the DataFrame printed");
  assert.ok(existsSync(join(work, "results", "demo")), "results cached where FLOWLAB_RESULTS points");
});
