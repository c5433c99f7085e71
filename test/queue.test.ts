/**
 * The BullMQ queue with real parts: Debian's redis-server on a free port (no persistence) and real
 * `flowlab worker` processes running the fixture tasks (test/fixtures/lab-tasks.ts).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { TaskCache } from "../src/lab/cache";
import { QueueExecutor } from "../src/lab/queue";
import { runExperiment } from "../src/lab/run";
import { taskHash, taskKey, TaskFailedError } from "../src/lab/task";
import { sweepExperiment, workTask } from "./fixtures/lab-tasks";
import { REDIS_SERVER, RedisServer, startWorker, type WorkerProcess } from "./queue-redis";

const tmp = (): string => mkdtempSync(join(tmpdir(), "flowlab-queue-"));
const skip = existsSync(REDIS_SERVER) ? false : `${REDIS_SERVER} is not installed (apt-get install redis-server)`;

/** Computations per config in the workers' log. */
function computations(log: string): Map<number, number> {
  const m = new Map<number, number>();
  if (!existsSync(log)) return m;
  for (const line of readFileSync(log, "utf8").split("\n").filter(Boolean)) {
    const x = (JSON.parse(line.split(" ")[1]) as { x: number }).x;
    m.set(x, (m.get(x) ?? 0) + 1);
  }
  return m;
}

/** Every task entry in a cache dir reads back as a valid hit. */
function assertCacheSound(cacheDir: string, xs: number[], ms: number): void {
  const cache = new TaskCache(cacheDir);
  for (const x of xs) {
    const key = taskKey(workTask, { x, ms });
    assert.equal(cache.read(key).status, "hit", `task x=${x}`);
  }
  const dir = join(cacheDir, "tasks", "test.work");
  for (const f of readdirSync(dir)) assert.match(f, /^[0-9a-f]{16}\.json$/, "no temp or partial files");
}

test("queue: three workers, one SIGKILLed mid-task; a poison task; results equal a local run", { skip, timeout: 180_000 }, async () => {
  const redis = await RedisServer.start();
  const log = join(tmp(), "log");
  const workers: WorkerProcess[] = [];
  let q: QueueExecutor | null = null;
  try {
    for (let i = 0; i < 3; i++) workers.push(await startWorker(redis.url, log));
    q = await QueueExecutor.connect(redis.url, { pollMs: 200 });
    const config = { xs: [2, 3, 4, 5, 6, 7], ms: 1500 };
    const cacheDir = tmp();
    const run = runExperiment(sweepExperiment, { mode: "full", config, cacheDir, executor: q });
    // Once every worker has started a task, kill one of them outright.
    while (computations(log).size < 3) await new Promise((r) => setTimeout(r, 100));
    await workers[0].stop("SIGKILL");
    const r = await run;
    const local = await runExperiment(sweepExperiment, { mode: "full", config: { ...config, ms: 0 }, cache: false });
    assert.deepEqual(r.tables, local.tables, "every result arrived and equals a local run");
    const counts = computations(log);
    assert.deepEqual([...counts.keys()].sort(), config.xs, "every task ran");
    assert.ok([...counts.values()].reduce((a, b) => a + b, 0) >= 7, "the killed worker's task ran again elsewhere");
    assertCacheSound(cacheDir, config.xs, config.ms);
    assert.equal(readdirSync(join(cacheDir, "tasks", "test.work")).length, config.xs.length, "each result applied once");

    // The poison task comes back with its config and error; the others complete.
    await assert.rejects(
      runExperiment(sweepExperiment, { mode: "full", config: { xs: [21, 13, 22], ms: 100 }, cacheDir, executor: q }),
      (e: unknown) => e instanceof TaskFailedError && e.failures.length === 1 && (e.failures[0].config as { x: number }).x === 13 && /poisoned config x=13/.test(e.failures[0].error),
    );
    assertCacheSound(cacheDir, [21, 22], 100);

    // A job for other code is refused with both versions named.
    const key = { ...taskKey(workTask, { x: 1, ms: 0 }), code: "deadbeef".repeat(8) };
    await assert.rejects(
      q.execute({ kind: "test.work", config: { x: 1, ms: 0 }, key, hash: taskHash(key) }, new AbortController().signal),
      /worker runs flowlab \d+\.\d+\.\d+\+[0-9a-f]{8} for task test\.work, the job needs \d+\.\d+\.\d+\+deadbeef/,
    );
  } finally {
    await q?.close();
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});

test("queue: two submitters of one experiment compute each task once", { skip, timeout: 120_000 }, async () => {
  const redis = await RedisServer.start();
  const log = join(tmp(), "log");
  const workers: WorkerProcess[] = [];
  const subs: QueueExecutor[] = [];
  try {
    for (let i = 0; i < 2; i++) workers.push(await startWorker(redis.url, log));
    for (let i = 0; i < 2; i++) subs.push(await QueueExecutor.connect(redis.url, { pollMs: 200 }));
    const config = { xs: [31, 32, 33, 34], ms: 300 };
    const [a, b] = await Promise.all(subs.map((q) => runExperiment(sweepExperiment, { mode: "full", config, cacheDir: tmp(), executor: q })));
    assert.deepEqual(a.tables, b.tables);
    assert.deepEqual([...computations(log).entries()].sort((x, y) => x[0] - y[0]), config.xs.map((x) => [x, 1]));
  } finally {
    for (const q of subs) await q.close();
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});

test("queue: Redis stopped and restarted mid-run; the run completes (jobs resubmitted) with a sound cache", { skip, timeout: 120_000 }, async () => {
  const redis = await RedisServer.start();
  const log = join(tmp(), "log");
  const workers: WorkerProcess[] = [];
  let q: QueueExecutor | null = null;
  try {
    for (let i = 0; i < 2; i++) workers.push(await startWorker(redis.url, log));
    q = await QueueExecutor.connect(redis.url, { pollMs: 200, redisTimeoutMs: 20_000 });
    const config = { xs: [41, 42, 43, 44], ms: 1000 };
    const cacheDir = tmp();
    const run = runExperiment(sweepExperiment, { mode: "full", config, cacheDir, executor: q });
    while (computations(log).size < 1) await new Promise((r) => setTimeout(r, 100));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1000));
    await redis.restart();
    const r = await run;
    const local = await runExperiment(sweepExperiment, { mode: "full", config: { ...config, ms: 0 }, cache: false });
    assert.deepEqual(r.tables, local.tables);
    assertCacheSound(cacheDir, config.xs, config.ms);
  } finally {
    await q?.close();
    for (const w of workers) await w.stop();
    await redis.stop();
  }
});

test("queue: Redis gone for good fails the run with a clear message and caches nothing partial", { skip, timeout: 60_000 }, async () => {
  const redis = await RedisServer.start();
  const q = await QueueExecutor.connect(redis.url, { pollMs: 200, redisTimeoutMs: 1500 });
  const cacheDir = tmp();
  try {
    const run = runExperiment(sweepExperiment, { mode: "full", config: { xs: [51, 52], ms: 100 }, cacheDir, executor: q });
    await new Promise((r) => setTimeout(r, 300));
    await redis.stop();
    await assert.rejects(run, /lost the connection to Redis at redis:\/\/127\.0\.0\.1:\d+ for \d+ s/);
    assert.equal(existsSync(join(cacheDir, "tasks")), false);
  } finally {
    await q.close();
    await redis.stop();
  }
});
