/**
 * A worker process of a ProcessPool (pool.ts): imports the library and every paper (so every task kind is
 * registered), plus the modules in FLOWLAB_TASK_MODULES (path-delimiter separated; test fixtures), inits its
 * own tfjs runtime, then runs one task at a time on the parent's request. It checks that its code hash for
 * the task equals the parent's (the files may have changed since the parent hashed them), forwards progress,
 * stops a task on "cancel" and exits when the parent goes away.
 */
import { delimiter, resolve } from "node:path";
import { initBackend } from "../runtime";
import { isCancelled } from "../cancel";
import { setProgressSink } from "../progress";
import { codeLabel } from "./codehash";
import { runTaskHere } from "./context";
import { getTask, taskCodeHash } from "./task";
import { VERSION } from "../version";
import "./run"; // registers the whole-experiment task
import type { ParentMessage, WorkerMessage } from "./pool";

export async function loadTaskModules(): Promise<void> {
  await import("../papers/index");
  for (const m of (process.env.FLOWLAB_TASK_MODULES ?? "").split(delimiter).filter(Boolean)) await import(resolve(m));
}

/** Why this process must not run a task whose code hash is `needed`, or null. */
export function codeMismatch(kind: string, config: object, needed: string, neededVersion: string): string | null {
  const own = taskCodeHash(getTask(kind), config);
  if (own === needed && neededVersion === VERSION) return null;
  return `worker runs flowlab ${codeLabel(VERSION, own)} for task ${kind}, the job needs ${codeLabel(neededVersion, needed)}`;
}

function send(m: WorkerMessage): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  await loadTaskModules();
  const { backend } = await initBackend();
  let current: { id: number; controller: AbortController } | null = null;
  setProgressSink((e) => {
    if (current) send({ type: "progress", id: current.id, event: e });
  });
  process.on("disconnect", () => process.exit(0));
  process.on("message", (raw: ParentMessage) => {
    if (raw.type === "cancel") {
      if (current?.id === raw.id) current.controller.abort();
      return;
    }
    const m = raw;
    const controller = new AbortController();
    current = { id: m.id, controller };
    void (async () => {
      try {
        const refused = codeMismatch(m.kind, m.config, m.code, m.version);
        if (refused) throw new Error(refused);
        const outcome = await runTaskHere(m.kind, m.config, controller.signal);
        send({ type: "done", id: m.id, ...outcome });
      } catch (e) {
        send({ type: "error", id: m.id, message: e instanceof Error ? (e.stack ?? e.message) : String(e), cancelled: isCancelled(e), step: isCancelled(e) ? e.step : undefined });
      } finally {
        current = null;
      }
    })();
  });
  send({ type: "ready", backend });
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`flowlab worker process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
}
