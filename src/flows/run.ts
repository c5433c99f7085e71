/**
 * The one loop over a process's step function: `advance` takes a carry forward by some units of time (a
 * chunk), checking the cancellation signal once per step and handing each step to a callback that may stop
 * the loop early; `runFlow` is the whole run behind discrete/stable/central(problem, options). Chunked runs
 * (advance n₁, then n₂, …) produce exactly the rows of one run of n₁ + n₂ + … steps: the carry holds the
 * eigensolver's warm start, the optimizer state and the cached gradient.
 */
import { throwIfCancelled } from "../cancel";
import type { CentralSubstep } from "./central";
import { snapshotCounters, type FlowCarry, type FlowOptions, type FlowProblem, type FlowProcess, type FlowResult, type FlowRow, type FlowStep } from "./types";

/** Return "stop" to end `advance` after this step. */
export type StepCallback = (step: FlowStep) => void | "stop";

/** Up to `steps` more units of time from `carry` (never past options.steps when `bounded`). */
export function advance(process: FlowProcess, carry: FlowCarry, steps: number, onStep?: StepCallback): FlowCarry {
  if (!(Number.isInteger(steps) && steps >= 0)) throw new Error(`advance: steps must be an integer ≥ 0, got ${steps}`);
  let c = carry;
  for (let i = 0; i < steps; i++) {
    throwIfCancelled(c.options.signal, `${process.name} flow`, c.t);
    const s = process.step(c);
    c = s.carry;
    if (onStep?.(s) === "stop") break;
  }
  return c;
}

/** Rows and counters of a finished (or stopped) run as a FlowResult. */
export function flowResult(carry: FlowCarry, rows: FlowRow[]): FlowResult {
  const result: FlowResult = {
    process: carry.process,
    rows,
    wFinal: carry.w,
    stateFinal: carry.state,
    counters: snapshotCounters(carry.problem.D),
    seconds: carry.seconds,
  };
  return carry.process === "central" ? Object.assign(result, { worstComplementarity: carry.worstComplementarity }) : result;
}

/**
 * init, then options.steps steps, calling options.onSubstep (central: the first substep's SDCP solution) and
 * options.onStep(t, w_{t+1}, state, row) after each.
 */
export function runFlow(process: FlowProcess, problem: FlowProblem, options: FlowOptions & { onSubstep?: (t: number, detail: CentralSubstep) => void }): FlowResult {
  const carry = process.init(problem, options);
  const rows: FlowRow[] = [];
  const end = advance(process, carry, carry.options.steps, (s) => {
    rows.push(s.row);
    if (s.detail) options.onSubstep?.(s.row.step, s.detail);
    carry.options.onStep?.(s.row.step, s.carry.w, s.carry.state, s.row);
  });
  return flowResult(end, rows);
}
