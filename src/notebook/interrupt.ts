/**
 * Kernel → Interrupt in a tslab notebook, made to stop the work.
 *
 * How tslab handles it: Jupyter interrupts a kernel whose spec has no `interrupt_mode` by sending SIGINT to the
 * kernel process (jupyter_client's signal_kernel). tslab (dist/main.js) listens with
 * `process.on("SIGINT", () => executor.interrupt())`, which rejects the promise the running cell is awaited
 * with (dist/executor.js: `Promise.race([promise, interruptPromise])`, error "Interrupted asynchronously");
 * tslab then prints that error with its stack (`console.error(e)`) and reports the cell failed, but nothing
 * stops the cell's own promise: the work goes on in the background. (A cell's synchronous top level runs with
 * `breakOnSigint`, which Node interrupts by itself.)
 *
 * The hook takes SIGINT over: it aborts the runs in progress (`interruptActiveRuns`), whose loops throw
 * CancelledError at their next step, so the cell ends when the work has stopped and tslab prints that error
 * instead. tslab's own handler still runs when no tracked run was active (the user's own loop, a sleep), on a
 * second interrupt, and when a run has not stopped `graceMs` after the interrupt.
 */
import { activeRunCount, interruptActiveRuns } from "../lab/interrupt";

/** What the hook needs of `process`: SIGINT listeners. */
export interface SignalSource {
  listeners(event: "SIGINT"): ((...args: unknown[]) => void)[];
  on(event: "SIGINT", listener: (...args: unknown[]) => void): unknown;
  removeListener(event: "SIGINT", listener: (...args: unknown[]) => void): unknown;
}

export interface InterruptHookOptions {
  /** Default: `process`. */
  signals?: SignalSource;
  /** Aborts the runs in progress; returns how many (default `interruptActiveRuns`). */
  interrupt?: () => number;
  /** Runs still in progress (default `activeRunCount`). */
  active?: () => number;
  /** How long a run may take to reach its next step before the cell is released anyway (default 5000 ms). */
  graceMs?: number;
  log?: (line: string) => void;
}

export interface InterruptHook {
  /** Gives SIGINT back to the listeners that had it before. */
  uninstall(): void;
}

const installed = new WeakMap<SignalSource, InterruptHook>();

/** Installs the hook once per process (later calls return the installed one). */
export function hookKernelInterrupt(opts: InterruptHookOptions = {}): InterruptHook {
  const signals = opts.signals ?? (process as unknown as SignalSource);
  const existing = installed.get(signals);
  if (existing) return existing;
  const interrupt = opts.interrupt ?? (() => interruptActiveRuns("interrupted from the notebook"));
  const active = opts.active ?? activeRunCount;
  const graceMs = opts.graceMs ?? 5000;
  const log = opts.log ?? ((line: string) => console.error(line));

  // tslab's listener, and any other SIGINT listener, now runs only when passed on.
  const previous: ((...args: unknown[]) => void)[] = [];
  const adopt = (): void => {
    for (const l of signals.listeners("SIGINT")) {
      if (l === onSigint) continue;
      previous.push(l);
      signals.removeListener("SIGINT", l);
    }
  };
  const passOn = (): void => {
    for (const l of previous) l("SIGINT");
  };
  let waiting: NodeJS.Timeout | null = null;

  const onSigint = (): void => {
    const aborted = interrupt();
    if (aborted === 0 || waiting !== null) {
      // Nothing of ours was running, or this is a second interrupt: let tslab release the cell now.
      if (waiting !== null) clearTimeout(waiting);
      waiting = null;
      passOn();
      return;
    }
    waiting = setTimeout(() => {
      waiting = null;
      if (active() > 0) {
        log(`flowlab: the run has not stopped ${graceMs / 1000} s after the interrupt; the cell is released and the run goes on in the background (restart the kernel to stop it)`);
        passOn();
      }
    }, graceMs);
    waiting.unref?.();
  };
  signals.on("SIGINT", onSigint);
  adopt();
  // tslab runs a cell's synchronous part with vm's breakOnSigint, which takes the SIGINT listeners off during it
  // and puts them back after: installed from a cell, the hook sees none now and tslab's returns once the cell's
  // synchronous part ends. Take it over again then.
  setImmediate(adopt).unref?.();

  const hook: InterruptHook = {
    uninstall: () => {
      if (waiting !== null) clearTimeout(waiting);
      signals.removeListener("SIGINT", onSigint);
      for (const l of previous.splice(0)) signals.on("SIGINT", l);
      installed.delete(signals);
    },
  };
  installed.set(signals, hook);
  return hook;
}
