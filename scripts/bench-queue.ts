/**
 * The queue's own overhead and its scaling on this machine, with a real redis-server and `flowlab worker`
 * processes (the test fixtures' tasks):
 *   - no-op tasks per second through Redis, one worker (1 process);
 *   - 8 CPU-bound tasks of 1 s with 1 worker vs 2 workers (1 process each).
 * Usage: node --import tsx scripts/bench-queue.ts [noopTasks=300] [spinMs=1000]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeRunContext } from "../src/lab/context";
import { QueueExecutor } from "../src/lab/queue";
import { noopTask, spinTask } from "../test/fixtures/lab-tasks";
import { RedisServer, startWorker, type WorkerProcess } from "../test/queue-redis";

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = Date.now();
  const r = await f();
  return [r, Date.now() - t0];
}

async function main(): Promise<void> {
  const noops = Number(process.argv[2] ?? 300);
  const spinMs = Number(process.argv[3] ?? 1000);
  const redis = await RedisServer.start();
  const log = join(mkdtempSync(join(tmpdir(), "flowlab-bench-")), "log");
  const workers: WorkerProcess[] = [];
  const q = await QueueExecutor.connect(redis.url, { pollMs: 500 });
  const ctx = (): ReturnType<typeof makeRunContext> => makeRunContext({ experimentId: "bench", mode: "full", signal: new AbortController().signal, executor: q, cache: null });
  try {
    workers.push(await startWorker(redis.url, log));
    // Warm: the worker's process pool forks its child on the first job.
    await ctx().map([{ i: -1 }], noopTask);
    const [, noopMs] = await timed(() => ctx().map(Array.from({ length: noops }, (_, i) => ({ i })), noopTask));
    console.log(`no-op tasks: ${noops} in ${noopMs} ms = ${((noops * 1000) / noopMs).toFixed(0)} tasks/s (1 worker, 1 process)`);
    const spins = (tag: number) => Array.from({ length: 8 }, (_, i) => ({ i: tag * 100 + i, ms: spinMs }));
    const [, one] = await timed(() => ctx().map(spins(1), spinTask));
    workers.push(await startWorker(redis.url, log));
    await ctx().map([{ i: -2 }, { i: -3 }], noopTask); // warm the second worker's child
    const [, two] = await timed(() => ctx().map(spins(2), spinTask));
    console.log(`8 tasks × ${spinMs} ms CPU: 1 worker ${(one / 1000).toFixed(2)} s, 2 workers ${(two / 1000).toFixed(2)} s, speedup ${(one / two).toFixed(2)}×`);
  } finally {
    await q.close();
    for (const w of workers) await w.stop();
    await redis.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
