/**
 * Tasks in worker processes on this machine: `jobs` children forked from worker-entry, each with its own
 * tfjs runtime, one task at a time each, first come first served. A cancelled task's worker is killed (a
 * task deep in a tfjs kernel may not look at its signal for a while) and replaced on demand; a worker that
 * dies mid-task fails that task with the reason.
 */
import { fork, type ChildProcess } from "node:child_process";
import { delimiter, extname, join, resolve, sep } from "node:path";
import { CancelledError } from "../cancel";
import type { ProgressEvent } from "../progress";
import type { TaskExecutor, TaskOutcome, TaskRequest } from "./context";

export type ParentMessage = { type: "run"; id: number; kind: string; config: object; code: string; version: string } | { type: "cancel"; id: number };

export type WorkerMessage =
  | { type: "ready"; backend: string }
  | { type: "progress"; id: number; event: ProgressEvent }
  | { type: "done"; id: number; body: string; runtimeMs: number; backend: string | null }
  | { type: "error"; id: number; message: string; cancelled: boolean; step?: number };

interface Job {
  id: number;
  request: TaskRequest;
  signal: AbortSignal;
  onProgress: (e: ProgressEvent) => void;
  resolve: (o: TaskOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  child: ChildProcess;
  job: Job | null;
  ready: Promise<void>;
}

/** The entry file beside this one: worker-entry.ts under tsx, worker-entry.js in dist. */
export function workerEntry(): string {
  return join(__dirname, `worker-entry${extname(__filename)}`);
}

export class ProcessPool implements TaskExecutor {
  readonly remote = true;
  private readonly slotsList: (Slot | null)[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly slots: number,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new Error(`jobs must be a positive integer, got ${slots}`);
    this.slotsList = Array.from({ length: slots }, () => null);
  }

  /** Worker processes load the papers, the lab and FLOWLAB_TASK_MODULES (worker-entry.ts). */
  canLoad(module: string): boolean {
    const lib = resolve(__dirname, "..");
    const extra = (this.env.FLOWLAB_TASK_MODULES ?? "").split(delimiter).filter(Boolean).map((m) => resolve(m));
    const file = resolve(module);
    return file.startsWith(join(lib, "papers") + sep) || file.startsWith(join(lib, "lab") + sep) || extra.includes(file);
  }

  get description(): string {
    return `${this.slots} worker processes`;
  }

  execute(request: TaskRequest, signal: AbortSignal, onProgress: (e: ProgressEvent) => void): Promise<TaskOutcome> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise<TaskOutcome>((resolve, reject) => {
      const job: Job = { id: this.nextId++, request, signal, onProgress, resolve, reject };
      const onAbort = (): void => this.cancel(job);
      if (signal.aborted) return reject(new CancelledError(request.kind));
      signal.addEventListener("abort", onAbort, { once: true });
      const settle =
        <T>(f: (x: T) => void) =>
        (x: T): void => {
          signal.removeEventListener("abort", onAbort);
          f(x);
        };
      job.resolve = settle(resolve);
      job.reject = settle(reject);
      this.queue.push(job);
      this.dispatch();
    });
  }

  private spawn(index: number): Slot {
    // The child runs as this process does: under tsx when this is, from dist otherwise.
    const child = fork(workerEntry(), [], { env: this.env, execArgv: process.execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let ready!: () => void;
    const slot: Slot = { child, job: null, ready: new Promise<void>((r) => (ready = r)) };
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "ready") return ready();
      const job = slot.job;
      if (!job || m.id !== job.id) return;
      if (m.type === "progress") return job.onProgress(m.event);
      slot.job = null;
      if (m.type === "done") job.resolve({ body: m.body, runtimeMs: m.runtimeMs, backend: m.backend });
      else job.reject(m.cancelled ? new CancelledError(job.request.kind, m.step) : new Error(m.message));
      this.dispatch();
    });
    // The worker is gone or unusable: free its place and fail its task (if any) with reason(task).
    const drop = (reason: (job: Job) => Error): void => {
      if (this.slotsList[index] === slot) this.slotsList[index] = null;
      const job = slot.job;
      slot.job = null;
      ready();
      if (job) job.reject(reason(job));
      this.dispatch();
    };
    // A failed spawn or IPC send: fail the task with the reason and drop the worker (the next task gets a new
    // one). Without a listener Node throws the 'error' event, which would take down the submitting process, a
    // notebook's kernel included.
    let failed = false;
    child.on("error", (e) => {
      if (failed) return; // a second error (say, from the kill below) has nothing left to fail
      failed = true;
      drop((job) => new Error(`worker process ${child.pid ?? "(not started)"} failed while running ${job.request.kind}: ${e.message}`));
      child.kill("SIGKILL");
    });
    child.on("exit", (code, sig) =>
      drop((job) => (job.signal.aborted ? new CancelledError(job.request.kind) : new Error(`worker process ${child.pid} died while running ${job.request.kind} (${sig ?? `exit code ${code}`})`))),
    );
    return slot;
  }

  private dispatch(): void {
    if (this.closed) return;
    for (let i = 0; i < this.slotsList.length && this.queue.length > 0; i++) {
      let slot = this.slotsList[i];
      if (slot?.job) continue;
      const job = this.queue.shift() as Job;
      if (job.signal.aborted) {
        job.reject(new CancelledError(job.request.kind));
        i--;
        continue;
      }
      slot ??= this.slotsList[i] = this.spawn(i);
      slot.job = job;
      const s = slot;
      void s.ready.then(() => {
        if (s.job !== job || !s.child.connected) return;
        const { kind, config, key } = job.request;
        // With a callback a failed send is reported here, not as an 'error' event.
        s.child.send({ type: "run", id: job.id, kind, config, code: key.code, version: key.version } satisfies ParentMessage, (e) => {
          if (e) s.child.emit("error", e);
        });
      });
    }
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(new CancelledError(job.request.kind));
      return;
    }
    const slot = this.slotsList.find((s) => s?.job === job);
    // Killed, not asked: the exit handler rejects the job with CancelledError.
    slot?.child.kill("SIGKILL");
  }

  /** Kills the workers; queued tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error("the worker pool was closed"));
    const exits = this.slotsList.map((s) => {
      if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return Promise.resolve();
      return new Promise<void>((done) => {
        s.child.once("exit", () => done());
        s.child.kill("SIGTERM");
      });
    });
    await Promise.all(exits);
  }
}
