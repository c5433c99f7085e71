/**
 * Every paper notebook executes headless in quick mode (fresh results cache, so the experiments really run):
 * no cell fails and every claim printed in its claims tables passes. The demo notebook has its own, more
 * detailed test (notebooks.test.ts), and so do the central-flows notebooks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeNotebook, hasNbconvert, JUPYTER_INSTALL_HINT } from "../scripts/run-notebooks";
import { projectRoot } from "../src/report/cache";

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}
const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join("") : (s ?? ""));
// demo.ipynb and the central-flows notebooks have their own, more specific tests (notebooks.test.ts,
// central-flows-notebooks.test.ts): each notebook runs once per test suite.
const OWN_TEST = (f: string): boolean => f === "demo.ipynb" || f.startsWith("central-flows-");
const notebooks = readdirSync(join(projectRoot(), "notebooks")).filter((f) => f.endsWith(".ipynb") && !f.startsWith(".") && !OWN_TEST(f));

for (const name of notebooks) {
  test(`${name} runs headless in quick mode and its claims pass`, { skip: hasNbconvert() ? false : `jupyter nbconvert not installed (${JUPYTER_INSTALL_HINT})` }, async () => {
    assert.ok(existsSync(join(projectRoot(), "dist", "index.js")), "dist/index.js is missing: run `npm run build` first");
    const work = mkdtempSync(join(tmpdir(), "flowlab-nb-"));
    const output = join(work, name);
    await executeNotebook(join(projectRoot(), "notebooks", name), { output, quick: true, timeoutS: 600, env: { FLOWLAB_RESULTS: join(work, "results") } });
    const nb = JSON.parse(readFileSync(output, "utf8")) as { cells: { outputs?: Output[] }[] };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const errors = outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`);
    assert.deepEqual(errors, [], "no cell failed");
    const stdout = outputs.map((o) => text(o.text)).join("");
    assert.match(stdout, /mode: quick/);
    const claimLines = stdout.split("\n").filter((l) => /\s(PASS|FAIL)\s/.test(l));
    assert.ok(claimLines.length > 0, "the notebook prints its claims");
    assert.deepEqual(claimLines.filter((l) => /\sFAIL\s/.test(l)), [], "every claim passes");
  });
}
