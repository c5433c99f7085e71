/**
 * The papers' sweeps as tasks: a changed value of a sweep recomputes exactly the tasks it names (one depth of
 * saxe-depth, one learning rate of corridors-clr-mnist, one more seed of saxe-learning-delays, the gradient flow
 * of eos-flow-vs-gd, the flows of central-flows-rmsprop, one checkpoint of central-flows-rmsprop-stationary), and
 * a task module's code is the computation alone, so editing a figure leaves the cached results valid.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import test from "node:test";
import { moduleGraphHash } from "../src/lab/codehash";
import type { TaskEvent } from "../src/lab/context";
import { runExperiment } from "../src/lab/run";
import type { Experiment } from "../src/lab/types";
import { corridorsClrMnist, type ClrNetsConfig } from "../src/papers/corridors/clr-nets";
import { saxeDepth, type DepthConfig } from "../src/papers/saxe/depth";
import { saxeLearningDelays, type LearningDelaysConfig } from "../src/papers/saxe/learning-delays";
import { saxeRandomProducts } from "../src/papers/saxe/random-products";
import { saxeEdgeOfChaos } from "../src/papers/saxe/edge-of-chaos";
import { corridorsAlongGd } from "../src/papers/corridors/along-gd";
import { cfGdCentral, type GdCentralConfig } from "../src/papers/central-flows/gd-central";
import { cfRmsCentral, type RmsCentralConfig } from "../src/papers/central-flows/rms-central";
import { cfRmsStationary, type RmsStationaryConfig } from "../src/papers/central-flows/rms-stationary";
import { eosFlowVsGd, type FlowVsGdConfig } from "../src/papers/eos/flow-vs-gd";

const SRC = resolve(__dirname, "..", "src");
const tmp = (): string => mkdtempSync(join(tmpdir(), "flowlab-paper-tasks-"));

/** Runs `exp` (quick mode, config overridden) and returns the task labels computed and served from cache. */
async function tasksOf<C extends object>(exp: Experiment<C>, config: Partial<C>, cacheDir: string): Promise<{ computed: string[]; cached: string[]; tables: Record<string, Record<string, number[]>> }> {
  const computed: string[] = [];
  const cached: string[] = [];
  const r = await runExperiment(exp, {
    mode: "quick",
    cacheDir,
    config,
    onTask: (e: TaskEvent) => {
      if (e.type === "done") computed.push(e.label);
      if (e.type === "cached") cached.push(e.label);
    },
  });
  return { computed, cached, tables: r.tables };
}

const TINY_DEPTH: Partial<DepthConfig> = { n: 200, pool: 2, components: 6, hidden: 6, depths: [3, 4], theoryMaxLayers: 5, rateKMin: -2, rateKMax: 1, maxSteps: 60 };

test("saxe-depth: one changed depth recomputes one task (the predictions and the other depth are cached)", async () => {
  const cacheDir = tmp();
  const first = await tasksOf(saxeDepth, TINY_DEPTH, cacheDir);
  assert.equal(first.computed.length, 3, `theory + 2 depths: ${first.computed.join("; ")}`);
  const changed = await tasksOf(saxeDepth, { ...TINY_DEPTH, depths: [3, 5] }, cacheDir);
  assert.equal(changed.computed.length, 1, changed.computed.join("; "));
  assert.match(changed.computed[0], /^saxe\.depth-trials /);
  assert.equal(changed.cached.length, 2);
  assert.deepEqual([...new Set(changed.tables.trials.layers)], [3, 5]);
  // The cached depth's rows are the ones computed the first time.
  const rowsAt = (t: Record<string, number[]>, layers: number): string => JSON.stringify(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.filter((_, i) => t.layers[i] === layers)])));
  assert.equal(rowsAt(changed.tables.trials, 3), rowsAt(first.tables.trials, 3));
});

const TINY_CLR: Partial<ClrNetsConfig> = { trainPerClass: 3, testPerClass: 3, hidden: [4], grid: [0.1, 0.3, 1], fullSteps: 4, miniSteps: 4, batchSize: 8, evalEvery: 2 };

test("corridors-clr-mnist: one changed learning rate recomputes its task in each regime only", async () => {
  const cacheDir = tmp();
  const first = await tasksOf(corridorsClrMnist, TINY_CLR, cacheDir);
  assert.equal(first.computed.length, 2 * 6, "2 regimes × (3 rates + 3 CLR variants)");
  // 0.3 → 0.2: not the largest rate, so the capped CLR (capped at the largest) is unchanged.
  const changed = await tasksOf(corridorsClrMnist, { ...TINY_CLR, grid: [0.1, 0.2, 1] }, cacheDir);
  assert.equal(changed.computed.length, 2, changed.computed.join("; "));
  assert.equal(changed.cached.length, 10);
  // The rows keep the side-by-side layout: member index by step, as one run of all members wrote them.
  const steps = changed.tables.fullSteps;
  assert.deepEqual(steps.member.slice(0, 12), [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
  assert.deepEqual(steps.step.slice(0, 12), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
});

test("saxe-learning-delays: one more seed adds one task per activation", async () => {
  const cacheDir = tmp();
  const tiny: Partial<LearningDelaysConfig> = { levels: 3, features: 40, hidden: 8, steps: 40, recordEvery: 5, seeds: 2 };
  const first = await tasksOf(saxeLearningDelays, tiny, cacheDir);
  assert.equal(first.computed.length, 4);
  const more = await tasksOf(saxeLearningDelays, { ...tiny, seeds: 3 }, cacheDir);
  assert.equal(more.computed.length, 2, more.computed.join("; "));
  assert.equal(more.cached.length, 4);
});

test("central-flows-gd: a field that only shapes the claims (settle) recomputes no task", async () => {
  const cacheDir = tmp();
  const tiny: Partial<GdCentralConfig> = { steps: 30, chunk: 10 };
  const first = await tasksOf(cfGdCentral, tiny, cacheDir);
  assert.deepEqual(first.computed.map((l) => l.split(" ")[0]), ["central-flows.comparison"]);
  const resettled = await tasksOf(cfGdCentral, { ...tiny, settle: 7 }, cacheDir);
  assert.deepEqual(resettled.computed, []);
  assert.equal(resettled.cached.length, 1);
  assert.equal(JSON.stringify(resettled.tables.steps), JSON.stringify(first.tables.steps));
});

/** The task kinds of a list of labels ("kind key=value …"), sorted. */
const kinds = (labels: string[]): string[] => labels.map((l) => l.split(" ")[0]).sort();

test("eos-flow-vs-gd: GD and the gradient flow are two tasks; the flow's RK4 step recomputes the flow only", async () => {
  const cacheDir = tmp();
  const tiny: Partial<FlowVsGdConfig> = { data: { source: "mnist", n: 50, pool: 4, seed: 0 }, net: { hidden: [8], activation: "tanh", initSeed: 0 }, steps: 20, tick: 5 };
  const first = await tasksOf(eosFlowVsGd, tiny, cacheDir);
  assert.deepEqual(kinds(first.computed), ["eos.flow-vs-gd.flow", "eos.flow-vs-gd.gd"]);
  assert.equal(first.tables.ticks.step.length, 5);
  const finer = await tasksOf(eosFlowVsGd, { ...tiny, alpha: 0.5 }, cacheDir);
  assert.deepEqual(kinds(finer.computed), ["eos.flow-vs-gd.flow"]);
  assert.deepEqual(kinds(finer.cached), ["eos.flow-vs-gd.gd"]);
  assert.equal(JSON.stringify(finer.tables.gdLoss), JSON.stringify(first.tables.gdLoss));
  assert.equal(JSON.stringify(finer.tables.ticks.sharpness_gd), JSON.stringify(first.tables.ticks.sharpness_gd));
});

test("central-flows-rmsprop: one task per process; settle recomputes none, the branch point only the two flows", async () => {
  const cacheDir = tmp();
  const tiny: Partial<RmsCentralConfig> = { steps: 24, k: 2, chunk: 8, branchAt: 4 };
  const first = await tasksOf(cfRmsCentral, tiny, cacheDir);
  assert.deepEqual(first.computed.map((l) => l.split(" ").slice(0, 2).join(" ")), ["central-flows.process-trace process=discrete", "central-flows.process-trace process=stable", "central-flows.process-trace process=central"]);
  const resettled = await tasksOf(cfRmsCentral, { ...tiny, settle: 7 }, cacheDir);
  assert.deepEqual(resettled.computed, []);
  assert.equal(JSON.stringify(resettled.tables), JSON.stringify(first.tables));
  const branched = await tasksOf(cfRmsCentral, { ...tiny, branchAt: 6 }, cacheDir);
  assert.deepEqual(branched.computed.map((l) => l.split(" ")[1]), ["process=stable", "process=central"]);
  assert.deepEqual(branched.cached.map((l) => l.split(" ")[1]), ["process=discrete"]);
  // The flows' first rows are the optimizer's, whichever task ran them.
  const steps = branched.tables.steps;
  assert.deepEqual(steps.central_loss.slice(0, 6), steps.discrete_loss.slice(0, 6));
});

test("central-flows-rmsprop-stationary: two process tasks, then one task per checkpoint; a moved checkpoint recomputes its task only", async () => {
  const cacheDir = tmp();
  const tiny: Partial<RmsStationaryConfig> = { optimizer: { name: "rmsprop", lr: 1e-2, beta2: 0.99, eps: 1e-8, biasCorrection: true }, steps: 16, k: 2, chunk: 8, checkpoints: [2, 6], iterations: 4 };
  const first = await tasksOf(cfRmsStationary, tiny, cacheDir);
  assert.deepEqual(kinds(first.computed), ["central-flows.frozen-nu", "central-flows.frozen-nu", "central-flows.process-trace", "central-flows.process-trace"]);
  const moved = await tasksOf(cfRmsStationary, { ...tiny, checkpoints: [2, 5] }, cacheDir);
  assert.deepEqual(kinds(moved.computed), ["central-flows.frozen-nu"]);
  assert.equal(moved.cached.length, 3);
  assert.equal(moved.tables.checkpoints.step[0], first.tables.checkpoints.step[0]);
  assert.equal(moved.tables.checkpoints.step[1], first.tables.checkpoints.step[1] - 1);
  assert.equal(moved.tables.checkpoints.cos_central[0], first.tables.checkpoints.cos_central[0]);
});

test("the sweeps' task modules import no figure code: their code hash leaves out src/plot and the experiment modules", () => {
  const labGraph = new Set(moduleGraphHash(join(SRC, "lab", "task.ts")).files.map((f) => resolve(SRC, "lab", f)));
  for (const [exp, taskModule, experimentFile] of [
    [saxeDepth, "papers/saxe/depth-task.ts", "depth.ts"],
    [saxeLearningDelays, "papers/saxe/learning-delays-task.ts", "learning-delays.ts"],
    [saxeRandomProducts, "papers/saxe/random-products-task.ts", "random-products.ts"],
    [saxeEdgeOfChaos, "papers/saxe/edge-of-chaos-task.ts", "edge-of-chaos.ts"],
    [corridorsAlongGd, "papers/corridors/along-gd-task.ts", "along-gd.ts"],
    [corridorsClrMnist, "papers/corridors/clr-nets-task.ts", "clr-nets.ts"],
    [cfGdCentral, "papers/central-flows/tasks.ts", "gd-central.ts"],
    [cfRmsCentral, "papers/central-flows/rms-tasks.ts", "rms-central.ts"],
    [cfRmsStationary, "papers/central-flows/rms-tasks.ts", "rms-stationary.ts"],
    [eosFlowVsGd, "papers/eos/flow-vs-gd-task.ts", "flow-vs-gd.ts"],
  ] as const) {
    assert.equal(exp.runsTasks, true, `${exp.id} declares runsTasks`);
    const files = moduleGraphHash(join(SRC, taskModule)).files;
    // Paths are relative to the task module's folder. The lab's own graph reaches two type-only plot modules
    // (lab/types.ts: the PlotlyFigure and FigureSize types); the task must add none.
    const absolute = files.map((f) => resolve(SRC, dirname(taskModule), f));
    const plot = absolute.filter((f) => f.startsWith(join(SRC, "plot")) && !labGraph.has(f));
    assert.deepEqual(plot, [], `${taskModule} reaches ${plot.join(", ")}`);
    assert.ok(files.length > 3, `${taskModule}: a graph of ${files.length} files`);
    assert.ok(!files.includes(experimentFile), `${taskModule} reaches its experiment module ${experimentFile}`);
  }
});
