/**
 * Part II: Scalar RMSProp at the edge of stability (central-flows.md §4). Its effective sharpness
 * S_eff = ηS/√ν rises to 2; the iterate then oscillates along the top eigenvector, ‖g‖² spikes, ν grows and
 * the step size η/√ν shrinks until S_eff = 2 holds on average: the optimizer ends up taking the step 2/S
 * that the local curvature allows (η/√ν · S = 2). The stable flow (ν fed with the flow's own ‖g‖²) misses
 * the oscillation's contribution to ν, takes too large steps, and is unstable itself; the central flow adds
 * σ²S² to ν's input and the implicit regularizer ½σ²∇S to the motion and tracks the optimizer.
 */
import { gaussianSmooth } from "../../linalg/smoothing";
import { claim } from "../../lab/claims";
import { curvesPanel, distancePanel, eigenvaluePanel, lossPanel, type Panel } from "../../plot/panels";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
import { STABLE_STOP_ABOVE, type ComparisonConfig } from "./compare";
import { comparisonTask } from "./tasks";
import { panelFigures, taskText, line, processLabel, rawAndSmoothed } from "./figures";
import { arrival, finiteMax, lastFinite, settledWindow, window, windowRatio } from "./measures";
import { mean } from "../../lab/stats";
import { GAUSSIAN_MLP } from "./setup";
import { logRangeWithRoom } from "../../plot/ranges";

export interface SrmsOnsetConfig extends ComparisonConfig {
  settle: number;
  smooth: number;
}

async function run(c: SrmsOnsetConfig, ctx: RunContext): Promise<Tables> {
  // The comparison is a task (tasks.ts); settle and smooth only shape the figures and claims.
  const { settle: _settle, smooth: _smooth, ...comparison } = c;
  return { steps: withStepSize(await ctx.run(comparisonTask, comparison)) };
}

/** Adds the effective step size η/√ν̂ of each process (ν̂ bias-corrected, as the optimizer uses it). */
function withStepSize(t: Table): Table {
  const out: Table = { ...t };
  for (const p of ["discrete", "stable", "central"]) {
    // η/√ν̂ = η_eff: the effective eigenvalue is S·η_eff, so η_eff = eig1 / S.
    out[`${p}_step_size`] = t[`${p}_eig1`].map((e, s) => e / t[`${p}_sharpness`][s]);
  }
  out.central_two_over_S = t.central_sharpness.map((S) => 2 / S);
  return out;
}

function allPanels(tables: Tables, c: SrmsOnsetConfig): Panel[] {
  const t = tables.steps;
  const name = (p: "discrete" | "stable" | "central"): string => processLabel(p, c.optimizer.name);
  const three = (col: string, extra: Partial<Parameters<typeof line>[2]> = {}) => [
    ...line(t, `discrete_${col}`, { name: name("discrete"), process: "discrete", ...extra }),
    ...line(t, `stable_${col}`, { name: name("stable"), process: "stable", ...extra }),
    ...line(t, `central_${col}`, { name: name("central"), process: "central", ...extra }),
  ];
  const panels: Panel[] = [
    // (a)'s legend names the curves of (a)–(d): each panel draws the same processes under the same names.
    lossPanel({ title: "(a) train loss", series: [...three("loss"), ...line(t, "central_loss_pred", { name: "central flow: prediction", process: "prediction" })] }),
    curvesPanel({
      title: "(b) squared gradient norm",
      yTitle: "‖∇L‖²",
      logY: true,
      series: [
        ...rawAndSmoothed(t, "discrete_gradnorm2", { name: name("discrete"), process: "discrete", smooth: c.smooth }),
        ...line(t, "stable_gradnorm2", { name: name("stable"), process: "stable", showlegend: false }),
        ...line(t, "central_gradnorm2", { name: name("central"), process: "central", showlegend: false }),
        ...line(t, "central_gradnorm2_pred", { name: "central flow: prediction", process: "prediction", showlegend: false }),
      ],
      // Only the time average is new here; it is named above the curves at the top left.
      legend: "top left",
    }),
    curvesPanel({ title: "(c) ν (second-moment EMA)", yTitle: "ν", logY: true, series: three("nu") }),
    eigenvaluePanel({ title: "(d) sharpness S = λ<sub>max</sub>(H)", yTitle: "S", series: three("sharpness") }),
    // (e)–(g) share one legend, in (f): the stable flow leaves through the top of (e) and (g) early on, and (f)'s
    // y range leaves a decade above the step sizes for the legend. The edge S_eff = 2 is labelled at its end.
    eigenvaluePanel({ title: "(e) effective sharpness S<sub>eff</sub> = ηS/√ν̂", yTitle: "S<sub>eff</sub>", series: three("eig1"), thresholds: [{ x: t.step, y: 2, name: "2" }], yRange: [0, 8], legend: "none" }),
    curvesPanel({
      title: "(f) step size η/√ν̂ against 2/S",
      yTitle: "step size",
      logY: true,
      series: [...three("step_size"), ...line(t, "central_two_over_S", { name: "central flow: 2/S(w)", process: "prediction" })],
      yRange: logRangeWithRoom(["discrete", "stable", "central"].flatMap((p) => t[`${p}_step_size`] ?? []), { above: 0.9 }),
      legend: "top right",
    }),
    distancePanel({
      legend: "none",
      title: "(g) distance to the optimizer",
      yTitle: "‖w − w<sub>opt</sub>‖ / ‖w<sub>central</sub> − w₀‖",
      series: [
        ...line(t, "dist_stable", { name: name("stable"), process: "stable", map: (d, s) => d / t.travel[s], from: 1 }),
        ...line(t, "dist_central", { name: name("central"), process: "central", map: (d, s) => d / t.travel[s], from: 1 }),
      ],
    }),
  ];
  return panels;
}

/** Claims shared by the Scalar RMSProp runs (also the β₂ comparison). */
export function srmsClaims(t: Table, settle: number, prefix = "", label = ""): Claim[] {
  const T = t.step.length;
  const a = arrival(t);
  const w = settledWindow(t, settle);
  const span = `${label}steps ${w[0] ?? NaN}–${T - 1}`;
  const locked = a < 0 ? NaN : Math.max(...t.central_eig1.slice(a + 1).map((x) => Math.abs(x - 2)));
  const seff = gaussianSmooth(t.discrete_eig1, 8);
  return [
    claim(`${prefix}locked-at-edge`, `${label}after arrival (step ${a}) the central flow's S_eff = ηS/√ν̂ stays within 1e-3 of 2: max |S_eff − 2|`, locked, "<=", 1e-3),
    claim(`${prefix}step-size-is-2-over-S`, `${span}: the optimizer's time-averaged η/√ν̂ · S (its S_eff) is 2: |mean − 2| / 2`, Math.abs(mean(w.map((s) => seff[s])) - 2) / 2, "<=", 0.05),
    claim(`${prefix}distance-central`, `${span}: ‖w_central − w_opt‖ / ‖w<sub>central</sub> − w₀‖, max`, Math.max(...w.map((s) => t.dist_central[s] / t.travel[s])), "<=", 0.05),
    claim(`${prefix}nu-prediction`, `${span}: mean ν of the optimizer / of the central flow: |ratio − 1|`, Math.abs(windowRatio(t.discrete_nu, t.central_nu, w) - 1), "<=", 0.05),
    claim(`${prefix}loss-prediction`, `${span}: mean loss / mean predicted E[L]: |ratio − 1|`, Math.abs(windowRatio(t.discrete_loss, t.central_loss_pred, w) - 1), "<=", 0.05),
  ];
}

function claims(tables: Tables, c: SrmsOnsetConfig): Claim[] {
  const t = tables.steps;
  const T = t.step.length;
  const w = settledWindow(t, c.settle);
  const a = arrival(t);
  const [dist, end] = lastFinite(t.dist_stable);
  return [
    ...srmsClaims(t, c.settle),
    claim("gradnorm-prediction", `steps ${w[0] ?? NaN}–${T - 1}: mean ‖∇L‖² / predicted ‖∇L‖² + σ²S²: |ratio − 1|`, Math.abs(windowRatio(t.discrete_gradnorm2, t.central_gradnorm2_pred, w) - 1), "<=", 0.2),
    claim("stable-flow-unstable", "the stable flow leaves the edge: its max S_eff after the central flow's arrival", a < 0 ? NaN : finiteMax(window(T, a, T).map((s) => t.stable_eig1[s])), ">=", 2.5),
    claim("stable-flow-departs", `the stable flow ends far from the optimizer (at step ${end}${end < T - 1 ? `, where S_eff passed ${STABLE_STOP_ABOVE} and it was stopped` : ""}): ‖w_stable − w_opt‖ / ‖w<sub>central</sub> − w₀‖`, dist / t.travel[end], ">=", 0.1),
  ];
}

const BASE = { task: GAUSSIAN_MLP, k: 3, processes: ["discrete" as const, "stable" as const, "central" as const], output: null, chunk: 25, smooth: 8 };
const SRMS = { name: "scalar_rmsprop" as const, lr: 0.05, beta2: 0.99, eps: 1e-8, biasCorrection: true };

export const cfSrmsOnset: Experiment<SrmsOnsetConfig> = registerExperiment<SrmsOnsetConfig>({
  id: "central-flows-srms",
  quickClaims: "reported",
  title: "Scalar RMSProp: onset of EoS, ν, S, the effective sharpness, step size 2/S; the stable flow fails, the central flow tracks",
  paper: "Cohen, Damian et al. 2024 (central flows), Part II: onset of EoS; stable flow fails; η/√ν·S = 2",
  configs: {
    quick: { ...BASE, optimizer: { ...SRMS, lr: 0.1 }, steps: 200, settle: 80 },
    full: { ...BASE, optimizer: SRMS, steps: 800, settle: 200 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-srms-onset", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: onset of EoS (loss, ‖g‖², ν, S)", title: "Scalar RMSProp: the onset of the edge of stability", size: "text", pick: [0, 1, 2, 3],
      caption: (c) => `Scalar RMSProp (${JSON.stringify(c.optimizer).replace(/[{}"]/g, "").replace(/,/g, ", ")}; ${c.steps} steps) on ${taskText(c.task)}, with its stable flow and central flow. (a) loss and the central flow's prediction; (b) ‖∇L‖²; (c) ν; (d) sharpness S.` },
    { id: "central-flows-srms-edge", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: η/√ν·S = 2; stable flow fails", title: "Scalar RMSProp holds ηS/√ν at 2; the stable flow leaves", size: "text", pick: [4, 5, 6],
      caption: () => `Same run as central-flows-srms-onset. (a) effective sharpness ηS/√ν̂ against 2; (b) the step size η/√ν̂ against 2/S; (c) distance of the stable and central flows to the optimizer.` },
  ]),
  claims,
});
