/**
 * `flowlab worker --redis redis://host:port [--concurrency N]`: computes tasks from the BullMQ queue that
 * `flowlab figures --queue` (or `runExperiment(..., { queue })`) fills, in N worker processes, until Ctrl-C or
 * SIGTERM. Jobs whose code differs from this worker's are refused with both versions named.
 */
import { availableParallelism } from "node:os";
import { parseFlags, UsageError, type FlagSpec } from "./args";
import { VERSION } from "../version";

export const spec: Record<string, FlagSpec> = {
  redis: { kind: "string", help: "Redis URL of the queue, e.g. redis://127.0.0.1:6379 (required)" },
  concurrency: { kind: "number", help: `tasks at once, each in its own process (default: the number of cores, here ${availableParallelism()})` },
  "lock-ms": { kind: "number", help: "job lock duration: a dead worker's task is retried after about this long (default 30000)" },
};
export const summary = "compute queued tasks (BullMQ on Redis) for 'flowlab figures --queue' on other machines";

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  const redis = flags.redis as string | undefined;
  if (!redis) throw new UsageError("--redis is required, e.g. --redis redis://127.0.0.1:6379");
  const concurrency = (flags.concurrency as number | undefined) ?? availableParallelism();
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive integer, got ${concurrency}`);
  const lockMs = flags["lock-ms"] as number | undefined;
  if (lockMs !== undefined && !(lockMs >= 200)) throw new UsageError(`--lock-ms must be at least 200, got ${lockMs}`);
  const { loadTaskModules } = await import("../lab/worker-entry");
  await loadTaskModules();
  const { startQueueWorker } = await import("../lab/queue");
  const w = await startQueueWorker({ redis, concurrency, lockMs });
  console.log(`flowlab worker ${VERSION} (pid ${process.pid}): ${concurrency} process(es) on ${redis}`);
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      done();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  console.log("flowlab worker: stopping; tasks in progress go back to the queue");
  await w.close();
  return 0;
}
