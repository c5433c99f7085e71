/**
 * Part I headline: GD, gradient flow and the central flow on one network (central-flows.md §1, §3).
 *
 * GD sharpens until its sharpness reaches 2/η, blows up along the top eigenvector u and self-stabilizes; from
 * then on it oscillates along u around a smooth path. Gradient flow keeps sharpening and leaves GD behind;
 * the central flow dw/dt = −η[∇L + ½σ²∇S], S pinned at 2/η, follows that smooth path, and its σ² predicts
 * the oscillation: E[x_t²] = σ², the time-averaged loss L + ½Sσ² (= L + tr X in effective units), the
 * time-averaged ‖∇L‖² ≈ ‖∇L(w)‖² + S²σ², and E[f] = f(w) + ½σ² uᵀ∇²f u for a network output f.
 *
 * "After the transient" means from `settle` steps after the flow's arrival at the edge on: GD's first
 * instability is a catapult (its sharpness overshoots 2/η and its oscillation dies and re-ignites a few
 * times) that a time average cannot describe step by step.
 */
import { claim } from "../../lab/claims";
import { curvesPanel, distancePanel, eigenvaluePanel, lossPanel, type Panel } from "../../plot/panels";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import type { ComparisonConfig } from "./compare";
import { comparisonTask } from "./tasks";
import { line, panelFigures, processLabel, rawAndSmoothed, taskText } from "./figures";
import { arrival, firstIndex, settledWindow, windowRatio } from "./measures";
import { mean } from "../../lab/stats";
import { GAUSSIAN_MLP, type TaskSpec } from "./setup";
import { logRangeWithRoom } from "../../plot/ranges";

export interface GdCentralConfig extends ComparisonConfig {
  /** Steps after the flow's arrival at the edge that count as the transient. */
  settle: number;
  /** Gaussian σ (steps) of the drawn time averages and of the output comparison. */
  smooth: number;
  /** Block length for the block-wise loss prediction claim. */
  block: number;
}

async function run(c: GdCentralConfig, ctx: RunContext): Promise<Tables> {
  // The comparison is a task (tasks.ts); settle, smooth and block only shape the figures and claims.
  const { settle: _settle, smooth: _smooth, block: _block, ...comparison } = c;
  return { steps: await ctx.run(comparisonTask, comparison) };
}

/**
 * The panels of the headline figures (central-flows.md §1, §3). Gradient flow is integrated with Euler steps
 * λ_max·dt ≤ stableStepScale (0.05 here: halving it changes no drawn curve), so before the edge it is the
 * continuous flow, not GD itself.
 */
function gdPanels(tables: Tables, c: GdCentralConfig): Panel[] {
  const t = tables.steps;
  if (!t) return [];
  const name = (p: "discrete" | "stable" | "central"): string => processLabel(p, "gd");
  const a = arrival(t);
  const from = Math.max(0, a);
  // The onset: GD blows up along u while its sharpness is above 2/η, then self-stabilizes.
  const lo = a < 0 ? 0 : Math.max(0, a - 60);
  const hi = a < 0 ? t.step.length : a + 200;
  // The onset panels leave headroom above the data for their legends (every corner below holds a curve).
  const inWindow = (col: string, map: (y: number) => number = (y) => y): number[] => (t[col] ?? []).slice(lo, hi).map(map).filter((y) => Number.isFinite(y));
  const eigs = [...inWindow("discrete_eig1"), ...inWindow("central_eig1"), 2];
  const [eMin, eMax] = [Math.min(...eigs), Math.max(...eigs)];
  const headroom = (y0: number, y1: number, top: number): [number, number] | undefined => (Number.isFinite(y0) && y1 > y0 ? [y0 - 0.03 * (y1 - y0), y1 + top * (y1 - y0)] : undefined);
  return [
    // 0–3: the three processes.
    lossPanel({
      title: "train loss",
      series: [
        ...line(t, "discrete_loss", { name: name("discrete"), process: "discrete" }),
        ...line(t, "stable_loss", { name: name("stable"), process: "gradientFlow" }),
        ...line(t, "central_loss", { name: name("central"), process: "central" }),
      ],
      legend: "bottom left",
    }),
    eigenvaluePanel({
      title: "sharpness",
      yTitle: "ηS",
      series: [
        ...line(t, "discrete_eig1", { name: name("discrete"), process: "discrete" }),
        ...line(t, "stable_eig1", { name: name("stable"), process: "gradientFlow" }),
        ...line(t, "central_eig1", { name: name("central"), process: "central" }),
      ],
      thresholds: [{ x: t.step, y: 2, name: "2 (ηS = 2)" }],
      legend: "none",
    }),
    curvesPanel({
      title: "a network output",
      yTitle: "f(x₀)",
      series: [
        ...line(t, "discrete_out", { name: name("discrete"), process: "discrete" }),
        ...line(t, "stable_out", { name: name("stable"), process: "gradientFlow" }),
        ...line(t, "central_out", { name: name("central"), process: "central" }),
      ],
      legend: "none",
    }),
    distancePanel({
      title: "distance to GD",
      yTitle: "‖w − w<sub>GD</sub>‖",
      series: [
        ...line(t, "dist_stable", { name: name("stable"), process: "gradientFlow", from: 1 }),
        ...line(t, "dist_central", { name: name("central"), process: "central", from: 1 }),
      ],
      // Below the curves at the right: the distances grow (or level off) after the edge.
      legend: "bottom right",
    }),
    // 4–5: the onset.
    eigenvaluePanel({
      title: "sharpness at the onset",
      yTitle: "ηS",
      series: [
        ...line(t, "discrete_eig1", { name: name("discrete"), process: "discrete", from: lo, to: hi }),
        ...line(t, "central_eig1", { name: name("central"), process: "central", from: lo, to: hi }),
        // The edge ηS = 2, dotted; the axis labels it.
        { name: "2", x: [t.step[lo], t.step[Math.min(hi, t.step.length) - 1]], y: [2, 2], process: "threshold", unlabeled: true },
      ],
      yRange: headroom(eMin, eMax, 0.45),
      legend: "top left",
    }),
    curvesPanel({
      title: "displacement along u",
      yTitle: "|xₜ|",
      logY: true,
      series: [
        ...line(t, "osc_x1", { name: "GD |x<sub>t</sub>|", process: "discrete", from: lo, to: hi, map: Math.abs }),
        ...line(t, "central_sigma1", { name: "central flow σ", process: "prediction", from: lo, to: hi, map: Math.sqrt }),
      ],
      yRange: logRangeWithRoom([...inWindow("osc_x1", Math.abs), ...inWindow("central_sigma1", Math.sqrt)], { above: 0.6 }),
      legend: "top left",
    }),
    // 6–8: the predictions at the edge.
    curvesPanel({
      title: "oscillation vs σ²",
      yTitle: "x²",
      logY: true,
      series: [
        ...rawAndSmoothed(t, "osc1", { name: "GD", process: "discrete", smooth: c.smooth, from }),
        ...line(t, "central_sigma1", { name: "predicted", process: "prediction", from }),
      ],
      legend: "none",
    }),
    lossPanel({
      title: "loss at the edge",
      series: [
        ...rawAndSmoothed(t, "discrete_loss", { name: "GD", process: "discrete", smooth: c.smooth, from }),
        ...line(t, "central_loss", { name: "central flow", process: "central", from }),
        ...line(t, "central_loss_pred", { name: "predicted", process: "prediction", from }),
      ],
      // The curves run diagonally from the top left: the log y range leaves room above them for the legend.
      yRange: logRangeWithRoom(["discrete_loss", "central_loss", "central_loss_pred"].flatMap((col) => (t[col] ?? []).slice(from)), { above: 0.7 }),
      legend: "top right",
    }),
    curvesPanel({
      title: "squared gradient norm",
      yTitle: "‖∇L‖²",
      logY: true,
      series: [
        ...rawAndSmoothed(t, "discrete_gradnorm2", { name: "GD", process: "discrete", smooth: c.smooth, from }),
        ...line(t, "central_gradnorm2", { name: "central flow", process: "central", from }),
        ...line(t, "central_gradnorm2_pred", { name: "predicted", process: "prediction", from }),
      ],
      legend: "none",
    }),
  ];
}

const settings = (c: GdCentralConfig): string =>
  `GD with η = ${c.optimizer.lr} for ${c.steps} steps on ${taskText(c.task)}; gradient flow integrated with Euler steps ηλ_max·dt ≤ ${c.stableStepScale ?? 0.5}, the central flow with 4 substeps per step.`;

function gdFigures(id: string, paper: string): FigureSpec<GdCentralConfig>[] {
  return panelFigures(gdPanels, [
    {
      id: `${id}-processes`,
      paperFigure: `${paper}: GD vs gradient flow vs central flow`,
      title: "GD, gradient flow and the central flow",
      size: "text",
      pick: [0, 1, 2, 3],
      caption: (c) =>
        `${settings(c)} (a) loss; (b) sharpness ηS with the edge 2 (dotted); (c) the network output f at the first training input; (d) distance of each flow to GD. ` +
        `Before the edge all three coincide (the distances are GD's O(η) discretization drift); once GD reaches the edge, gradient flow keeps sharpening and leaves, while the central flow follows GD's time average.`,
    },
    {
      id: `${id}-onset`,
      paperFigure: `${paper}: blow-up and self-stabilization`,
      title: "GD at the onset of the edge of stability",
      size: "column",
      pick: [4, 5],
      caption: (c) =>
        `${settings(c)} Steps around the central flow's arrival at the edge. (a) GD's sharpness overshoots 2 and comes back while the central flow locks at 2; (b) GD's displacement |x_t| from the central flow along the top eigenvector u grows while ηS > 2 and settles at the central flow's σ (dashed).`,
    },
    {
      id: `${id}-predictions`,
      paperFigure: `${paper}: x_t² vs σ², time-averaged loss and gradient norm predictions`,
      title: "The central flow predicts GD's time averages",
      size: "text",
      pick: [6, 7, 8],
      caption: (c) =>
        `${settings(c)} From the central flow's arrival at the edge on; GD raw (faint) and time-averaged over a Gaussian window of σ = ${c.smooth} steps. (a) GD's squared displacement x_t² along u against the predicted σ²; (b) GD's loss against the central flow's L(w(t)) and the predicted time average L + tr X; (c) ‖∇L‖² against the central flow's and the predicted ‖∇L‖² + tr(HΣH).`,
    },
  ]);
}

/** Claims shared by every GD run at the edge (also used by the MNIST and variant experiments). */
export function edgeClaims(t: Table, c: { settle: number; block: number }, prefix = ""): Claim[] {
  const a = arrival(t);
  const w = settledWindow(t, c.settle);
  const T = t.step.length;
  const gdCross = firstIndex(t.discrete_eig1, (x) => x > 2);
  const locked = a < 0 ? NaN : Math.max(...t.central_eig1.slice(a + 1).map((x) => Math.abs(x - 2)));
  const ratio = (m: string, p: string): number => windowRatio(t[m], t[p], w);
  const blocks: number[] = [];
  for (let lo = w[0]; lo + c.block <= T; lo += c.block) blocks.push(Math.abs(ratio2(t.discrete_loss, t.central_loss_pred, lo, lo + c.block) - 1));
  const worstDistance = Math.max(...w.map((s) => t.dist_central[s] / t.travel[s]));
  return [
    claim(`${prefix}arrival`, "GD's sharpness first exceeds 2/η within 15 steps of the central flow's arrival at the edge: |Δstep|", a < 0 || gdCross < 0 ? NaN : Math.abs(gdCross - a), "<=", 15),
    claim(`${prefix}locked-at-edge`, "after arrival the central flow's top effective eigenvalue stays within 1e-3 of 2: max |ηS − 2|", locked, "<=", 1e-3),
    claim(`${prefix}loss-prediction`, `after the transient (from arrival + ${c.settle}), mean GD loss / mean predicted L + tr X: |ratio − 1|`, Math.abs(ratio("discrete_loss", "central_loss_pred") - 1), "<=", 0.05),
    claim(`${prefix}loss-prediction-blocks`, `… and in every ${c.block}-step block after the transient: worst |ratio − 1|`, blocks.length ? Math.max(...blocks) : NaN, "<=", 0.1),
    claim(`${prefix}prediction-beats-flow-loss`, "the oscillation's share matters: |mean GD loss / mean predicted − 1| over |mean GD loss / mean L(w(t)) − 1| (the flow's own loss)", Math.abs(ratio("discrete_loss", "central_loss_pred") - 1) / Math.abs(ratio("discrete_loss", "central_loss") - 1), "<=", 0.5),
    claim(`${prefix}distance-to-gd`, `after the transient, ‖w_central − w_GD‖ / ‖w<sub>central</sub> − w₀‖ stays below 5%: max`, worstDistance, "<=", 0.05),
    claim(`${prefix}oscillation-variance`, "after the transient, Σ x_t² / Σ σ² along u (measured oscillation vs predicted variance): |ratio − 1|", Math.abs(ratio("osc1", "central_sigma1") - 1), "<=", 0.2),
    claim(`${prefix}gradnorm-prediction`, "after the transient, mean GD ‖∇L‖² / mean predicted ‖∇L‖² + tr(HΣH): |ratio − 1|", Math.abs(ratio("discrete_gradnorm2", "central_gradnorm2_pred") - 1), "<=", 0.2),
  ];
}

function ratio2(m: number[], p: number[], lo: number, hi: number): number {
  return mean(m.slice(lo, hi)) / mean(p.slice(lo, hi));
}

function claims(tables: Tables, c: GdCentralConfig): Claim[] {
  const t = tables.steps;
  const T = t.step.length;
  const w = settledWindow(t, c.settle);
  // Output prediction on time averages over the window: GD's output against the central flow's E[f] and
  // against gradient flow's f (GD's raw output oscillates by far more than either gap).
  const avg = (col: string): number => mean(w.map((s) => t[col][s]));
  const outputRatio = Math.abs(avg("discrete_out") - avg("central_out_pred")) / Math.abs(avg("discrete_out") - avg("stable_out"));
  return [
    ...edgeClaims(t, c),
    claim("gradient-flow-departs", "gradient flow ends far from GD: final ‖w_GF − w_GD‖ over final ‖w_central − w_GD‖", t.dist_stable[T - 1] / t.dist_central[T - 1], ">=", 3),
    claim("gradient-flow-sharpens", "gradient flow keeps sharpening past the edge: final η·S_GF", t.stable_eig1[T - 1], ">=", 2.5),
    claim("output-prediction", "after the transient, time-averaged network output: |GD − central flow's E[f]| over |GD − gradient flow's f|", outputRatio, "<=", 0.3),
  ];
}

const BASE: Omit<GdCentralConfig, "optimizer" | "steps" | "settle"> = {
  task: GAUSSIAN_MLP,
  k: 3,
  processes: ["discrete", "stable", "central"],
  output: [0, 0],
  chunk: 25,
  smooth: 8,
  block: 100,
};

/** The headline experiment on any task: the figure and claims above with these configs. */
function gdCentralExperiment(id: string, title: string, paper: string, paperShort: string, configs: { quick: GdCentralConfig; full: GdCentralConfig }): Experiment<GdCentralConfig> {
  return registerExperiment<GdCentralConfig>({ id, title, paper, configs, quickClaims: "reported", run, runsTasks: true, figures: gdFigures(id, paperShort), claims });
}

export const cfGdCentral = gdCentralExperiment(
  "central-flows-gd",
  "GD, gradient flow and the central flow: loss, sharpness, a network output, distance, σ² and the predictions",
  "Cohen, Damian et al. 2024 (central flows), Part I figures (GD vs gradient flow vs central flow; x² vs σ²; predictions)",
  "Cohen, Damian et al. 2024 (central flows), Part I",
  {
    // Quick configs are smoke tests: a coarser gradient-flow step (the full configs carry the accurate one).
    quick: { ...BASE, optimizer: { name: "gd", lr: 0.2 }, steps: 300, settle: 100, stableStepScale: 0.25 },
    full: { ...BASE, optimizer: { name: "gd", lr: 0.1 }, steps: 1000, settle: 250, stableStepScale: 0.05 },
  },
);

/**
 * MNIST digits, 7×7 average-pooled and standardized, 20 per class; MLP 49→16→16→10, swish, ½Σ(f − y)². At the
 * initialization this network is sharper than 2/η for the η used here, so the processes start after 100 plain
 * GD steps at η = 0.2 (w₀ := that point; see TaskSpec.warmup).
 */
const MNIST_TASK: TaskSpec = { hidden: [16, 16], outputs: 10, activation: "swish", loss: "half_sse", data: { kind: "mnist", perClass: 20, pool: 4, seed: 0 }, initSeed: 0, warmup: { lr: 0.2, steps: 100 } };

export const cfGdMnist = gdCentralExperiment(
  "central-flows-gd-mnist",
  "GD, gradient flow and the central flow on real data (an MNIST subset)",
  "Cohen, Damian et al. 2024 (central flows), Part I headline figure; an MLP on MNIST instead of the site's CIFAR-10 ViT/CNN",
  "Cohen, Damian et al. 2024 (central flows), Part I (MNIST instead of CIFAR-10)",
  {
    quick: { ...BASE, task: MNIST_TASK, optimizer: { name: "gd", lr: 0.7 }, steps: 150, settle: 60, block: 50, stableStepScale: 0.25 },
    full: { ...BASE, task: MNIST_TASK, optimizer: { name: "gd", lr: 0.5 }, steps: 600, settle: 200, stableStepScale: 0.05 },
  },
);
