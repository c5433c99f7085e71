/**
 * The workhorse of the central-flows figures: run some of the three processes on one task and line them up
 * step by step in one wide table (one row per step t):
 *   <p>_loss, <p>_eig1..k (effective eigenvalues), <p>_sharpness (S = top eigenvalue of H itself, for GD
 *   and Scalar RMSProp), <p>_gradnorm2, <p>_nu (Scalar RMSProp), <p>_out (a network output),
 *   central_loss_pred, central_gradnorm2_pred, central_X_trace, central_n_active, central_out_pred,
 *   central_sigma1..k (eigenvalues of X), osc1..k (the discrete iterate's squared displacement from the flow
 *   along X's eigenvectors: what σᵢ² predicts), osc_x1 (signed displacement along u₁), dist_<flow> (to the
 *   discrete iterate), travel (‖w<sub>central</sub> − w₀‖, or the first flow's).
 * Columns of processes not run (yet) are NaN, so a figure drawn from a partial table shows what exists.
 */
import type { Vec } from "../../autodiff/derivatives";
import { oscillationCoordinates, sigmaSpectrum } from "../../flows/predictions";
import { functionPrediction } from "../../flows/predictions";
import { averageState } from "../../flows/state";
import type { ProcessName } from "../../flows/types";
import { symEig } from "../../linalg/dense";
import type { TaskContext, Table } from "../../lab/types";
import { distance } from "./measures";
import { buildTask, makeRule, type OptimizerConfig, type Task, type TaskSpec } from "./setup";
import { runTrace, type Trace } from "./trace";

export interface ComparisonConfig {
  task: TaskSpec;
  optimizer: OptimizerConfig;
  steps: number;
  /** Effective eigenvalues reported per step (the flows track more when a cluster sits at the edge). */
  k: number;
  /** Which processes, run in this order (put discrete first: the flows' columns are measured against it). */
  processes: ProcessName[];
  /** Track network output j at training input i ([i, j]), or null. */
  output: [number, number] | null;
  /** Steps per chunk (live updates between chunks). */
  chunk: number;
  /**
   * The flows branch off the optimizer at this step (default 0: all start at w₀). Bias-corrected RMSProp's
   * first steps are sign-like jumps (step 0 moves every coordinate by exactly η) that no ODE follows; a flow
   * started at step 0 carries that offset for the rest of the run. Needs "discrete" first in `processes`.
   */
  branchAt?: number;
  /**
   * Stable flow (gradient flow for GD): Euler steps keep λ_max·dt ≤ this (default 0.5, the reference codes'
   * choice). A figure comparing with gradient flow needs it accurate: 0.05 changes nothing visible when halved
   * (see the central-flows-gd config), while 0.5 makes gradient flow equal GD before the edge.
   */
  stableStepScale?: number;
}

/**
 * A stable flow whose top effective eigenvalue passes this is far outside the edge (the optimizer it models
 * would diverge) and needs ever more Euler substeps: it is ended there (the PyTorch code stops at 100).
 */
export const STABLE_STOP_ABOVE = 20;

export interface Comparison {
  table: Table;
  traces: Partial<Record<ProcessName, Trace>>;
  task: Task;
}

/** Columns every comparison table has, in order, for k eigenvalues (those of absent processes are NaN). */
export function comparisonColumns(k: number): string[] {
  const perProcess = (p: string): string[] => [`${p}_loss`, ...Array.from({ length: k }, (_, i) => `${p}_eig${i + 1}`), `${p}_sharpness`, `${p}_gradnorm2`, `${p}_nu`, `${p}_out`];
  const ks = (prefix: string): string[] => Array.from({ length: k }, (_, i) => `${prefix}${i + 1}`);
  return [
    "step",
    ...perProcess("discrete"),
    ...perProcess("stable"),
    ...perProcess("central"),
    "central_loss_pred",
    "central_gradnorm2_pred",
    "central_X_trace",
    "central_n_active",
    "central_out_pred",
    ...ks("central_sigma"),
    ...ks("osc"),
    "osc_x1",
    "dist_stable",
    "dist_central",
    "travel",
  ];
}

export async function runComparison(c: ComparisonConfig, ctx: TaskContext, label: string, onPartial?: (t: Table) => Promise<void>): Promise<Comparison> {
  const task = buildTask(c.task);
  const rule = makeRule(c.optimizer);
  const traces: Partial<Record<ProcessName, Trace>> = {};
  const at = c.branchAt ?? 0;
  if (at > 0 && c.processes[0] !== "discrete") throw new Error(`branchAt = ${at} needs "discrete" first in processes, got ${c.processes.join(", ")}`);
  for (const p of c.processes) {
    const bar = ctx.progress(`${label}: ${p}`, c.steps);
    const stopAbove = p === "stable" ? STABLE_STOP_ABOVE : Infinity;
    const branch = p !== "discrete" && at > 0 ? { from: traces.discrete as Trace, at } : undefined;
    traces[p] = await runTrace(p, task.derivatives(), rule, task.w0, { steps: c.steps, k: c.k, chunk: c.chunk, stopAbove, ...(c.stableStepScale !== undefined ? { stableStepScale: c.stableStepScale } : {}) }, async (tr) => {
      const last = tr.rows[tr.rows.length - 1];
      bar.update(tr.rows.length, `loss ${last.loss.toPrecision(4)}  λ₁ ${last.eigs[0].toFixed(3)}`);
      traces[p] = tr;
      if (onPartial) await onPartial(comparisonTable(c, task, traces, false));
      else await ctx.live({});
    }, branch);
    bar.finish();
  }
  return { table: comparisonTable(c, task, traces, true), traces, task };
}

/** The wide table from the traces; `complete` adds the columns that need extra derivative work. */
export function comparisonTable(c: ComparisonConfig, task: Task, traces: Partial<Record<ProcessName, Trace>>, complete: boolean): Table {
  const T = c.steps;
  const t: Table = Object.fromEntries(comparisonColumns(c.k).map((name) => [name, new Array<number>(T).fill(NaN)]));
  t.step = Array.from({ length: T }, (_, i) => i);
  const rule = makeRule(c.optimizer);
  const dim = task.w0.length;
  const D = complete ? task.derivatives() : null;
  const Df = complete && c.output ? task.output(c.output[0], c.output[1]) : null;
  for (const [p, tr] of Object.entries(traces) as [ProcessName, Trace][]) {
    tr.rows.forEach((row, s) => {
      t[`${p}_loss`][s] = row.loss;
      for (let i = 0; i < c.k; i++) t[`${p}_eig${i + 1}`][s] = row.eigs[i] ?? NaN;
      // The discrete eigenvalues are measured at the midpoint with the state averaged over the two updates.
      const state = p === "discrete" && tr.states[s + 1] ? averageState(tr.states[s], tr.states[s + 1]) : tr.states[s];
      const P = rule.precond(state, dim);
      // For an isotropic P (GD, Scalar RMSProp) the effective eigenvalue is S / P.
      if (c.optimizer.name !== "rmsprop") t[`${p}_sharpness`][s] = row.eigs[0] * P[0];
      if (c.optimizer.name === "scalar_rmsprop") t[`${p}_nu`][s] = tr.states[s].nu[0];
    });
    const n = tr.rows.length;
    if (D) {
      const g2 = gradNorms2(D, tr.ws.slice(0, n));
      g2.forEach((v, s) => (t[`${p}_gradnorm2`][s] = v));
    }
    if (Df) Array.from(Df.lossMany(tr.ws.slice(0, n))).forEach((v, s) => (t[`${p}_out`][s] = v));
  }
  const cen = traces.central;
  if (cen) {
    cen.rows.forEach((row, s) => {
      // Rows before a branch point are the optimizer's (no flow, no prediction): NaN.
      t.central_loss_pred[s] = num(row.loss_pred);
      t.central_gradnorm2_pred[s] = num(row.gradnorm2_pred);
      t.central_X_trace[s] = num(row.X_trace);
      t.central_n_active[s] = num(row.n_active);
      const detail = cen.details[s];
      const sig = detail ? sigmaSpectrum(detail.X) : [];
      for (let i = 0; i < c.k; i++) t[`central_sigma${i + 1}`][s] = sig[i] ?? 0;
      if (Df && detail) t.central_out_pred[s] = functionPrediction(Df, cen.ws[s], detail).predicted;
    });
  }
  const dis = traces.discrete;
  const flows = (["stable", "central"] as const).filter((p) => traces[p]);
  if (flows.length > 0) {
    const ref = traces[flows.includes("central") ? "central" : flows[0]] as Trace;
    ref.ws.slice(0, T).forEach((w, s) => (t.travel[s] = distance(w, task.w0)));
  }
  if (dis) {
    for (const p of flows) {
      const f = traces[p] as Trace;
      const n = Math.min(f.rows.length, dis.rows.length);
      for (let s = 0; s < n; s++) t[`dist_${p}`][s] = distance(f.ws[s], dis.ws[s]);
    }
    if (cen) {
      const n = Math.min(cen.rows.length, dis.rows.length);
      for (let s = 0; s < n; s++) {
        const detail = cen.details[s];
        for (let i = 0; i < c.k; i++) t[`osc${i + 1}`][s] = 0;
        if (!detail || detail.u.length === 0) continue;
        const x = oscillationCoordinates(dis.ws[s], cen.ws[s], detail.u, rule.precond(cen.states[s], dim));
        t.osc_x1[s] = x[0];
        // Squared displacement along the principal axes of X (the eigenvectors of Σ in effective units).
        const axes = detail.X.length > 1 ? symEig(detail.X).vectors : [Float64Array.of(1)];
        axes.forEach((q, i) => {
          if (i < c.k) t[`osc${i + 1}`][s] = q.reduce((a, qi, j) => a + qi * x[j], 0) ** 2;
        });
      }
    }
  }
  return t;
}

/** A numeric row field, or NaN where the row has none. */
function num(v: number | number[] | undefined): number {
  return typeof v === "number" ? v : NaN;
}

/** ‖∇L(w)‖² at many points, in batches of 100. */
function gradNorms2(D: ReturnType<Task["derivatives"]>, ws: Vec[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ws.length; i += 100) {
    for (const g of D.gradMany(ws.slice(i, i + 100)).grads) out.push(g.reduce((a, x) => a + x * x, 0));
  }
  return out;
}
