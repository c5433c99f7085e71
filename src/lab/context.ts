/**
 * The run context and where tasks execute. `makeRunContext` gives an experiment's `run` its progress bars,
 * live offers and `map`/`run` over tasks; every bar update and live offer checks the run's signal and throws
 * CancelledError once it is aborted, so loops stop at their next step without knowing about signals.
 *
 * `ctx.map` looks each task up in the task cache, sends the misses to a TaskExecutor (this process, a pool of
 * worker processes, or a BullMQ queue) and caches each result as it arrives. Results always travel as their
 * JSON encoding, also in-process, so every executor returns bit-identical data.
 */
import { setMaxListeners } from "node:events";
import { initBackend } from "../runtime";
import { isCancelled, throwIfCancelled } from "../cancel";
import { Progress, type ProgressEvent } from "../progress";
import { TaskCache } from "./cache";
import { decodeResult, encodeResult, getTask, taskHash, taskKey, TaskFailedError, type Task, type TaskFailure, type TaskKey } from "./task";
import type { RunContext, RunMode, TablesLike, TaskContext } from "./types";

/** One task to execute. */
export interface TaskRequest {
  kind: string;
  config: object;
  key: TaskKey;
  /** taskHash(key): cache file name and queue job id. */
  hash: string;
}

/** A task's result as it crosses processes: the encoded result and how it was computed. */
export interface TaskOutcome {
  body: string;
  runtimeMs: number;
  backend: string | null;
}

export interface TaskExecutor {
  /** For messages: "this process", "2 worker processes", "queue redis://…". */
  readonly description: string;
  /** Tasks that may run at once (ctx.map submits up to this many). */
  readonly slots: number;
  /** False when tasks run in this process (then a whole experiment runs here too, with live plots). */
  readonly remote: boolean;
  execute(request: TaskRequest, signal: AbortSignal, onProgress: (e: ProgressEvent) => void): Promise<TaskOutcome>;
  close(): Promise<void>;
  /**
   * Whether the executor's processes load `module` (where a task or experiment is defined); when not (a task
   * defined in a test file or a notebook), the runner runs it in this process. Absent: assumed yes.
   */
  canLoad?(module: string): boolean;
}

/** A bar whose every update first checks the signal: the point where a cancelled loop stops. */
class CancellableProgress extends Progress {
  constructor(
    label: string,
    total: number,
    private readonly signal: AbortSignal,
  ) {
    super(label, total);
  }

  override update(done: number, info?: string): void {
    throwIfCancelled(this.signal, this.label, done);
    super.update(done, info);
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((done) => setImmediate(done));

/** A task's context: cancellable bars (prefixed with `prefix`), live offers that only yield and check. */
export function makeTaskContext(signal: AbortSignal, prefix = ""): TaskContext {
  return {
    signal,
    progress: (label, total) => new CancellableProgress(prefix ? `${prefix}: ${label}` : label, total, signal),
    async live(): Promise<void> {
      throwIfCancelled(signal, prefix || "task");
      await yieldToEventLoop();
    },
  };
}

/** Runs a task in this process and encodes its result. */
export async function runTaskHere(kind: string, config: object, signal: AbortSignal, prefix = ""): Promise<TaskOutcome> {
  const task = getTask(kind);
  const { backend } = await initBackend();
  const t0 = Date.now();
  const ctx = makeTaskContext(signal, prefix);
  const value = await task.run(config, { ...ctx, ...nestedMap(ctx) } as TaskContext);
  throwIfCancelled(signal, prefix || kind);
  return { body: encodeResult(value), runtimeMs: Date.now() - t0, backend };
}

/** Tasks run by a task run inline (uncached): a task's context is a RunContext too, minus the mode. */
function nestedMap(ctx: TaskContext): Pick<RunContext, "map" | "run"> {
  const map = async <TC extends object, R>(configs: readonly TC[], task: Task<TC, R>): Promise<R[]> => {
    const out: R[] = [];
    for (const c of configs) out.push(decodeResult(encodeResult(await task.run(c, ctx))) as R);
    return out;
  };
  return { map, run: async (task, config) => (await map([config], task))[0] };
}

/** Tasks in this process, one at a time. */
export class InProcessExecutor implements TaskExecutor {
  readonly description = "this process";
  readonly slots = 1;
  readonly remote = false;
  async execute(request: TaskRequest, signal: AbortSignal): Promise<TaskOutcome> {
    return runTaskHere(request.kind, request.config, signal);
  }
  async close(): Promise<void> {}
}

/** What the runner reports about tasks (the CLI's aggregated progress display listens). */
export type TaskEvent =
  | { type: "queued"; hash: string; kind: string; label: string }
  | { type: "cached"; hash: string; kind: string; label: string; loadMs: number }
  | { type: "progress"; hash: string; kind: string; label: string; progress: ProgressEvent }
  | { type: "done"; hash: string; kind: string; label: string; runtimeMs: number }
  | { type: "failed"; hash: string; kind: string; label: string; error: string };

export interface ContextOptions {
  experimentId: string;
  mode: RunMode;
  signal: AbortSignal;
  executor: TaskExecutor;
  /** null: the task cache is not used (RunOptions.cache false). */
  cache: TaskCache | null;
  onTask?: (e: TaskEvent) => void;
  /** Draws a live figure from partial tables (throttled by the caller). */
  live?: (partial: TablesLike) => void;
}

/** Short text naming a config in progress lines: its first few scalar fields. */
export function configLabel(kind: string, config: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") parts.push(`${k}=${v}`);
    if (parts.length === 3) break;
  }
  return parts.length > 0 ? `${kind} ${parts.join(" ")}` : kind;
}

export function makeRunContext(o: ContextOptions): RunContext {
  setMaxListeners(0, o.signal); // one abort listener per task in flight
  const base = makeTaskContext(o.signal, o.experimentId);
  // Progress of remote tasks, drawn here by one bar per (task, label) when nobody aggregates it.
  const bars = new Map<string, Progress>();
  const drawRemote = (hash: string, e: ProgressEvent): void => {
    const id = `${hash}\0${e.label}`;
    let bar = bars.get(id);
    if (!bar) bars.set(id, (bar = new Progress(e.label, e.total)));
    if (e.finished) {
      bar.finish(e.info);
      bars.delete(id);
    } else bar.update(e.done, e.info);
  };

  const map = async <TC extends object, R>(configs: readonly TC[], task: Task<TC, R>): Promise<R[]> => {
    throwIfCancelled(o.signal, o.experimentId);
    const requests = configs.map((config) => {
      const key = taskKey(task, config);
      return { kind: task.kind, config, key, hash: taskHash(key), label: configLabel(task.kind, config) };
    });
    const results: R[] = new Array<R>(configs.length);
    const failures: TaskFailure[] = [];
    const pending: number[] = [];
    for (const [i, r] of requests.entries()) {
      const t0 = Date.now();
      const hit = o.cache?.read(r.key);
      if (hit?.status === "hit") {
        results[i] = hit.result as R;
        o.onTask?.({ type: "cached", hash: r.hash, kind: r.kind, label: r.label, loadMs: Date.now() - t0 });
      } else {
        pending.push(i);
        o.onTask?.({ type: "queued", hash: r.hash, kind: r.kind, label: r.label });
      }
    }
    // The same config twice in one map is computed once.
    const inflight = new Map<string, Promise<TaskOutcome>>();
    const here = new InProcessExecutor();
    const executor = o.executor.canLoad && !o.executor.canLoad(task.module) ? here : o.executor;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pending.length) {
        const i = pending[next++];
        const r = requests[i];
        if (o.signal.aborted) return;
        try {
          let p = inflight.get(r.hash);
          if (!p) {
            p = executor.execute(r, o.signal, (e) => (o.onTask ? o.onTask({ type: "progress", hash: r.hash, kind: r.kind, label: r.label, progress: e }) : drawRemote(r.hash, e)));
            inflight.set(r.hash, p);
            const outcome = await p;
            // A result is cached as soon as it arrives: a complete result of a pure function, valid even if
            // the run is cancelled later. The interrupted task itself never gets here.
            o.cache?.write(r.key, outcome.body, { runtimeMs: outcome.runtimeMs, backend: outcome.backend });
            o.onTask?.({ type: "done", hash: r.hash, kind: r.kind, label: r.label, runtimeMs: outcome.runtimeMs });
          }
          results[i] = decodeResult((await p).body) as R;
        } catch (e) {
          if (isCancelled(e) || o.signal.aborted) return;
          const error = e instanceof Error ? e.message : String(e);
          failures.push({ kind: r.kind, config: r.config, error });
          o.onTask?.({ type: "failed", hash: r.hash, kind: r.kind, label: r.label, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(executor.slots, pending.length)) }, worker));
    throwIfCancelled(o.signal, o.experimentId);
    if (failures.length > 0) throw new TaskFailedError(failures);
    return results;
  };

  return {
    ...base,
    mode: o.mode,
    async live(partial: TablesLike): Promise<void> {
      throwIfCancelled(o.signal, o.experimentId);
      if (o.live && Object.keys(partial).length > 0) o.live(partial);
      await yieldToEventLoop();
    },
    map,
    run: async (task, config) => (await map([config], task))[0],
  };
}
