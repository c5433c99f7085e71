import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import test from "node:test";
import { clearCodeHashes, moduleGraphHash } from "../src/lab/codehash";
import { runExperiment } from "../src/lab/run";
import { TaskFailedError } from "../src/lab/task";
import { ProcessPool } from "../src/lab/pool";
import { sweepExperiment } from "./fixtures/lab-tasks";
import { demo } from "../src/papers/demo";

const tmp = (): string => mkdtempSync(join(tmpdir(), "flowlab-lab-"));
const SRC = resolve(__dirname, "..", "src");
const FIXTURES = resolve(__dirname, "fixtures", "lab-tasks.ts");

test("code hash: a module's graph through relative imports, plus package versions", () => {
  const dir = tmp();
  writeFileSync(join(dir, "a.ts"), `import { b } from "./b";\nimport { Matrix } from "ml-matrix";\nexport const a = b + Matrix.eye(1).get(0, 0);\n`);
  writeFileSync(join(dir, "b.ts"), `import { c } from "./c";\nexport const b = c;\n`);
  writeFileSync(join(dir, "c.ts"), `export const c = 1;\n`);
  writeFileSync(join(dir, "d.ts"), `export { c as d } from "./c";\n`);
  const h = (f: string): string => moduleGraphHash(join(dir, f)).hash;
  const a0 = h("a.ts");
  const d0 = h("d.ts");
  assert.deepEqual(moduleGraphHash(join(dir, "a.ts")).files.sort(), ["a.ts", "b.ts", "c.ts"]);
  assert.match(moduleGraphHash(join(dir, "a.ts")).packages.join(), /^ml-matrix@\d+\.\d+\.\d+$/);
  appendFileSync(join(dir, "b.ts"), "// edited\n");
  clearCodeHashes();
  assert.notEqual(h("a.ts"), a0, "editing b changes a's graph");
  assert.equal(h("d.ts"), d0, "d does not import b");
  appendFileSync(join(dir, "c.ts"), "// edited\n");
  clearCodeHashes();
  assert.notEqual(h("d.ts"), d0, "editing c changes d's graph");
});

/** Two experiments in a temp module graph: A's task imports helper.ts, B's does not. */
function writeGraph(dir: string): void {
  const lab = relative(dir, join(SRC, "lab")).split("\\").join("/");
  writeFileSync(join(dir, "helper.ts"), `export const scale = 2;\n`);
  const task = (name: string, withHelper: boolean): string =>
    `import { defineTask } from "${lab}/task";\n${withHelper ? `import { scale } from "./helper";\n` : "const scale = 3;\n"}` +
    `const runs = ((globalThis as Record<string, unknown>).__labRuns ??= {}) as Record<string, number>;\n` +
    `export const task = defineTask<{ x: number }, number>("tmp.${name}", (c) => { runs["${name}"] = (runs["${name}"] ?? 0) + 1; return c.x * scale; });\n`;
  writeFileSync(join(dir, "task-a.ts"), task("a", true));
  writeFileSync(join(dir, "task-b.ts"), task("b", false));
  const exp = (name: string): string =>
    `import { registerExperiment } from "${lab}/registry";\nimport { task } from "./task-${name}";\n` +
    `export const exp = registerExperiment<{ xs: number[] }>({ id: "tmp-exp-${name}", title: "t", paper: "p", runsTasks: true,\n` +
    `  configs: { quick: { xs: [1, 2, 3] }, full: { xs: [1, 2, 3] } },\n` +
    `  async run(c, ctx) { return { t: { x: c.xs, y: await ctx.map(c.xs.map((x) => ({ x })), task) } }; },\n` +
    `  figures: [{ id: "tmp-exp-${name}", paperFigure: "p", title: "t", caption: () => "", size: "text", build: () => ({ data: [], layout: {} }) }], claims: () => [] });\n`;
  writeFileSync(join(dir, "exp-a.ts"), exp("a"));
  writeFileSync(join(dir, "exp-b.ts"), exp("b"));
}

test("editing a dependency recomputes only the experiments and tasks that import it; one changed η recomputes one task", async () => {
  const dir = tmp();
  const cacheDir = tmp();
  writeGraph(dir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- modules written by this test
  const { exp: expA } = require(join(dir, "exp-a.ts")) as { exp: typeof sweepExperiment };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- modules written by this test
  const { exp: expB } = require(join(dir, "exp-b.ts")) as { exp: typeof sweepExperiment };
  const count = (): Record<string, number> => ({ ...(globalThis as unknown as { __labRuns: Record<string, number> }).__labRuns });
  const opts = { mode: "quick" as const, cacheDir };
  assert.deepEqual((await runExperiment(expA, opts)).tables.t.y, [2, 4, 6]);
  await runExperiment(expB, opts);
  assert.deepEqual(count(), { a: 3, b: 3 });
  assert.equal((await runExperiment(expA, opts)).cache, "hit");
  assert.equal((await runExperiment(expB, opts)).cache, "hit");

  // Edit the helper only A's task imports: A's experiment and its 3 tasks recompute, B is served from cache.
  appendFileSync(join(dir, "helper.ts"), "// edited\n");
  clearCodeHashes();
  const a2 = await runExperiment(expA, opts);
  const b2 = await runExperiment(expB, opts);
  assert.equal(a2.cache, "miss");
  assert.equal(b2.cache, "hit");
  assert.deepEqual(count(), { a: 6, b: 3 });

  // Edit the experiment module (say its figure): the experiment reruns its assembly, every task is a hit.
  appendFileSync(join(dir, "exp-a.ts"), "// figure edited\n");
  clearCodeHashes();
  assert.equal((await runExperiment(expA, opts)).cache, "miss");
  assert.deepEqual(count(), { a: 6, b: 3 });

  // One changed value in the sweep: exactly one new task.
  const changed = await runExperiment(expA, { ...opts, config: { xs: [1, 2, 5] } });
  assert.deepEqual(changed.tables.t.y, [2, 4, 10]);
  assert.deepEqual(count(), { a: 7, b: 3 });
  assert.equal(readdirSync(join(cacheDir, "tasks", "tmp.a")).length, 3 + 3 + 1, "3 tasks × 2 code versions + 1 new config");
});

test("a cache hit reports its load time; the original compute time is kept apart", async () => {
  const cacheDir = tmp();
  const first = await runExperiment(sweepExperiment, { mode: "quick", cacheDir, config: { ms: 300 } });
  assert.equal(first.cache, "miss");
  assert.ok(first.computeMs >= 300, `computed in ${first.computeMs} ms`);
  const hit = await runExperiment(sweepExperiment, { mode: "quick", cacheDir, config: { ms: 300 } });
  assert.equal(hit.cache, "hit");
  assert.equal(hit.computeMs, first.computeMs, "the stored compute time");
  assert.ok(hit.runtimeMs <= hit.elapsedMs, "runtimeMs is this call's load time");
  assert.notEqual(hit.runtimeMs, hit.computeMs);
});

test("a throwing task comes back with its config and error; the others complete and are cached", async () => {
  const cacheDir = tmp();
  await assert.rejects(
    runExperiment(sweepExperiment, { mode: "quick", cacheDir, config: { xs: [2, 13, 4] } }),
    (e: unknown) => e instanceof TaskFailedError && e.failures.length === 1 && (e.failures[0].config as { x: number }).x === 13 && /poisoned config x=13/.test(e.failures[0].error),
  );
  assert.equal(readdirSync(join(cacheDir, "tasks", "test.work")).length, 2);
  assert.equal(readdirSync(cacheDir).includes("test-lab-sweep"), false, "no experiment entry");
});

test("--jobs 2 (worker processes) is bit-identical to --jobs 1, for tasks and for a whole experiment", async () => {
  process.env.FLOWLAB_TASK_MODULES = FIXTURES;
  const pool = new ProcessPool(2);
  try {
    // Tasks (tfjs in each worker) and a whole experiment (the demo: GD runs and eigenvalues) in workers.
    const local = await runExperiment(sweepExperiment, { mode: "quick", cache: false });
    const parallel = await runExperiment(sweepExperiment, { mode: "quick", cache: false, executor: pool });
    assert.equal(JSON.stringify(parallel.tables), JSON.stringify(local.tables));
    const demoLocal = await runExperiment(demo, { mode: "quick", cache: false });
    const demoPool = await runExperiment(demo, { mode: "quick", cache: false, executor: pool });
    assert.deepEqual(demoPool.tables, demoLocal.tables);
    assert.equal(JSON.stringify(demoPool.tables), JSON.stringify(demoLocal.tables));
  } finally {
    await pool.close();
    delete process.env.FLOWLAB_TASK_MODULES;
  }
});
