/**
 * The three central-flows notebooks execute headless in quick mode (jupyter nbconvert + the project's tslab
 * kernel, a fresh results cache so every experiment runs) and their outputs hold one figure per experiment and
 * the claims tables. Slow (minutes each: every experiment runs its flows); needs `npm run build` first.
 * Skipped when jupyter is absent. Quick-mode claims are a smoke test, so only their presence is checked.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runNotebook, skipWithoutJupyter } from "./notebook-run";

const NOTEBOOKS: Record<string, string[]> = {
  "central-flows-gd.ipynb": ["central-flows-gd-quadratic", "central-flows-gd", "central-flows-gd-multi", "central-flows-gd-mnist", "central-flows-gd-variants"],
  "central-flows-scalar-rmsprop.ipynb": ["central-flows-srms", "central-flows-srms-beta2", "central-flows-srms-multi", "central-flows-srms-rates"],
  "central-flows-rmsprop.ipynb": ["central-flows-rmsprop-quadratic", "central-flows-rmsprop", "central-flows-rmsprop-stationary", "central-flows-rmsprop-accel"],
};

for (const [file, ids] of Object.entries(NOTEBOOKS)) {
  test(`${file} runs headless in quick mode and shows every figure and claims table`, { skip: skipWithoutJupyter, timeout: 30 * 60 * 1000 }, async () => {
    const { work, errors, html, stdout } = await runNotebook(file, { timeoutS: 1200, needs: join("dist", "papers", "central-flows", "index.js") });
    assert.deepEqual(errors, [], "no cell failed");
    assert.equal(html.filter((h) => h.includes("__flowlabPlotlyLoading")).length, 1, "plotly.js embedded once");
    assert.ok(html.filter((h) => h.includes('class="flowlab-figure"')).length >= ids.length, "one figure per experiment");
    assert.match(stdout, /mode: quick/);
    for (const id of ids) {
      assert.match(stdout, new RegExp(`${id} \\(quick\\): computed in`), `${id} ran (fresh cache)`);
      assert.ok(existsSync(join(work, "results", id)), `${id} cached where FLOWLAB_RESULTS points`);
    }
    // One claims table per experiment, one for the worked example (a setting overridden), the closing table.
    assert.equal((stdout.match(/\d+\/\d+ claims pass/g) ?? []).length, ids.length + 2, "claims tables");
    assert.match(stdout, /\(the latest run of each of \d+ experiments, quick mode; \* = config overridden\)/);
  });
}
