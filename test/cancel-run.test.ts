/** Cancellation of runs: in-process loops, worker processes, and the CLI's Ctrl-C. */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import test from "node:test";
import { tf } from "../src/backend";
import { CancelledError } from "../src/cancel";
import { activeRunCount, interruptActiveRuns } from "../src/lab/interrupt";
import { ProcessPool } from "../src/lab/pool";
import { registerExperiment } from "../src/lab/registry";
import { runExperiment } from "../src/lab/run";
import { sweepExperiment } from "./fixtures/lab-tasks";

const tmp = (): string => mkdtempSync(join(tmpdir(), "flowlab-cancel-"));
const ROOT = resolve(__dirname, "..");

/** A loop of tfjs steps that reports progress each step and offers (empty) live tables every 10. */
const loop = registerExperiment<{ steps: number }>({
  id: "test-cancel-loop",
  title: "t",
  paper: "p",
  configs: { quick: { steps: 200_000 }, full: { steps: 200_000 } },
  async run(c, ctx) {
    const bar = ctx.progress("loop", c.steps);
    const init = tf.ones([8]);
    const w = tf.variable(init);
    init.dispose();
    try {
      const ys: number[] = [];
      for (let s = 0; s < c.steps; s++) {
        // tf.tidy frees its intermediates when the step throws, too.
        const y = tf.tidy(() => w.mul(1.0001).sum().dataSync()[0]);
        ys.push(y);
        bar.update(s + 1);
        if (s % 10 === 0) await ctx.live({});
      }
      bar.finish();
      return { t: { y: ys } };
    } finally {
      w.dispose();
    }
  },
  figures: [{ id: "test-cancel-loop", paperFigure: "none", title: "loop", caption: () => "", size: "text", build: () => ({ data: [], layout: {} }) }],
  claims: () => [],
});

test("interrupting a run stops its loop at the next step, caches nothing, frees its tensors; the process stays usable", async () => {
  const cacheDir = tmp();
  await runExperiment(loop, { mode: "quick", cacheDir, config: { steps: 3 } }); // warms the backend
  const tensorsBefore = tf.memory().numTensors;
  setTimeout(() => interruptActiveRuns(), 300);
  const t0 = Date.now();
  await assert.rejects(runExperiment(loop, { mode: "quick", cacheDir }), (e: unknown) => e instanceof CancelledError && /^interrupted at step \d+: test-cancel-loop$/.test(e.message));
  assert.ok(Date.now() - t0 < 20_000);
  assert.equal(activeRunCount(), 0);
  assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor left behind");
  assert.deepEqual(readdirSync(join(cacheDir, "test-cancel-loop")).length, 1, "only the earlier 3-step run is cached");
  // A caller's own signal works the same way, and the next run completes and is cached.
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  await assert.rejects(runExperiment(loop, { mode: "quick", cacheDir, signal: ac.signal }), CancelledError);
  const after = await runExperiment(loop, { mode: "quick", cacheDir, config: { steps: 5 } });
  assert.equal(after.tables.t.y.length, 5);
  assert.equal(readdirSync(join(cacheDir, "test-cancel-loop")).length, 2);
});

/** A one-worker pool that loads the lab-tasks fixtures, and a fresh cache folder; the pool is closed afterwards. */
/** A one-task sweep at `x` whose task would run 60 s; `onRunning` is called once, at its first progress report. */
function runLongTask(pool: ProcessPool, cacheDir: string, x: number, onRunning: () => void): ReturnType<typeof runExperiment> {
  let running = false;
  return runExperiment(sweepExperiment, {
    mode: "quick",
    config: { xs: [x], ms: 60_000 },
    cacheDir,
    executor: pool,
    onTask: (e) => {
      if (e.type === "progress" && !running) {
        running = true;
        onRunning();
      }
    },
  });
}

async function withPool(body: (pool: ProcessPool, cacheDir: string) => Promise<void>): Promise<void> {
  process.env.FLOWLAB_TASK_MODULES = join(ROOT, "test", "fixtures", "lab-tasks.ts");
  const pool = new ProcessPool(1);
  try {
    await body(pool, tmp());
  } finally {
    await pool.close();
    delete process.env.FLOWLAB_TASK_MODULES;
  }
}

test("interrupting a run whose tasks run in worker processes kills them; the pool serves the next run", () =>
  withPool(async (pool, cacheDir) => {
    const started = Date.now();
    const run = runLongTask(pool, cacheDir, 61, interruptActiveRuns);
    await assert.rejects(run, CancelledError);
    assert.ok(Date.now() - started < 30_000, "stopped long before the task's 60 s");
    assert.equal(existsSync(join(cacheDir, "tasks")), false, "nothing cached");
    assert.equal(existsSync(join(cacheDir, "test-lab-sweep")), false);
    const next = await runExperiment(sweepExperiment, { mode: "quick", config: { xs: [62], ms: 10 }, cacheDir, executor: pool });
    assert.equal(next.tables.sweep.x[0], 62);
  }));

test("a worker process that reports an error (a failed spawn or IPC send) fails its task with the reason; the submitter survives and the pool serves the next run", () =>
  withPool(async (pool, cacheDir) => {
    const run = runLongTask(pool, cacheDir, 63, () => {
      // What Node does when a send to the worker fails: an 'error' event on its ChildProcess.
      const slots = (pool as unknown as { slotsList: ({ child: ChildProcess } | null)[] }).slotsList;
      slots[0]?.child.emit("error", new Error("channel closed (simulated)"));
    });
    await assert.rejects(run, /worker process \d+ failed while running test\.work: channel closed \(simulated\)/);
    assert.equal(existsSync(join(cacheDir, "tasks")), false, "nothing cached");
    const next = await runExperiment(sweepExperiment, { mode: "quick", config: { xs: [64], ms: 10 }, cacheDir, executor: pool });
    assert.equal(next.tables.sweep.x[0], 64);
  }));

test("flowlab figures: Ctrl-C exits 130 with one line, no output files and nothing cached", { timeout: 120_000 }, async () => {
  const out = tmp();
  const results = tmp();
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli.ts"), "figures", "--only", "central-flows-gd-variants", "--formats", "csv", "--out", out, "--jobs", "2"], {
    cwd: ROOT,
    env: { ...process.env, FLOWLAB_RESULTS: results, FLOWLAB_PROGRESS: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  // Interrupt once a task is under way in a worker (its progress reaches the log) or after 40 s.
  const t0 = Date.now();
  while (!/flowlab figures:/.test(stdout) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 8000));
  child.kill("SIGINT");
  const code = await exited;
  assert.equal(code, 130, `exit code; stdout: ${stdout}\nstderr: ${stderr}`);
  assert.match(stderr, /interrupted/);
  assert.deepEqual(readdirSync(out), [], "no output files");
  assert.equal(existsSync(join(results, "central-flows-gd-variants")), false, "no experiment entry cached");
});
