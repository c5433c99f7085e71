/**
 * Runs one of the three processes (src/flows) and keeps its whole path: w_t, the optimizer state and, for the
 * central flow, the SDCP solution at every step. Experiments compare processes step by step from these.
 *
 * The flows are synchronous; a run of a few minutes would freeze a notebook's progress line and live plot.
 * So the run goes in chunks of `chunk` steps, each resuming from the previous chunk's w and optimizer state
 * (through `resumeRule`), with an `await` in between. Only the eigensolver's warm start is lost at a chunk
 * boundary; results are deterministic for a given chunk size. A run that diverges (NaN) keeps its path up
 * to the last finite step and says so in `stopped`.
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
import { central, type CentralOptions, type CentralSubstep } from "../../flows/central";
import { discrete } from "../../flows/discrete";
import { stable } from "../../flows/stable";
import { DivergenceError, type FlowResult, type FlowRow, type ProcessName } from "../../flows/types";
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
}

/** Called after every chunk with the path so far: await it to let progress lines and plots through. */
export type ChunkHook = (trace: Trace) => Promise<void>;

const RESUME = Symbol("resume");

/**
 * `rule` whose fresh state is `s`: the flows start from updateState(init(), g₀) and the discrete process from
 * step(init(), ...), so both continue exactly from `s`.
 */
export function resumeRule(rule: UpdateRule, s: OptState): UpdateRule {
  const marker: OptState & { [RESUME]?: true } = { step: 0, nu: new Float64Array(0), buf: new Float64Array(0), [RESUME]: true };
  const real = (x: OptState): OptState => (x === marker ? s : x);
  return {
    ...rule,
    init: () => marker,
    // The flows' first call: updateState(init(), g₀) is the state we resume from.
    updateState: (x, g) => (x === marker ? s : rule.updateState(x, g)),
    precond: (x, dim) => rule.precond(real(x), dim),
    step: (x, input) => rule.step(real(x), input),
    stateRate: (x, g2) => rule.stateRate(real(x), g2),
    precondRate: (x, ds, dim) => rule.precondRate(real(x), ds, dim),
  };
}

const RUNNERS = { discrete, stable, central };

/** Thrown from onStep to end a run early (see `stopAbove`). */
class Stop extends Error {}

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
  const hvps0 = D.counters.hvps;
  let w = Float64Array.from(trace.ws[trace.ws.length - 1]);
  let resume: OptState | null = null;
  let stateBefore: OptState | null = null;
  while (trace.rows.length < options.steps && trace.stopped === null) {
    const offset = trace.rows.length;
    const steps = Math.min(chunk, options.steps - offset);
    const r: UpdateRule = resume ? resumeRule(rule, resume) : rule;
    const start = resume ? undefined : state0;
    // The flows' state at the start of the chunk: s(0) = updateState(checkpoint, g₀), or the resumed one.
    stateBefore = process === "discrete" ? null : (resume ?? rule.updateState(start ?? rule.init(w.length), D.lossAndGrad(w).grad));
    const started = Date.now();
    try {
      const result: FlowResult = RUNNERS[process]({ D, rule: r, w0: w, state0: start }, {
        ...flowOptions,
        steps,
        onStep: (_t, wNext, s, row) => {
          trace.rows.push({ ...row, step: row.step + offset });
          trace.ws.push(Float64Array.from(wNext));
          if (process === "discrete") trace.states.push(s);
          else {
            trace.states.push(stateBefore as OptState);
            stateBefore = s;
          }
          while (trace.details.length < trace.rows.length) trace.details.push(null);
          if (row.eigs[0] > stopAbove) throw new Stop(`${process}: top effective eigenvalue ${row.eigs[0]} above ${stopAbove} at step ${row.step + offset}`);
        },
        onSubstep: (_t, detail) => trace.details.push(detail),
      } as CentralOptions);
      w = Float64Array.from(result.wFinal);
      resume = result.stateFinal;
    } catch (e) {
      if (!(e instanceof DivergenceError || e instanceof Stop)) throw e;
      // Keep the path up to the last completed step; the state after it is not needed any more.
      trace.stopped = { step: trace.rows.length, reason: e.message };
    }
    trace.seconds += (Date.now() - started) / 1000;
    trace.hvps = D.counters.hvps - hvps0;
    if (onChunk) await onChunk(trace);
  }
  trace.details.length = trace.rows.length;
  return trace;
}
