/**
 * The tasks of the RMSProp experiments (central-flows-rmsprop, central-flows-rmsprop-stationary):
 *   - one process of a comparison (the optimizer, the stable flow or the central flow) with its whole path and
 *     the squared gradient g⊙² at every step. A flow that branches off the optimizer at step b first runs the
 *     optimizer's b + 1 steps itself (the first rows of its path, step for step those of the optimizer's own
 *     task), so the three processes are independent tasks. `comparisonFromTraces` lines them up as
 *     compare.ts's `runComparison` does, without derivative work.
 *   - the frozen-w ν-flow at one checkpoint of the central flow (nu-flow.ts), from two starts; its config
 *     carries the checkpoint's w and optimizer state (a second stage, after the central flow's task).
 * Nothing here draws.
 */
import type { Derivatives, Vec } from "../../autodiff/derivatives";
import type { CentralSubstep } from "../../flows/central";
import type { FlowRow, ProcessName } from "../../flows/types";
import { defineTask } from "../../lab/task";
import type { Table, TaskContext } from "../../lab/types";
import type { OptState } from "../../optim/rule";
import { comparisonTable, STABLE_STOP_ABOVE, type Comparison, type ComparisonConfig } from "./compare";
import { frozenNuFlow, type NuFlowResult } from "./nu-flow";
import { buildTask, makeRule, type Task } from "./setup";
import { runTrace, type Branch, type Trace } from "./trace";

/** One process of a comparison: the comparison's settings without the list of processes and the output. */
export type ProcessTraceConfig = Omit<ComparisonConfig, "processes" | "output"> & { process: ProcessName };

/** A trace as it crosses processes (vectors arrive as plain arrays; `toTrace` makes them Float64Arrays again). */
export interface ProcessTrace {
  process: ProcessName;
  w0: ArrayLike<number>;
  rows: FlowRow[];
  ws: ArrayLike<number>[];
  states: { step: number; nu: ArrayLike<number>; buf: ArrayLike<number> }[];
  details: ({ X: number[][]; u: ArrayLike<number>[]; lambdas: number[]; complementarity: number } | null)[];
  /** g⊙² at each row's w (rows.length of them). */
  g2: ArrayLike<number>[];
}

/**
 * One task config per process of `c`, with the fields that process reads: not the figure and claim fields
 * of `c`, `branchAt` only for the flows (where set), `stableStepScale` only for the stable flow.
 */
export function processConfigs(c: ComparisonConfig): ProcessTraceConfig[] {
  return c.processes.map((process) => ({
    process,
    task: c.task,
    optimizer: c.optimizer,
    steps: c.steps,
    k: c.k,
    chunk: c.chunk,
    ...(process !== "discrete" && c.branchAt !== undefined ? { branchAt: c.branchAt } : {}),
    ...(process === "stable" && c.stableStepScale !== undefined ? { stableStepScale: c.stableStepScale } : {}),
  }));
}

export const processTraceTask = defineTask<ProcessTraceConfig, ProcessTrace>("central-flows.process-trace", async (c: ProcessTraceConfig, ctx: TaskContext) => {
  const task = buildTask(c.task);
  try {
    const rule = makeRule(c.optimizer);
    const options = { k: c.k, chunk: c.chunk, ...(c.stableStepScale !== undefined ? { stableStepScale: c.stableStepScale } : {}) };
    const trace = async (process: ProcessName, steps: number, branch?: Branch): Promise<Trace> => {
      const bar = ctx.progress(`${c.optimizer.name} η = ${c.optimizer.lr}: ${process}${steps < c.steps ? ` to the branch point` : ""}`, steps);
      const stopAbove = process === "stable" ? STABLE_STOP_ABOVE : Infinity;
      const onChunk = async (tr: Trace): Promise<void> => {
        const last = tr.rows[tr.rows.length - 1];
        bar.update(tr.rows.length, `loss ${last.loss.toPrecision(4)}  λ₁ ${last.eigs[0].toFixed(3)}`);
        await ctx.live({});
      };
      const tr = await runTrace(process, task.derivatives(), rule, task.w0, { ...options, steps, stopAbove }, onChunk, branch);
      bar.finish();
      return tr;
    };
    // A flow that branches off the optimizer at step b needs the optimizer's rows up to b (runTrace's Branch).
    const at = c.branchAt ?? 0;
    const branch = c.process !== "discrete" && at > 0 ? { from: await trace("discrete", at + 1), at } : undefined;
    const tr = await trace(c.process, c.steps, branch);
    const g2 = squaredGradients(task.derivatives(), tr.ws.slice(0, tr.rows.length));
    return { process: c.process, w0: task.w0, rows: tr.rows, ws: tr.ws, states: tr.states, details: tr.details, g2 };
  } finally {
    task.dispose();
  }
});

/** g⊙² at each point, in batches of 100 (the batches compare.ts measures ‖∇L‖² in). */
function squaredGradients(D: Derivatives, ws: Vec[]): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < ws.length; i += 100) for (const g of D.gradMany(ws.slice(i, i + 100)).grads) out.push(g.map((x) => x * x));
  return out;
}

const vec = (v: ArrayLike<number>): Float64Array => Float64Array.from(v);
const state = (s: ProcessTrace["states"][number]): OptState => ({ step: s.step, nu: vec(s.nu), buf: vec(s.buf) });

/** A task's trace as compare.ts's Trace (the fields the tables read; no carry, timings or counters). */
export function toTrace(p: ProcessTrace): Trace {
  const detail = (d: ProcessTrace["details"][number]): CentralSubstep | null => (d ? { ...d, u: d.u.map(vec) } : null);
  return { process: p.process, rows: p.rows, ws: p.ws.map(vec), states: p.states.map(state), details: p.details.map(detail), seconds: 0, hvps: 0, stopped: null };
}

/** A comparison assembled from its processes' tasks: compare.ts's table and traces, and each process's g⊙². */
export interface TracedComparison extends Omit<Comparison, "task"> {
  g2: Partial<Record<ProcessName, Float64Array[]>>;
}

/**
 * The comparison of compare.ts from its processes' tasks: the same wide table (for `output: null`) with ‖∇L‖²
 * summed from the tasks' g⊙², and the traces. No derivatives are taken here.
 */
export function comparisonFromTraces(c: ComparisonConfig, parts: ProcessTrace[]): TracedComparison {
  if (c.output !== null) throw new Error("comparisonFromTraces: network outputs are not tracked by the process tasks (output must be null)");
  const traces: Partial<Record<ProcessName, Trace>> = {};
  const g2: Partial<Record<ProcessName, Float64Array[]>> = {};
  for (const p of parts) {
    traces[p.process] = toTrace(p);
    g2[p.process] = p.g2.map(vec);
  }
  // With `complete` false comparisonTable reads only w₀ of the task (travel) and leaves ‖∇L‖² to fill in.
  const w0: Pick<Task, "w0"> = { w0: vec(parts[0].w0) };
  const table: Table = comparisonTable(c, w0 as Task, traces, false);
  for (const [p, gs] of Object.entries(g2) as [ProcessName, Float64Array[]][]) gs.forEach((g, s) => (table[`${p}_gradnorm2`][s] = g.reduce((a, x) => a + x, 0)));
  return { table, traces, g2 };
}

/** The frozen-w ν-flow at one checkpoint: step `step` of the central flow, its w and its optimizer state. */
export interface FrozenNuConfig {
  step: number;
  task: ComparisonConfig["task"];
  optimizer: ComparisonConfig["optimizer"];
  k: number;
  /** Euler steps of the frozen ν-flow and their length (in optimizer steps). */
  iterations: number;
  dt: number;
  w: number[];
  state: { step: number; nu: number[]; buf: number[] };
}

/** ν̄ (from g⊙²), the run from the flow's own ν that ends at it, and g⊙² at w. */
export interface FrozenNu {
  g2: ArrayLike<number>;
  nuBar: ArrayLike<number>;
  /** [from the central flow's ν(t), from g⊙²]. */
  runs: Pick<NuFlowResult, "nu" | "history" | "hvps">[];
}

export const frozenNuTask = defineTask<FrozenNuConfig, FrozenNu>("central-flows.frozen-nu", (c: FrozenNuConfig, ctx: TaskContext) => {
  const task = buildTask(c.task);
  try {
    const D = task.derivatives();
    const w = vec(c.w);
    const s0 = state(c.state);
    const g2 = D.lossAndGrad(w).grad.map((x) => x * x);
    const rule = makeRule(c.optimizer);
    const bar = ctx.progress(`step ${c.step}: frozen-w ν-flows`, 2);
    // ν̄ from below (g⊙²: the edge coordinates rise to it in a few steps), then from the flow's ν(t), whose
    // coordinates above ν̄ can only decay at the EMA's rate.
    const opts = { iterations: c.iterations, dt: c.dt, k: c.k };
    const fromGradient = frozenNuFlow(D, w, rule, { ...s0, nu: g2 }, opts);
    bar.update(1, "from g⊙²");
    const fromFlow = frozenNuFlow(D, w, rule, s0, { ...opts, reference: fromGradient.nu });
    bar.finish();
    return { g2, nuBar: fromGradient.nu, runs: [fromFlow, fromGradient].map((r) => ({ nu: r.nu, history: r.history, hvps: r.hvps })) };
  } finally {
    task.dispose();
  }
});
