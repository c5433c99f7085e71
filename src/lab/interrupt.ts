/**
 * The runs in progress in this process, so that one interrupt (a notebook's Kernel → Interrupt, Ctrl-C in the
 * CLI) stops them all: each run takes a signal with `trackRun()` and releases it with `done()`; the interrupt
 * handler calls `interruptActiveRuns()`, and every loop that checks the signal throws CancelledError.
 */
const active = new Set<AbortController>();

export interface TrackedRun {
  readonly signal: AbortSignal;
  /** Stops tracking this run (call in a finally). */
  done(): void;
}

/** A signal for one run, aborted by `interruptActiveRuns()` or by `parent` (a caller's own signal). */
export function trackRun(parent?: AbortSignal): TrackedRun {
  const controller = new AbortController();
  const forward = (): void => controller.abort(parent?.reason);
  if (parent?.aborted === true) forward();
  else parent?.addEventListener("abort", forward, { once: true });
  active.add(controller);
  return {
    signal: controller.signal,
    done: () => {
      active.delete(controller);
      parent?.removeEventListener("abort", forward);
    },
  };
}

/** Aborts every tracked run; returns how many there were. */
export function interruptActiveRuns(reason = "interrupted"): number {
  const n = active.size;
  for (const c of active) c.abort(new Error(reason));
  return n;
}

export function activeRunCount(): number {
  return active.size;
}
