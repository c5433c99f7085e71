/**
 * Every paper notebook executes headless in quick mode (fresh results cache, so the experiments really run):
 * no cell fails and every claim printed in its claims tables passes. The demo notebook has its own, more
 * detailed test (notebooks.test.ts), and so do the central-flows notebooks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/lab/cache";
import { runNotebook, skipWithoutJupyter } from "./notebook-run";

// demo.ipynb and the central-flows notebooks have their own, more specific tests (notebooks.test.ts,
// central-flows-notebooks.test.ts): each notebook runs once per test suite.
const OWN_TEST = (f: string): boolean => f === "demo.ipynb" || f.startsWith("central-flows-");
const notebooks = readdirSync(join(projectRoot(), "notebooks")).filter((f) => f.endsWith(".ipynb") && !f.startsWith(".") && !OWN_TEST(f));

for (const name of notebooks) {
  test(`${name} runs headless in quick mode and its claims pass`, { skip: skipWithoutJupyter }, async () => {
    const { errors, stdout } = await runNotebook(name, { timeoutS: 600 });
    assert.deepEqual(errors, [], "no cell failed");
    assert.match(stdout, /mode: quick/);
    const claimLines = stdout.split("\n").filter((l) => /\s(PASS|FAIL)\s/.test(l));
    assert.ok(claimLines.length > 0, "the notebook prints its claims");
    assert.deepEqual(claimLines.filter((l) => /\sFAIL\s/.test(l)), [], "every claim passes");
  });
}
