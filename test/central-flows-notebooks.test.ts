/**
 * The three central-flows notebooks execute headless in quick mode (jupyter nbconvert + the project's tslab
 * kernel, a fresh results cache so every experiment runs) and their outputs hold one figure per experiment and
 * the claims tables. Slow (minutes each: every experiment runs its flows); needs `npm run build` first.
 * Skipped when jupyter is absent. Quick-mode claims are a smoke test, so only their presence is checked.
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
}
interface Notebook {
  cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[];
}
const join1 = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));

const NOTEBOOKS: Record<string, string[]> = {
  "central-flows-gd.ipynb": ["central-flows-gd-quadratic", "central-flows-gd", "central-flows-gd-multi", "central-flows-gd-mnist", "central-flows-gd-variants"],
  "central-flows-scalar-rmsprop.ipynb": ["central-flows-srms", "central-flows-srms-beta2", "central-flows-srms-multi", "central-flows-srms-rates"],
  "central-flows-rmsprop.ipynb": ["central-flows-rmsprop-quadratic", "central-flows-rmsprop", "central-flows-rmsprop-stationary", "central-flows-rmsprop-accel"],
};

const skip = hasNbconvert() ? false : `jupyter nbconvert not installed (${JUPYTER_INSTALL_HINT})`;

for (const [file, ids] of Object.entries(NOTEBOOKS)) {
  test(`${file} runs headless in quick mode and shows every figure and claims table`, { skip, timeout: 30 * 60 * 1000 }, async () => {
    assert.ok(existsSync(join(projectRoot(), "dist", "experiments", "central-flows", "index.js")), "dist is missing the central-flows experiments: run `npm run build` first");
    const work = mkdtempSync(join(tmpdir(), "flowlab-cf-nb-"));
    const output = join(work, file);
    await executeNotebook(join(projectRoot(), "notebooks", file), { output, quick: true, timeoutS: 1200, env: { FLOWLAB_RESULTS: join(work, "results") } });
    const nb = JSON.parse(readFileSync(output, "utf8")) as Notebook;
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const errors = outputs.filter((o) => o.output_type === "error" || (o.name === "stderr" && /Error/.test(join1(o.text))));
    assert.deepEqual(errors, [], "no cell failed");
    const html = outputs.map((o) => join1(o.data?.["text/html"]));
    assert.equal(html.filter((h) => h.includes("__flowlabPlotlyLoading")).length, 1, "plotly.js embedded once");
    assert.ok(html.filter((h) => h.includes('class="flowlab-figure"')).length >= ids.length, "one figure per experiment");
    const stdout = outputs.map((o) => join1(o.text)).join("");
    assert.match(stdout, /mode: quick/);
    for (const id of ids) {
      assert.match(stdout, new RegExp(`${id}: results computed`), `${id} ran (fresh cache)`);
      assert.ok(existsSync(join(work, "results", id)), `${id} cached where FLOWLAB_RESULTS points`);
    }
    // One claims table per experiment and the closing table of all of them.
    assert.equal((stdout.match(/\d+\/\d+ claims pass/g) ?? []).length, ids.length + 1, "claims tables");
  });
}
