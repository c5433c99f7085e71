/**
 * Tasks: the unit of caching and of work. A task is a pure function of a JSON config (one flow run, one
 * training run, one seed) returning plain data (tables, arrays, numbers). It is registered by kind when its
 * module is imported, so a worker process that imports the papers finds it by name. An experiment runs its
 * tasks through `ctx.map(configs, task)` and assembles tables and claims from the results in-process.
 *
 * A task's result is keyed by (kind, canonical config, library version, hash of the task module's graph):
 * editing any code the task runs invalidates its entries and only those.
 */
import { callerFile, codeLabel, moduleGraphHash } from "./codehash";
import { canonicalJson, hashOf } from "./hash";
import type { TaskContext } from "./types";
import { VERSION } from "../version";

export interface Task<C extends object = object, R = unknown> {
  /** Registry name, e.g. "central-flows.comparison"; names cache folders and queue jobs. */
  readonly kind: string;
  /** The module whose graph is the task's code (where `defineTask` was called, unless given). */
  readonly module: string;
  run(config: C, ctx: TaskContext): Promise<R> | R;
  /** The code hash for one config, when it is not the module's graph (the whole-experiment task). */
  codeHash?(config: C): string;
}

const KIND_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const tasks = new Map<string, Task>();

/**
 * Defines and registers a task. Call it at a module's top level (the module's graph is the task's code).
 * `run` must be a pure function of `config`: it may read data files the config names, never global state.
 */
export function defineTask<C extends object, R>(kind: string, run: (config: C, ctx: TaskContext) => Promise<R> | R, options: { module?: string } = {}): Task<C, R> {
  if (!KIND_PATTERN.test(kind)) throw new Error(`task kind '${kind}' must match ${KIND_PATTERN} (it names files and jobs)`);
  const module = options.module ?? callerFile(0);
  const existing = tasks.get(kind);
  if (existing && existing.module !== module) throw new Error(`task kind '${kind}' is defined twice (${existing.module} and ${module})`);
  const task: Task<C, R> = { kind, module, run };
  tasks.set(kind, task as unknown as Task);
  return task;
}

/** Registers a task object built elsewhere (the runner's whole-experiment task). */
export function registerTask<C extends object, R>(task: Task<C, R>): Task<C, R> {
  tasks.set(task.kind, task as unknown as Task);
  return task;
}

export function getTask(kind: string): Task {
  const t = tasks.get(kind);
  if (!t) throw new Error(`unknown task kind '${kind}': registered kinds are ${[...tasks.keys()].sort().join(", ") || "(none)"}`);
  return t;
}

export function listTaskKinds(): string[] {
  return [...tasks.keys()].sort();
}

/** The hex hash of the code `task` runs for `config`. */
export function taskCodeHash<C extends object>(task: Task<C, unknown>, config: C): string {
  return task.codeHash ? task.codeHash(config) : moduleGraphHash(task.module).hash;
}

/** Everything a task result depends on. */
export interface TaskKey {
  kind: string;
  version: string;
  /** The code hash (see codehash.ts). */
  code: string;
  config: object;
}

export function taskKey<C extends object>(task: Task<C, unknown>, config: C): TaskKey {
  canonicalJson(config, `task ${task.kind} config`); // plain data, or an error naming the field
  return { kind: task.kind, version: VERSION, code: taskCodeHash(task, config), config };
}

/** The key's hash: the task's cache file name and its queue job id. */
export function taskHash(key: TaskKey): string {
  return hashOf(key);
}

/** "0.1.0+1a2b3c4d": the code a key needs, for messages. */
export function keyCodeLabel(key: TaskKey): string {
  return codeLabel(key.version, key.code);
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

/**
 * Results cross processes and sit in the cache as JSON: non-finite numbers are spelled as strings ("NaN",
 * "Infinity", "-Infinity"; so a result cannot hold those three strings), typed arrays become arrays.
 */
export function encodeResult(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return String(v);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  });
}

export function decodeResult(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v)) as unknown;
}

/** One failed task of a map: what it was given and what it threw. */
export interface TaskFailure {
  kind: string;
  config: object;
  error: string;
}

/** Thrown by `ctx.map` after every other task has completed, when some tasks threw. */
export class TaskFailedError extends Error {
  constructor(readonly failures: TaskFailure[]) {
    super(
      `${failures.length} task(s) failed:\n` +
        failures.map((f) => `  ${f.kind} ${canonicalJson(f.config)}: ${f.error.split("\n")[0]}`).join("\n"),
    );
    this.name = "TaskFailedError";
  }
}
