/**
 * Part III: RMSProp (diagonal) at the edge of stability (central-flows.md §5). Its effective eigenvalues,
 * those of P⁻¹H with P = diag((√ν̂ + ε)/η), rise to 2 and several lock there. The iterate then oscillates in
 * their span; the oscillation is invisible in the loss but not in the gradient: gᵢ² spikes every other step
 * and ν, an average of gᵢ², is dominated by it ("hidden oscillation"). The central flow predicts both
 * E[gᵢ²] = gᵢ(w)² + diag(HΣH)ᵢ and ν coordinate by coordinate, and stays on the optimizer's path while the
 * stable flow (ν fed with the flow's own g⊙², far smaller) leaves it. Both flows branch off the optimizer at
 * step `branchAt` (see BASE).
 */
import type { Vec } from "../../autodiff/derivatives";
import { claim } from "../../lab/claims";
import { curvesPanel, distancePanel, eigenvaluePanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { gaussianSmooth } from "../../linalg/smoothing";
import { sequentialColor } from "../../plot/style";
import { emptyTable, pushRow } from "../../lab/tables";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
import type { ComparisonConfig } from "./compare";
import { panelFigures, taskText, line, processLabel, rawAndSmoothed } from "./figures";
import { arrival, cosine, distance, finiteMax, lastFinite, norm, settledWindow, windowRatio } from "./measures";
import { mean } from "../../lab/stats";
import { comparisonFromTraces, processConfigs, processTraceTask, type TracedComparison } from "./rms-tasks";
import { makeRule, GAUSSIAN_MLP, type TaskSpec } from "./setup";
import type { Trace } from "./trace";
import { logRangeWithRoom } from "../../plot/ranges";

export interface RmsCentralConfig extends ComparisonConfig {
  settle: number;
  smooth: number;
  /** An eigenvalue counts as "at the edge" within this distance of 2. */
  edgeTol: number;
}

async function run(c: RmsCentralConfig, ctx: RunContext): Promise<Tables> {
  // One task per process (rms-tasks.ts): the optimizer, the stable and the central flow; the flows run the
  // optimizer's first steps themselves up to the branch point. The table and the per-coordinate measurements
  // are assembled here from their paths and g⊙².
  const parts = await ctx.map(processConfigs(c), processTraceTask);
  const cmp = comparisonFromTraces(c, parts);
  const extra = coordinates(cmp, c);
  return { steps: { ...cmp.table, ...extra.perStep }, coords: extra.coords, hidden: extra.hidden };
}

/**
 * Per-coordinate measurements: time averages over the settled window of the optimizer's gᵢ², the central
 * flow's gᵢ(w)² and its prediction E[gᵢ²] = gᵢ(w)² + Σ_ab X_ab (Hu_a)ᵢ(Hu_b)ᵢ, and of ν of both; and one
 * coordinate's time series (the one with the largest predicted oscillation share).
 */
function coordinates(cmp: TracedComparison, c: RmsCentralConfig): { coords: Table; hidden: Table; perStep: Table } {
  const dis = cmp.traces.discrete as Trace;
  const cen = cmp.traces.central as Trace;
  const rule = makeRule(c.optimizer);
  const dim = dis.ws[0].length;
  const T = Math.min(dis.rows.length, cen.rows.length);
  const gDis = cmp.g2.discrete as Float64Array[];
  const gCen = cmp.g2.central as Float64Array[];
  const predicted: Vec[] = [];
  for (let s = 0; s < T; s++) {
    const e = gCen[s].slice();
    const d = cen.details[s];
    if (d && d.u.length > 0) {
      const P = rule.precond(cen.states[s], dim);
      const hu = d.u.map((u, a) => u.map((x, p) => d.lambdas[a] * P[p] * x));
      d.X.forEach((row, a) => row.forEach((x, b) => { if (x !== 0) for (let p = 0; p < dim; p++) e[p] += x * hu[a][p] * hu[b][p]; }));
    }
    predicted.push(e);
  }
  const w = settledWindow(cmp.table, c.settle).filter((s) => s < T);
  const avg = (vs: Vec[]): Float64Array => {
    const out = new Float64Array(dim);
    for (const s of w) for (let p = 0; p < dim; p++) out[p] += vs[s][p] / w.length;
    return out;
  };
  const [mDis, mCen, mPred] = [avg(gDis), avg(gCen), avg(predicted)];
  // ν time-averaged over the same window: RMSProp's ν at any one step carries the EoS chaos of the last
  // ~1/(1 − β2) steps' oscillation; the flow predicts its time average (as for Scalar RMSProp's ν).
  const nuDis = avg(dis.states.map((st) => st.nu));
  const nuCen = avg(cen.states.map((st) => st.nu));
  const coords = emptyTable(["coordinate", "g2_optimizer", "g2_flow", "g2_predicted", "nu_optimizer", "nu_central"]);
  for (let p = 0; p < dim; p++) pushRow(coords, { coordinate: p, g2_optimizer: mDis[p], g2_flow: mCen[p], g2_predicted: mPred[p], nu_optimizer: nuDis[p], nu_central: nuCen[p] });
  let star = 0;
  for (let p = 1; p < dim; p++) if (mPred[p] - mCen[p] > mPred[star] - mCen[star]) star = p;
  const hidden = emptyTable(["step", "coordinate", "g2_optimizer", "nu_optimizer", "nu_central", "g2_flow", "g2_predicted"]);
  for (let s = 0; s < T; s++) {
    pushRow(hidden, { step: s, coordinate: star, g2_optimizer: gDis[s][star], nu_optimizer: dis.states[s].nu[star], nu_central: cen.states[s].nu[star], g2_flow: gCen[s][star], g2_predicted: predicted[s][star] });
  }
  // Per step: how far the two ν vectors are apart, and the oscillation's share of the predicted E[g²].
  const perStep: Table = {
    nu_gap: cmp.table.step.map((_, s) => (s < T ? distance(dis.states[s].nu, cen.states[s].nu) / norm(dis.states[s].nu) : NaN)),
    oscillation_share: cmp.table.step.map((_, s) => (s < T ? 1 - sum(gCen[s]) / sum(predicted[s]) : NaN)),
  };
  return { coords, hidden, perStep };
}

function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

function allPanels(tables: Tables, c: RmsCentralConfig): Panel[] {
  const t = tables.steps;
  const name = (p: "discrete" | "stable" | "central"): string => processLabel(p, "rmsprop");
  const color = (i: number): string => sequentialColor(i, c.k + 1);
  const eigs = (p: string): Series[] => Array.from({ length: c.k }, (_, i) => line(t, `${p}_eig${i + 1}`, { name: `λ${i + 1}`, color: color(i), group: `λ${i + 1}` })).flat();
  const a = Math.max(0, arrival(t));
  const branch = c.branchAt ?? 0;
  const oscTotal = t.step.map((_, s) => Array.from({ length: c.k }, (_, i) => t[`osc${i + 1}`][s]).reduce((x, y) => x + y, 0));
  // Legends go where the y ranges leave room for them: below the loss curves, above the eigenvalues (the edge
  // at 2 is unnamed there, the axis labels it) and above gᵢ², νᵢ; every corner of those panels holds a curve.
  const maxEig = (p: string): number => Math.max(2, ...Array.from({ length: c.k }, (_, i) => t[`${p}_eig${i + 1}`] ?? []).flat().filter(Number.isFinite));
  const edge = (): Series => ({ name: "2", x: [t.step[0], t.step[t.step.length - 1]], y: [2, 2], process: "threshold", unlabeled: true });
  const panels: Panel[] = [
    lossPanel({
      title: "(a) train loss",
      yRange: logRangeWithRoom(["discrete_loss", "stable_loss", "central_loss", "central_loss_pred"].flatMap((col) => t[col] ?? []), { below: 1.1 }),
      legend: "bottom left",
      series: [
        ...rawAndSmoothed(t, "discrete_loss", { name: name("discrete"), process: "discrete", smooth: c.smooth }),
        ...line(t, "stable_loss", { name: name("stable"), process: "stable" }),
        ...line(t, "central_loss", { name: name("central"), process: "central" }),
        ...line(t, "central_loss_pred", { name: "central flow: predicted E[L]", process: "prediction" }),
      ],
    }),
    eigenvaluePanel({ title: "(b) RMSProp: eigenvalues of P⁻¹H", series: [...eigs("discrete"), edge()], yRange: [0, 2.2 * maxEig("discrete")], legend: "top left" }),
    // y clipped at 5: the flow starts from ν₀ = g₀⊙², above the edge for a step or two.
    eigenvaluePanel({ title: "(c) central flow: eigenvalues of P⁻¹H", series: [...eigs("central"), edge()], yRange: [0, 5], legend: "top left" }),
    distancePanel({
      title: `(d) distance to RMSProp (flows from step ${branch})`,
      yTitle: "‖w − w<sub>RMSProp</sub>‖ / ‖w<sub>central</sub> − w₀‖",
      series: [
        ...line(t, "dist_stable", { name: name("stable"), process: "stable", map: (d, s) => d / t.travel[s], from: branch + 1 }),
        ...line(t, "dist_central", { name: name("central"), process: "central", map: (d, s) => d / t.travel[s], from: branch + 1 }),
      ],
    }),
    curvesPanel({
      title: "(e) oscillation ‖xₜ‖² against tr X",
      yTitle: "effective units",
      logY: true,
      series: [
        ...line({ step: t.step, osc: gaussianSmooth(oscTotal, c.smooth) }, "osc", { name: "RMSProp: ‖xₜ‖² (time-averaged)", process: "discrete", from: a }),
        ...line(t, "central_X_trace", { name: "central flow: tr X", process: "prediction", from: a }),
      ],
    }),
  ];
  const h = tables.hidden;
  if (h) {
    panels.push(
      curvesPanel({
        title: `(f) coordinate ${h.coordinate[0]}: gᵢ² and νᵢ`,
        yTitle: "gᵢ², νᵢ",
        logY: true,
        yRange: logRangeWithRoom(["g2_optimizer", "nu_optimizer", "nu_central", "g2_flow", "g2_predicted"].flatMap((col) => h[col] ?? []), { above: 1.8 }),
        legend: "top left",
        series: [
          ...line(h, "g2_optimizer", { name: "RMSProp: gᵢ²", process: "discrete", opacity: 0.35 }),
          ...line(h, "nu_optimizer", { name: "RMSProp: νᵢ", color: "#0b2f5e", width: 2 }),
          ...line(h, "nu_central", { name: "central flow: νᵢ", process: "central" }),
          ...line(h, "g2_flow", { name: "central flow: gᵢ(w(t))²", process: "stable" }),
          ...line(h, "g2_predicted", { name: "central flow: predicted E[gᵢ²]", process: "prediction" }),
        ],
      }),
    );
  }
  const k = tables.coords;
  if (k) {
    const diag = (x: number[]): Series => {
      const f = x.filter((v) => v > 0);
      const lo = Math.min(...f);
      const hi = Math.max(...f);
      return { name: "y = x", x: [lo, hi], y: [lo, hi], color: "#999999", dash: "dash" };
    };
    panels.push(
      curvesPanel({
        title: "(g) mean gᵢ² per coordinate",
        xTitle: "central flow: predicted E[gᵢ²]",
        yTitle: "RMSProp: mean gᵢ²",
        logX: true,
        logY: true,
        series: [{ name: "coordinates", x: k.g2_predicted, y: k.g2_optimizer, mode: "markers", process: "discrete" }, diag(k.g2_predicted)],
      }),
      curvesPanel({
        title: "(h) νᵢ per coordinate",
        xTitle: "central flow νᵢ",
        yTitle: "RMSProp νᵢ",
        logX: true,
        logY: true,
        series: [{ name: "coordinates ", x: k.nu_central, y: k.nu_optimizer, mode: "markers", process: "central" }, diag(k.nu_central)],
      }),
    );
  }
  return panels;
}

function claims(tables: Tables, c: RmsCentralConfig): Claim[] {
  const t = tables.steps;
  const k = tables.coords;
  const T = t.step.length;
  const w = settledWindow(t, c.settle);
  const span = `steps ${w[0] ?? NaN}–${T - 1}`;
  const atEdge = Array.from({ length: c.k }, (_, i) => t[`central_eig${i + 1}`][T - 1]).filter((x) => Math.abs(x - 2) <= c.edgeTol).length;
  const [dStable, end] = lastFinite(t.dist_stable);
  const oscTotal = t.step.map((_, s) => Array.from({ length: c.k }, (_, i) => t[`osc${i + 1}`][s]).reduce((x, y) => x + y, 0));
  const rel = (a: number[], b: number[]): number => distance(a, b) / norm(a);
  return [
    claim("eigenvalues-at-edge", `central flow at the end: effective eigenvalues within ${c.edgeTol} of 2`, atEdge, ">=", 2),
    claim("distance-central", `${span}: ‖w_central − w_RMSProp‖ / ‖w<sub>central</sub> − w₀‖, max`, finiteMax(w.map((s) => t.dist_central[s] / t.travel[s])), "<=", 0.05),
    claim("stable-departs", `the stable flow does not follow: ‖w_stable − w_RMSProp‖ / ‖w<sub>central</sub> − w₀‖ at step ${end}`, dStable / t.travel[end], ">=", 0.1),
    claim("loss-prediction", `${span}: mean loss / mean predicted E[L]: |ratio − 1|`, Math.abs(windowRatio(t.discrete_loss, t.central_loss_pred, w) - 1), "<=", 0.05),
    claim("sigma-prediction", `${span}: RMSProp's oscillation Σ‖xₜ‖² / Σ tr X: |ratio − 1|`, Math.abs(windowRatio(oscTotal, t.central_X_trace, w) - 1), "<=", 0.2),
    claim("g2-prediction", `${span}, time-averaged gᵢ² over all coordinates: ‖measured − predicted‖ / ‖measured‖`, rel(k.g2_optimizer, k.g2_predicted), "<=", 0.2),
    claim("g2-prediction-cosine", "… and cos∠(measured, predicted)", cosine(k.g2_optimizer, k.g2_predicted), ">=", 0.98),
    claim("nu-prediction", `${span}, time-averaged ν: ‖ν_RMSProp − ν_central‖ / ‖ν_RMSProp‖`, rel(k.nu_optimizer, k.nu_central), "<=", 0.1),
    claim("hidden-oscillation", `${span}: share of the predicted Σᵢ E[gᵢ²] that is oscillation (not the flow's own gradient), mean`, mean(w.map((s) => t.oscillation_share[s])), ">=", 0.5),
  ];
}

const RMSPROP = { name: "rmsprop" as const, lr: 1e-3, beta2: 0.99, eps: 1e-8, biasCorrection: true };
/** Four outputs and ½Σ(f − y)², as in Part I's several-eigenvalue setting: under RMSProp three effective eigenvalues reach 2. */
const TASK: TaskSpec = { ...GAUSSIAN_MLP, outputs: 4, loss: "half_sse" };
/**
 * The flows branch off RMSProp at step 20: bias-corrected RMSProp's first steps are sign-like jumps (step 0 moves
 * every coordinate by exactly η, whatever its gradient) that no ODE follows. Started at step 0 the central flow
 * carries that offset and ends 8.5% of the distance travelled away at step 799 (4.8% when branched at step 10,
 * 3.9% at 20; 1.5% at step 499 of the one-output setting when branched at 50).
 */
const BASE = { task: TASK, k: 4, processes: ["discrete" as const, "stable" as const, "central" as const], output: null, chunk: 25, smooth: 8, edgeTol: 0.01, branchAt: 20 };

export const cfRmsCentral: Experiment<RmsCentralConfig> = registerExperiment<RmsCentralConfig>({
  id: "central-flows-rmsprop",
  quickClaims: "reported",
  title: "RMSProp: effective eigenvalues at 2, distances, Σ, the hidden oscillation in gᵢ², E[gᵢ²] and ν predictions",
  paper: "Cohen, Damian et al. 2024 (central flows), Part III: hidden oscillation; top-4 effective eigenvalues; stable vs central distance; Σ, E[g²] and ν predictions",
  configs: {
    quick: { ...BASE, optimizer: { ...RMSPROP, lr: 2e-3 }, steps: 200, settle: 50 },
    full: { ...BASE, optimizer: RMSPROP, steps: 800, settle: 100 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-rmsprop-tracking", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part III: top-4 effective eigenvalues; stable vs central distance", title: "RMSProp at the edge: the central flow tracks the optimizer, the stable flow does not", size: "text", pick: [0, 1, 2, 3],
      caption: (c) => `RMSProp (${JSON.stringify(c.optimizer).replace(/[{}"]/g, "").replace(/,/g, ", ")}; ${c.steps} steps) on ${taskText(c.task)}. (a) loss; (b) RMSProp's top effective eigenvalues of P⁻¹H rise to 2; (c) the central flow's are held at 2; (d) distance of each flow to the optimizer.` },
    { id: "central-flows-rmsprop-predictions", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part III: hidden oscillation; Σ, E[g²] and ν predictions", title: "RMSProp: the central flow predicts the oscillation, E[gᵢ²] and νᵢ", size: "text", pick: [4, 5, 6, 7],
      caption: (c) => `Same run as central-flows-rmsprop-tracking, after ${c.settle} settling steps. (a) the oscillation ‖xₜ‖² (x = UᵀPδ, δ = w − w_central in the top effective eigenbasis) against tr X; (b) one coordinate's gᵢ² oscillates (the hidden oscillation) while νᵢ stays smooth; (c) time-averaged gᵢ² per coordinate, measured against the central flow's prediction; (d) time-averaged νᵢ of RMSProp against the central flow's, over the settled window.` },
  ]),
  claims,
});
