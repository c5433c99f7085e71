/**
 * Divergence: one error type for "a run left the region where its numbers are finite or its method is
 * defined" — an optimizer whose loss became NaN, a flow that needs unboundedly many substeps, an eigensolver
 * fed non-finite Hessian-vector products, an unbounded SDCP. It names the process (or run), the step and the
 * quantity that went wrong, so a user can tell a too-large learning rate from a bug.
 */
export class DivergenceError extends Error {
  constructor(
    /** What was running: "discrete", "stable", "central", "eigensolver", or a run's label. */
    readonly process: string,
    /** The step (unit of time, or iteration for the eigensolver) at which it was seen. */
    readonly step: number,
    /** The quantity that went wrong, e.g. "loss", "w[12]", "substeps per unit time". */
    readonly quantity: string,
    /** Its value (NaN, ±Infinity, or the count that passed a cap). */
    readonly value: number,
    /** Why, when more can be said than "the learning rate is too large". */
    reason = "learning rate too large, or the flow left the region where it is defined",
  ) {
    super(`${process} diverged at step ${step}: ${quantity} became ${value} (${reason})`);
    this.name = "DivergenceError";
  }
}

export function isDivergence(e: unknown): e is DivergenceError {
  return e instanceof DivergenceError;
}
