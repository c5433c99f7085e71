/**
 * Tasks on a BullMQ queue in Redis, computed by `flowlab worker` processes on any number of machines.
 *
 * Submitting (QueueExecutor): each task is a job whose id is "t-" + the task hash, so two submitters of the
 * same task share one job (BullMQ ignores an add with an existing id) and it is computed once. Results are
 * collected from QueueEvents and, as a safety net, by polling each waiting job's state: a job Redis lost (a
 * restart without persistence) is submitted again. A result carries the SHA-256 of its body, checked before
 * the caller caches it; the caller writes each result once, atomically.
 *
 * Working (startQueueWorker): a BullMQ Worker whose processor hands each job to a local ProcessPool, so the
 * worker's own event loop stays free to renew job locks while tasks compute. A job whose code hash differs
 * from this worker's is failed with "worker runs flowlab X, the job needs Y" (no retry). A worker that dies
 * leaves its jobs' locks to expire; BullMQ's stalled-job check moves them back to the queue for another
 * worker (up to `maxStalledCount` times). A task that throws fails its job once (tasks are pure: a retry
 * would throw again) and the submitter gets the error with the config.
 */
import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from "bullmq";
import IORedis from "ioredis";
import { CancelledError } from "../cancel";
import type { TaskExecutor, TaskOutcome, TaskRequest } from "./context";
import { sha256 } from "./hash";
import { ProcessPool } from "./pool";
import { configLabel } from "./context";

export const QUEUE_NAME = "flowlab-tasks";

/** What a job carries. */
export interface TaskJobData {
  kind: string;
  config: object;
  code: string;
  version: string;
}

/** What a worker returns: the encoded result and its checksum. */
export interface TaskJobResult {
  body: string;
  bodySha256: string;
  runtimeMs: number;
  backend: string | null;
}

export function jobId(hash: string): string {
  return `t-${hash}`;
}

function redisUrl(url: string): string {
  if (!/^rediss?:\/\//.test(url)) throw new Error(`--queue/--redis must be a redis:// URL (e.g. redis://127.0.0.1:6379), got '${url}'`);
  return url;
}

function connect(url: string): IORedis {
  const client = new IORedis(redisUrl(url), { maxRetriesPerRequest: null, lazyConnect: false, retryStrategy: (n) => Math.min(200 * n, 2000) });
  client.on("error", () => undefined); // reported through the executor's connection timeout, not as unhandled errors
  return client;
}

function parseResult(value: unknown, id: string): TaskOutcome {
  const r = (typeof value === "string" ? JSON.parse(value) : value) as TaskJobResult | null;
  if (!r || typeof r.body !== "string") throw new Error(`job ${id}: completed without a result; not cached`);
  if (sha256(r.body) !== r.bodySha256) throw new Error(`job ${id}: the result arrived corrupt (checksum mismatch); not cached`);
  return { body: r.body, runtimeMs: r.runtimeMs, backend: r.backend };
}

interface Waiter {
  request: TaskRequest;
  id: string;
  resolve: (o: TaskOutcome) => void;
  reject: (e: Error) => void;
}

export interface QueueExecutorOptions {
  queueName?: string;
  /** How often each waiting job's state is polled (default 1000 ms). */
  pollMs?: number;
  /** Fail every waiting task when Redis has been unreachable this long (default 30 s). */
  redisTimeoutMs?: number;
}

export class QueueExecutor implements TaskExecutor {
  readonly remote = true;
  /** Jobs in flight at once from one submitter: the workers bound the actual parallelism. */
  readonly slots = 10_000;
  private readonly waiters = new Map<string, Waiter>();
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private downSince: number | null = null;
  private closed = false;

  private constructor(
    readonly url: string,
    private readonly client: IORedis,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly options: Required<QueueExecutorOptions>,
    private readonly eventsClient?: IORedis,
  ) {
    events.on("completed", ({ jobId: id, returnvalue }) => this.settle(id, () => parseResult(returnvalue, id)));
    events.on("failed", ({ jobId: id, failedReason }) => this.fail(id, failedReason));
    client.on("ready", () => (this.downSince = null));
    client.on("close", () => (this.downSince ??= Date.now()));
    this.timer = setInterval(() => void this.sweep(), options.pollMs);
  }

  get description(): string {
    return `queue ${this.url}`;
  }

  static async connect(url: string, options: QueueExecutorOptions = {}): Promise<QueueExecutor> {
    const o: Required<QueueExecutorOptions> = { queueName: options.queueName ?? QUEUE_NAME, pollMs: options.pollMs ?? 1000, redisTimeoutMs: options.redisTimeoutMs ?? 30_000 };
    const client = connect(url);
    try {
      await Promise.race([client.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error("no answer in 10 s")), 10_000).unref())]);
    } catch (e) {
      client.disconnect();
      throw new Error(`cannot reach Redis at ${url}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const queue = new Queue(o.queueName, { connection: client });
    const eventsClient = connect(url);
    const events = new QueueEvents(o.queueName, { connection: eventsClient });
    await events.waitUntilReady();
    return new QueueExecutor(url, client, queue, events, o, eventsClient);
  }

  private settle(id: string, get: () => TaskOutcome): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    try {
      w.resolve(get());
    } catch (e) {
      w.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private fail(id: string, reason: string): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    w.reject(new Error(reason));
  }

  private async add(w: Waiter): Promise<void> {
    const { kind, config, key } = w.request;
    const data: TaskJobData = { kind, config, code: key.code, version: key.version };
    const job = await this.queue.add(configLabel(kind, config), data, { jobId: w.id, attempts: 1, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } });
    // An old failure of this very job (same code and config) from before this submitter started: try again
    // once (the failure may have been a refusing worker). A failure seen after we started is this run's.
    const state = await job.getState();
    if (state === "failed" && (job.finishedOn ?? 0) < this.started) await job.retry("failed");
  }

  private async sweep(): Promise<void> {
    if (this.closed) return;
    if (this.downSince !== null && Date.now() - this.downSince > this.options.redisTimeoutMs) {
      const msg = `lost the connection to Redis at ${this.url} for ${Math.round((Date.now() - this.downSince) / 1000)} s; no result of the unfinished tasks was cached`;
      for (const id of [...this.waiters.keys()]) this.fail(id, msg);
      return;
    }
    if (this.downSince !== null) return;
    for (const w of [...this.waiters.values()]) {
      try {
        // State first, then the job: a job read before its state turned "completed" has no return value yet.
        const state = await this.queue.getJobState(w.id);
        if (!this.waiters.has(w.id)) continue;
        if (state === "unknown") {
          await this.add(w); // Redis lost it (restarted without persistence): submit again
          continue;
        }
        if (state !== "completed" && state !== "failed") continue;
        const job = await Job.fromId(this.queue, w.id);
        if (!job || !this.waiters.has(w.id)) continue;
        if (state === "completed") this.settle(w.id, () => parseResult(job.returnvalue, w.id));
        else this.fail(w.id, job.failedReason);
      } catch {
        return; // Redis went away mid-sweep; the next sweep (or the timeout) deals with it
      }
    }
  }

  async execute(request: TaskRequest, signal: AbortSignal): Promise<TaskOutcome> {
    if (signal.aborted) throw new CancelledError(request.kind);
    const id = jobId(request.hash);
    const existing = this.waiters.get(id);
    if (existing) throw new Error(`task ${id} is already being collected by this submitter`);
    return new Promise<TaskOutcome>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(id);
        // A job still waiting is withdrawn; one a worker runs finishes there (its result stays in Redis).
        void Job.fromId(this.queue, id)
          .then((job) => job?.remove())
          .catch(() => undefined);
        reject(new CancelledError(request.kind));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      const w: Waiter = {
        request,
        id,
        resolve: (o) => {
          signal.removeEventListener("abort", onAbort);
          resolve(o);
        },
        reject: (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      this.waiters.set(id, w);
      this.add(w).then(
        () => void this.sweep(), // it may have completed before we listened (another submitter's job)
        (e: unknown) => this.fail(id, `cannot submit to Redis at ${this.url}: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.events.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    // BullMQ leaves connections it was given open: ours would keep reconnecting (and the process alive) after Redis is gone.
    this.client.disconnect();
    this.eventsClient?.disconnect();
  }
}

export interface QueueWorkerOptions {
  redis: string;
  /** Tasks at once (worker processes). Default 1. */
  concurrency?: number;
  queueName?: string;
  /** Job lock duration: a dead worker's job is retried after about this long (default 30 s). */
  lockMs?: number;
  /** How many times a job may be recovered from a dead worker before it fails (default 2). */
  maxStalledCount?: number;
  log?: (line: string) => void;
}

export interface QueueWorker {
  /** Stops taking jobs, kills the worker processes (their jobs go back to the queue for another worker). */
  close(): Promise<void>;
  readonly worker: Worker;
}

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const { codeMismatch } = await import("./worker-entry");
  const concurrency = o.concurrency ?? 1;
  const log = o.log ?? ((line: string) => console.log(line));
  const pool = new ProcessPool(concurrency);
  const never = new AbortController().signal;
  const lockMs = o.lockMs ?? 30_000;
  const client = connect(o.redis);
  await client.ping().catch((e: unknown) => {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${o.redis}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const worker = new Worker<TaskJobData, TaskJobResult>(
    o.queueName ?? QUEUE_NAME,
    async (job) => {
      const { kind, config, code, version } = job.data;
      const refused = codeMismatch(kind, config, code, version);
      if (refused) {
        log(`refused ${job.id}: ${refused}`);
        throw new UnrecoverableError(refused);
      }
      const t0 = Date.now();
      const outcome = await pool.execute({ kind, config, key: { kind, config, code, version }, hash: String(job.id) }, never, () => undefined);
      log(`${job.name}: done in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
      return { body: outcome.body, bodySha256: sha256(outcome.body), runtimeMs: outcome.runtimeMs, backend: outcome.backend };
    },
    { connection: client, concurrency, lockDuration: lockMs, stalledInterval: Math.max(500, Math.round(lockMs / 2)), maxStalledCount: o.maxStalledCount ?? 2, autorun: true },
  );
  worker.on("failed", (job, err) => {
    if (job && !(err instanceof UnrecoverableError)) log(`${job.name}: failed: ${err.message.split("\n")[0]}`);
  });
  worker.on("error", (e) => log(`worker: ${e.message}`));
  await worker.waitUntilReady();
  return {
    worker,
    async close(): Promise<void> {
      // Jobs in progress are abandoned, not failed: their locks expire and another worker takes them.
      await worker.close(true);
      client.disconnect();
      await pool.close();
    },
  };
}
