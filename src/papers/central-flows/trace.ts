/**
 * Runs one of the three processes (src/flows) and keeps its whole path: w_t, the optimizer state and, for the
 * central flow, the SDCP solution at every step. Experiments compare processes step by step from these.
 *
 * The flows are synchronous; a run of a few minutes would freeze a notebook's progress line and live plot.
 * So the run steps the process's carry (src/flows/run.ts) in chunks of `chunk` steps with an `await` in
 * between. The carry holds w, the optimizer state and the eigensolver's warm start, so a chunked run is
 * step for step the run in one go, whatever the chunk size. A run that diverges keeps its path up to the
 * last finite step and says so in `stopped`; `carry` is where a run that ended normally can be continued.
 *
 * A flow can branch off the optimizer at step b (`Branch`): its first b rows, w's and states are the
 * optimizer's, and it continues from the optimizer's checkpoint there (w_b and the state before the update at
 * w_b), so s(b) = ν_b like the optimizer's.
 *
 * Alignment (row t ↔ time t): ws[t] = w at row t (ws[steps] = final), states[t] = the state that
 * preconditions step t. For the discrete process that is the state after updating with g_t (ν_t); for the
 * flows it is s(t), with s(0) = updateState(init, g(w₀)), the same ν₀.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import { DivergenceError } from "../../divergence";
import type { CentralOptions, CentralSubstep } from "../../flows/central";
import { PROCESS_STEPS } from "../../flows/index";
import { advance } from "../../flows/run";
import type { FlowCarry, FlowRow, ProcessName } from "../../flows/types";
import type { OptState, UpdateRule } from "../../optim/rule";

/**
 * Options of the flows (src/flows/types) without the callbacks, plus the chunk size and `stopAbove`: end the
 * run once the top effective eigenvalue exceeds it (a stable flow far past the edge only gets slower).
 */
export type TraceOptions = Omit<CentralOptions, "onStep" | "onSubstep"> & { chunk?: number; stopAbove?: number };

export interface Trace {
  process: ProcessName;
  rows: FlowRow[];
  /** w at each row, and the final w: length steps + 1. */
  ws: Vec[];
  /** The state preconditioning each step: length steps. */
  states: OptState[];
  /** Central flow only: the SDCP solution at the first substep of each step (null elsewhere). */
  details: (CentralSubstep | null)[];
  seconds: number;
  hvps: number;
  /** Why and where the run ended early (it diverged, or its top eigenvalue passed `stopAbove`), else null. */
  stopped: { step: number; reason: string } | null;
  /** The process's carry after the last completed step (step it further to continue the run). */
  carry?: FlowCarry;
}

/** Called after every chunk with the path so far: await it to let progress lines and plots through. */
export type ChunkHook = (trace: Trace) => Promise<void>;

/** Where a trace branches off another one: its first `at` steps are `from`'s (the optimizer's) path. */
export interface Branch {
  from: Trace;
  at: number;
}

export async function runTrace(process: ProcessName, D: Derivatives, rule: UpdateRule, w0: Vec, options: TraceOptions, onChunk?: ChunkHook, branch?: Branch): Promise<Trace> {
  const { chunk = 25, stopAbove = Infinity, ...flowOptions } = options;
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new Error(`chunk must be a positive integer, got ${chunk}`);
  const trace: Trace = { process, rows: [], ws: [Float64Array.from(w0)], states: [], details: [], seconds: 0, hvps: 0, stopped: null };
  // The optimizer checkpoint the run starts from: the state before the update at w (rule.init at step 0).
  let state0: OptState | undefined;
  if (branch && branch.at > 0) {
    const { from, at } = branch;
    if (!(Number.isInteger(at) && at < from.rows.length && from.process === "discrete")) {
      throw new Error(`branch.at must be an integer step of a discrete trace below ${from.rows.length}, got ${at} on ${from.process}`);
    }
    trace.rows = from.rows.slice(0, at).map((r) => ({ ...r }));
    trace.ws = from.ws.slice(0, at + 1);
    trace.states = from.states.slice(0, at);
    trace.details = new Array<CentralSubstep | null>(at).fill(null);
    state0 = from.states[at - 1];
  }
  const offset = trace.rows.length;
  const stepper = PROCESS_STEPS[process];
  const hvps0 = D.counters.hvps;
  const started = Date.now();
  let carry = stepper.init({ D, rule, w0: trace.ws[offset], state0 }, { ...flowOptions, steps: options.steps - offset });
  trace.seconds += (Date.now() - started) / 1000;
  let before = carry;
  while (trace.rows.length < options.steps && trace.stopped === null) {
    const n = Math.min(chunk, options.steps - trace.rows.length);
    const chunkStart = Date.now();
    try {
      carry = advance(stepper, carry, n, (s) => {
        const step = s.row.step + offset;
        trace.rows.push({ ...s.row, step });
        trace.ws.push(s.carry.w);
        // discrete: the state after the update at step t; flows: s(t), the state the step started from.
        trace.states.push(process === "discrete" ? s.carry.state : before.state);
        trace.details.push(s.detail ?? null);
        before = s.carry;
        if (s.row.eigs[0] > stopAbove) {
          trace.stopped = { step: trace.rows.length, reason: `${process}: top effective eigenvalue ${s.row.eigs[0]} above ${stopAbove} at step ${step}` };
          return "stop";
        }
      });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      // Keep the path up to the last completed step.
      trace.stopped = { step: trace.rows.length, reason: e.message };
    }
    carry = before;
    trace.carry = carry;
    trace.seconds += (Date.now() - chunkStart) / 1000;
    trace.hvps = D.counters.hvps - hvps0;
    if (onChunk) await onChunk(trace);
  }
  trace.carry = carry;
  trace.details.length = trace.rows.length;
  return trace;
}
