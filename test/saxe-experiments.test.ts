/** The Saxe experiments end to end: the cheap ones in quick mode with every claim, the depth sweep on a tiny config. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { saxeDepth, saxeEdgeOfChaos, saxePhasePortrait, saxeRandomProducts } from "../src/papers/saxe";
import { runExperiment } from "../src/lab/run";
import type { Experiment } from "../src/lab/types";
import { setup } from "./helpers";

async function allClaimsPass<C extends object>(e: Experiment<C>): Promise<void> {
  const r = await runExperiment(e, { mode: "quick", cache: false });
  assert.ok(r.claims.length >= 3, `${e.id}: ${r.claims.length} claims`);
  for (const c of r.claims) assert.ok(c.passed, `${e.id}/${c.id}: measured ${c.measured} ${c.comparator} ${c.threshold}`);
  assert.ok(r.figure.data.length > 0);
}

test("phase portrait, random products and edge of chaos pass all their claims in quick mode", async () => {
  await setup();
  await allClaimsPass(saxePhasePortrait);
  await allClaimsPass(saxeRandomProducts);
  await allClaimsPass(saxeEdgeOfChaos);
});

test("the depth sweep on a tiny config: decoupled nets land on the mode map, the claims can fail", async () => {
  await setup();
  const r = await runExperiment(saxeDepth, {
    mode: "quick",
    cache: false,
    config: { n: 300, components: 8, hidden: 8, depths: [3, 5], theoryMaxLayers: 6, maxSteps: 300 },
  });
  assert.deepEqual(Object.keys(r.tables).sort(), ["spectrum", "theory", "trials"]);
  const byId = Object.fromEntries(r.claims.map((c) => [c.id, c]));
  assert.ok(byId["decoupled-equals-mode-map"].passed, `mode map gap ${byId["decoupled-equals-mode-map"].measured}`);
  assert.ok(byId["ode-tracks-mode-map"].passed, `ODE gap ${byId["ode-tracks-mode-map"].measured}`);
  // With a single depth from N_l = 5 on there is no growth to see: the Gaussian-growth claim must fail, not pass vacuously.
  assert.ok(!byId["gaussian-slows-with-depth"].passed);
  assert.ok(r.figure.data.length > 0);
});
