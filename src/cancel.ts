/**
 * Cancellation: one error type for "the user stopped this run" (notebook interrupt, Ctrl-C, a caller's
 * AbortSignal), checked by long loops where they report progress. It is not a failure: runners catch it,
 * cache nothing, free what they hold and report one line ("interrupted at step N").
 */
export class CancelledError extends Error {
  constructor(
    /** What was running, e.g. "central flow" or an experiment id. */
    readonly where: string,
    /** The step reached when the cancellation was seen, when the loop has steps. */
    readonly step?: number,
  ) {
    super(step === undefined ? `interrupted: ${where}` : `interrupted at step ${step}: ${where}`);
    this.name = "CancelledError";
  }
}

/** Throws CancelledError when `signal` has been aborted (a no-op without a signal). */
export function throwIfCancelled(signal: AbortSignal | undefined, where: string, step?: number): void {
  if (signal?.aborted === true) throw new CancelledError(where, step);
}

export function isCancelled(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}
