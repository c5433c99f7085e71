/**
 * The float64 engine's stable or central flow on the reference example problem against reference/<process>.csv:
 * worst relative deviation per column, the first step over 1e-6, HVPs and third vectors per step.
 *
 *   FLOWLAB_REFERENCE=/work/shared/reference node --import tsx test/reference-fidelity.ts proc=central sdcpPairs=tracked
 *   ... proc=stable|central  data=f32 (X, y rounded as loadProblem does; default float64 .npy data)
 *   ... eigTol=1e-6 activeAbove=1.8 substeps=4 trackAbove=1.5 sdcpPairs=active|tracked steps=800 trace=50
 */
import { join } from "node:path";
import { f64Derivatives } from "../src/autodiff/f64/derivatives";
import { readNpy } from "../src/data/npy";
import { loadProblem } from "../src/data/problem";
import { central, stable, type FlowOptions, type FlowResult } from "../src/flows/index";
import { gd } from "../src/optim/gd";

import { EXAMPLE_PROBLEM as REF, readCsv } from "./reference";
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split("=")));
const proc = (args.proc ?? "central") as "central" | "stable";
const steps = Number(args.steps ?? 800);
const p = loadProblem(REF);
const f64data = args.data !== "f32";
// loadProblem rounds X and y to float32 (models/objective Dataset); data=f64 reads the .npy files' float64 values.
const X = f64data ? readNpy(join(REF, "X.npy")).data : p.data.X;
const Y = f64data ? readNpy(join(REF, "y.npy")).data : p.data.Y;
const s = p.model.spec;
const D = f64Derivatives({ widths: s.widths, activation: s.activation, bias: s.bias, loss: p.spec.loss, X: Float64Array.from(X), Y: Float64Array.from(Y), n: p.data.n });
const numeric: Record<string, number> = {};
for (const key of ["eigTol", "activeAbove", "substeps", "trackAbove"]) if (args[key] !== undefined) numeric[key] = Number(args[key]);
const opts: FlowOptions = { steps, k: p.spec.k, ...numeric, ...(args.sdcpPairs ? { sdcpPairs: args.sdcpPairs as FlowOptions["sdcpPairs"] } : {}) };
const t0 = Date.now();
const r: FlowResult = (proc === "central" ? central : stable)({ D, rule: gd(p.spec.optimizer.lr), w0: p.w0 }, opts);
const sec = (Date.now() - t0) / 1000;
const ref = readCsv(join(REF, "reference", `${proc}.csv`));
const cols = ["loss", "eig_1", "eig_2", "eig_3", ...(proc === "central" ? ["X_trace"] : [])];
const worst: Record<string, { v: number; at: number }> = {};
let firstOver = -1;
for (const row of r.rows) {
  let rowWorst = 0;
  for (const c of cols) {
    const ours = c === "loss" ? row.loss : c === "X_trace" ? (row.X_trace as number) : row.eigs[Number(c.slice(4)) - 1];
    const theirs = ref[c][row.step];
    const e = theirs === 0 ? Math.abs(ours) : Math.abs(ours - theirs) / Math.abs(theirs);
    if (!worst[c] || e > worst[c].v) worst[c] = { v: e, at: row.step };
    if (c !== "X_trace") rowWorst = Math.max(rowWorst, e);
  }
  if (firstOver < 0 && rowWorst > 1e-6) firstOver = row.step;
  if (args.trace && row.step % Number(args.trace) === 0) {
    const cells = cols.map((c) => {
      const ours = c === "loss" ? row.loss : c === "X_trace" ? (row.X_trace as number) : row.eigs[Number(c.slice(4)) - 1];
      const theirs = ref[c][row.step];
      return `${c}:${(theirs === 0 ? ours : (ours - theirs) / Math.abs(theirs)).toExponential(2)}`;
    });
    console.log(row.step, cells.join(" "), `n_active=${String(row.n_active)}`);
  }
}
console.log(JSON.stringify({ proc, opts, f64data, sec, counters: r.counters, perStep: { hvps: r.counters.hvps / steps, thirds: r.counters.thirds / steps, grads: r.counters.gradients / steps }, firstOver, worst }));
