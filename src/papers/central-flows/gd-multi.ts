/**
 * Part I: several eigenvalues at the edge (central-flows.md §2). With 4 outputs several Hessian eigenvalues
 * reach 2/η one after another; GD then oscillates in a subspace and the central flow keeps all of them at
 * 2/η with Σ = U X Uᵀ of rank up to the number at the edge, X from the semidefinite complementarity problem.
 * Each eigenvalue of Σ is the variance of GD's oscillation along the corresponding principal direction.
 */
import { claim } from "../../lab/claims";
import { curvesPanel, eigenvaluePanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { gaussianSmooth } from "../../linalg/smoothing";
import { sequentialColor } from "../../plot/style";
import { registerExperiment } from "../../lab/registry";
import { mean } from "../../lab/stats";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
import type { ComparisonConfig } from "./compare";
import { comparisonTask } from "./tasks";
import { panelFigures, taskText, line, processLabel, rawAndSmoothed } from "./figures";
import { arrival, firstIndex, window, windowRatio, windowRatioError } from "./measures";
import { logRangeWithRoom } from "../../plot/ranges";

export interface GdMultiConfig extends ComparisonConfig {
  /** An eigenvalue counts as "at the edge" within this distance of 2. */
  edgeTol: number;
  /** How many effective eigenvalues the claims expect at the edge at the end (and the rank of Σ). */
  atEdge: number;
  /** A Σ eigenvalue counts toward the rank above this fraction of the largest. */
  rankTol: number;
  /** Steps after Σ first reaches rank i that count as the transient for comparisons of rank ≥ i. */
  settle: number;
  smooth: number;
}

/** Number of eigenvalues of Σ above rankTol·σ₁ at each step. */
export function sigmaRank(t: Table, k: number, rankTol: number): number[] {
  return t.step.map((_, s) => {
    const top = t.central_sigma1[s];
    if (!(top > 0)) return 0;
    let r = 0;
    for (let i = 1; i <= k; i++) if (t[`central_sigma${i}`][s] > rankTol * top) r++;
    return r;
  });
}

async function run(c: GdMultiConfig, ctx: RunContext): Promise<Tables> {
  // The comparison is a task (tasks.ts); the other fields only shape the figures and claims.
  const { edgeTol: _edgeTol, atEdge: _atEdge, rankTol: _rankTol, settle: _settle, smooth: _smooth, ...comparison } = c;
  return { steps: withRank(await ctx.run(comparisonTask, comparison), c) };
}

function withRank(t: Table, c: GdMultiConfig): Table {
  return { ...t, sigma_rank: sigmaRank(t, c.k, c.rankTol) };
}

/** Σ's eigenvalues against the oscillation: the log axis reaches below the data for the (k + 2)-entry legend. */
function sigmaPanel(title: string, series: Series[]): Panel {
  const yRange = logRangeWithRoom(series.flatMap((s) => s.y), { below: 1.3, minSpan: 1 });
  return { ...curvesPanel({ title, yTitle: "variance (effective units)", logY: true, series, yRange }), legend: "bottom right" };
}

function allPanels(tables: Tables, c: GdMultiConfig): Panel[] {
  const t = tables.steps;
  const opt = processLabel("discrete", c.optimizer.name);
  const edge = c.optimizer.name === "gd" ? "2/η" : "2";
  const color = (i: number): string => sequentialColor(i, c.k + 1);
  const eigs = (p: "discrete" | "central"): Series[] =>
    Array.from({ length: c.k }, (_, i) => line(t, `${p}_eig${i + 1}`, { name: `λ${i + 1}`, color: color(i), group: `λ${i + 1}`, showlegend: p === "central" })).flat();
  const a = Math.max(0, arrival(t));
  // Only where Σ has rank > i: below that σ²ᵢ is 0 and the projection is noise.
  const ranked = (i: number) => (y: number, s: number): number => (t.sigma_rank?.[s] > i ? y : NaN);
  const panels: Panel[] = [
    // (a) and (b) share (b)'s legend, above the edge in headroom its y range leaves; (a)'s edge is labelled at its end.
    { ...eigenvaluePanel({ title: `(a) ${opt}: eigenvalues`, series: eigs("discrete"), thresholds: [{ x: t.step, y: 2, name: edge }] }), legend: "none" },
    eigenvaluePanel({
      title: "(b) central flow: eigenvalues",
      series: [...eigs("central"), { name: edge, x: [t.step[0], t.step[t.step.length - 1]], y: [2, 2], process: "threshold", unlabeled: true }],
      yRange: [0, 2.6 * Math.max(2, ...Array.from({ length: c.k }, (_, i) => t[`central_eig${i + 1}`] ?? []).flat().filter(Number.isFinite).filter((y) => y < 4))],
      legend: "top left",
    }),
    curvesPanel({ title: "(c) rank of Σ", yTitle: "rank Σ", series: line(t, "sigma_rank", { name: "rank Σ", process: "central" }) }),
    // Only the directions Σ ever has (rank > i somewhere): the others would be legend entries with nothing drawn.
    sigmaPanel(`(d) Σ against ${opt}'s oscillation²`, Array.from({ length: Math.min(c.k, Math.max(0, ...(t.sigma_rank ?? []).filter(Number.isFinite))) }, (_, i) => [
        // One legend entry per direction i (its colour); the key entries below say which line style is which.
        ...line({ ...t, osc: gaussianSmooth(t[`osc${i + 1}`], c.smooth) }, "osc", { name: `i = ${i + 1}`, color: color(i), from: a, group: `σ${i + 1}`, map: ranked(i) }),
        ...line(t, `central_sigma${i + 1}`, { name: `i = ${i + 1}`, color: color(i), dash: "dot", from: a, group: `σ${i + 1}`, showlegend: false, map: ranked(i) }),
      ])
        .flat()
        .concat([
          { name: `${opt}: (qᵢᵀxₜ)²`, x: [NaN], y: [NaN], color: "#4D4D4D" },
          { name: "Σ: σ²ᵢ", x: [NaN], y: [NaN], color: "#4D4D4D", dash: "dot" },
        ]),
    ),
    lossPanel({
      title: `(e) loss: ${opt}, central flow, predicted`,
      series: [
        ...rawAndSmoothed(t, "discrete_loss", { name: opt, process: "discrete", smooth: c.smooth }),
        ...line(t, "central_loss", { name: "central flow: L(w(t))", process: "central" }),
        ...line(t, "central_loss_pred", { name: "central flow: predicted", process: "prediction" }),
      ],
    }),
  ];
  return panels;
}

function claims(tables: Tables, c: GdMultiConfig): Claim[] {
  const t = tables.steps;
  const opt = processLabel("discrete", c.optimizer.name);
  const T = t.step.length;
  const atEdge = (s: number): number => Array.from({ length: c.k }, (_, i) => t[`central_eig${i + 1}`][s]).filter((x) => Math.abs(x - 2) <= c.edgeTol).length;
  const rank = t.sigma_rank;
  const finalRank = rank[T - 1];
  // The rest is compared from `settle` steps after Σ first became non-zero.
  // Σ's eigenvalue i is compared at steps where Σ has had rank ≥ i for the last `settle` steps (the rank can
  // drop back when an eigenvalue leaves the edge, and a new direction needs time to fill).
  const ranked = (i: number): number[] => {
    const out: number[] = [];
    let run = 0;
    for (let s = 0; s < T; s++) {
      run = rank[s] >= i ? run + 1 : 0;
      if (run > c.settle) out.push(s);
    }
    return out;
  };
  const settled = (i: number): number[] => {
    const first = firstIndex(rank, (r) => r >= i);
    return first < 0 ? [] : window(T, first + c.settle, T);
  };
  const w = settled(1);
  const span = `steps ${w[0] ?? NaN}–${T - 1}`;
  const oscTotal = t.step.map((_, s) => Array.from({ length: c.k }, (_, i) => t[`osc${i + 1}`][s]).reduce((a, b) => a + b, 0));
  const out: Claim[] = [
    claim("eigenvalues-at-edge", `central flow at the end: eigenvalues within ${c.edgeTol} of 2`, atEdge(T - 1), ">=", c.atEdge),
    claim("optimizer-eigenvalues-at-edge", `${opt} over the last 100 steps: mean number of effective eigenvalues within 0.1 of 2`, mean(window(T, T - 100, T).map((s) => Array.from({ length: c.k }, (_, i) => t[`discrete_eig${i + 1}`][s]).filter((x) => Math.abs(x - 2) <= 0.1).length)), ">=", 2),
    claim("sigma-rank", "rank of Σ at the end", finalRank, ">=", c.atEdge),
    claim("loss-prediction", `mean ${opt} loss / mean predicted, ${span}: |ratio − 1|`, Math.abs(windowRatio(t.discrete_loss, t.central_loss_pred, w) - 1), "<=", 0.05),
    claim("distance-to-optimizer", `‖w_central − w_opt‖ / ‖w<sub>central</sub> − w₀‖, ${span}: max`, Math.max(...w.map((s) => t.dist_central[s] / t.travel[s])), "<=", 0.05),
    claim("oscillation-total", `${opt}'s total oscillation Σ‖xₜ‖² / Σ tr X, ${span}: |ratio − 1|`, Math.abs(windowRatio(oscTotal, t.central_X_trace, w) - 1), "<=", 0.2),
  ];
  // Σ's eigenvalue i is judged where its window holds at least 150 steps. GD's oscillation along the smaller
  // eigenvectors comes in bursts (over 50-step blocks 0.3–4× Σ's prediction along the third), so the tolerance is
  // 0.3 or two standard errors of the window's ratio (from its 50-step blocks), whichever is larger.
  for (let i = 1; i <= Math.min(finalRank, c.k); i++) {
    const wi = ranked(i);
    if (wi.length < 150) continue;
    const ratio = windowRatio(t[`osc${i}`], t[`central_sigma${i}`], wi);
    const tolerance = Math.max(0.3, 2 * windowRatioError(t[`osc${i}`], t[`central_sigma${i}`], wi, 50));
    out.push(claim(`sigma${i}-variance`, `Σ's eigenvalue ${i} vs ${opt}'s oscillation² along its eigenvector, ${wi.length} steps from ${wi[0]} on, ${c.settle}+ steps into rank Σ ≥ ${i}: |Σ osc / Σ σ² − 1| ÷ max(0.3, 2 standard errors)`, Math.abs(ratio - 1) / tolerance, "<=", 1));
  }
  return out;
}

const TASK = { hidden: [16, 16], outputs: 4, activation: "swish" as const, loss: "half_sse" as const, data: { kind: "gaussian" as const, n: 128, seed: 0 }, initSeed: 0 };
const SRMS = { name: "scalar_rmsprop" as const, lr: 0.1, beta2: 0.99, eps: 1e-8, biasCorrection: true };
const BASE = { task: TASK, optimizer: { name: "gd" as const, lr: 0.1 }, k: 4, processes: ["discrete" as const, "central" as const], output: null, chunk: 25, edgeTol: 0.01, atEdge: 3, rankTol: 1e-3, smooth: 8 };

export const cfGdMulti: Experiment<GdMultiConfig> = registerExperiment<GdMultiConfig>({
  id: "central-flows-gd-multi",
  quickClaims: "reported",
  title: "Several eigenvalues at the edge: GD's top-4 eigenvalues, rank of Σ, Σ's eigenvalues vs the oscillation",
  paper: "Cohen, Damian et al. 2024 (central flows), Part I: top eigenvalues at the edge; rank of Σ and its eigenvalues",
  configs: {
    quick: { ...BASE, optimizer: { name: "gd", lr: 0.2 }, steps: 300, settle: 50 },
    // 1800 steps: the third eigenvalue joins Σ near step 1300 and leaves again before 2400; its claim needs 150
    // steps after its settle.
    full: { ...BASE, steps: 1800, settle: 150 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-gd-multi-eigenvalues", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part I: top-4 eigenvalues, several at the edge", title: "Several eigenvalues reach the edge", size: "text", pick: [0, 1, 2],
      caption: (c) => `GD (${"η"} = ${c.optimizer.lr}, ${c.steps} steps) on ${taskText(c.task)}; the central flow tracks k = ${c.k} eigenvalues. (a) GD's top effective eigenvalues ηλᵢ rise to 2 one after another and stay near it; (b) the central flow's lock at exactly 2; (c) the rank of Σ counts the eigenvalues at the edge.` },
    { id: "central-flows-gd-multi-sigma", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part I: each eigenvalue of Σ vs the oscillation²; loss prediction", title: "Σ predicts GD's oscillation in every direction at the edge", size: "text", pick: [3, 4],
      caption: (c) => `Same run as central-flows-gd-multi-eigenvalues. (a) eigenvalues of Σ (dashed) against GD's squared displacement from the flow along Σ's eigenvectors, time-averaged over ${c.smooth} steps, from the flow's arrival at the edge on; (b) GD's loss, raw and time-averaged, with the central flow's loss and its prediction L + tr X.` },
  ]),
  claims,
});

/**
 * Part II: the same with Scalar RMSProp. One step size can put only the top eigenvalue at the edge by itself;
 * the others join as the implicit regularizer flattens the top of the spectrum: at η = 0.05 one is at 2, at
 * η = 0.1 two are (and a third at 1.8), at η = 0.2 three, but with large catapults at the start.
 */
export const cfSrmsMulti: Experiment<GdMultiConfig> = registerExperiment<GdMultiConfig>({
  id: "central-flows-srms-multi",
  quickClaims: "reported",
  title: "Scalar RMSProp with several eigenvalues at the edge: top-4 effective eigenvalues, rank of Σ, Σ vs the oscillation",
  paper: "Cohen, Damian et al. 2024 (central flows), Part II: several eigenvalues at the edge",
  configs: {
    quick: { ...BASE, optimizer: { ...SRMS, lr: 0.2 }, steps: 200, settle: 40, atEdge: 2 },
    full: { ...BASE, optimizer: SRMS, steps: 800, settle: 200, atEdge: 2 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-srms-multi-eigenvalues", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: several eigenvalues at the edge", title: "Scalar RMSProp: several effective eigenvalues at the edge", size: "text", pick: [0, 1, 2],
      caption: (c) => `Scalar RMSProp (${JSON.stringify(c.optimizer).replace(/[{}"]/g, "").replace(/,/g, ", ")}; ${c.steps} steps) on ${taskText(c.task)}. (a) the optimizer's top effective eigenvalues ηλᵢ/√ν̂; (b) the central flow's, held at 2; (c) rank of Σ.` },
    { id: "central-flows-srms-multi-sigma", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: Σ vs the oscillation; loss prediction", title: "Scalar RMSProp: Σ against the oscillation", size: "text", pick: [3, 4],
      caption: () => `Same run as central-flows-srms-multi-eigenvalues. (a) eigenvalues of Σ (dashed) against the optimizer's time-averaged squared displacement along them; (b) loss: optimizer raw and time-averaged, central flow, predicted L + tr X.` },
  ]),
  claims,
});
