/** The corridor experiments end to end: the 2-D ones in quick mode with every claim, the network ones on tiny configs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { corridorsAlongGd, corridorsClrMnist, corridorsClrToys, corridorsDrift, corridorsVisible } from "../src/papers/corridors";
import { runExperiment } from "../src/lab/run";
import type { Experiment } from "../src/lab/types";
import { setup } from "./helpers";

async function allClaimsPass<C extends object>(e: Experiment<C>): Promise<void> {
  const r = await runExperiment(e, { mode: "quick", cache: false });
  assert.ok(r.claims.length >= 4, `${e.id}: ${r.claims.length} claims`);
  for (const c of r.claims) assert.ok(c.passed, `${e.id}/${c.id}: measured ${c.measured} ${c.comparator} ${c.threshold}`);
  assert.ok(r.figure.data.length > 0);
}

test("the 2-D corridor experiments pass all their claims in quick mode", async () => {
  await setup();
  await allClaimsPass(corridorsVisible);
  await allClaimsPass(corridorsDrift);
  await allClaimsPass(corridorsClrToys);
});

test("the network experiments run, draw and judge on tiny configs", async () => {
  await setup();
  const nets = await runExperiment(corridorsClrMnist, {
    mode: "quick",
    cache: false,
    config: { trainPerClass: 3, testPerClass: 3, grid: [0.1, 1], fullSteps: 4, miniSteps: 4, batchSize: 10, evalEvery: 2 },
  });
  assert.deepEqual(Object.keys(nets.tables).sort(), ["fullEvals", "fullSteps", "miniEvals", "miniSteps"]);
  assert.equal(nets.tables.fullSteps.step.length, 4 * 5); // 4 steps × (2 rates + 3 CLR variants)
  assert.equal(nets.claims.length, 4);
  for (const c of nets.claims) assert.ok(Number.isFinite(c.measured), `${c.id} measured ${c.measured}`);
  const along = await runExperiment(corridorsAlongGd, { mode: "quick", cache: false, config: { trainPerClass: 2, steps: 6, eigEvery: 3 } });
  assert.equal(along.tables.along.step.length, 6);
  assert.ok(along.figure.data.length > 0);
  // Six steps never reach the edge: the edge claims have nothing to judge and must fail, not pass vacuously.
  assert.ok(!along.claims.find((c) => c.id === "edge-not-corridor")?.passed);
});
