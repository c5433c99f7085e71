/**
 * Part II: Scalar RMSProp across learning rates. At the edge the step size is 2/S whatever η is; η only sets
 * the strength σ̄² = η²/4 − ‖g‖²/S² of the implicit sharpness penalty, so a larger η ends at a lower sharpness.
 * And that penalty is what makes the optimizer fast: the ablated flow −(2/S)∇L (no penalty) drifts into
 * sharper regions, where 2/S is small, and optimizes more slowly ("acceleration via regularization").
 * For each η: the optimizer, its central flow, the stationary (reduced) flow and the ablated flow.
 */
import { claim } from "../../lab/claims";
import { curvesPanel, eigenvaluePanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { where, concatTables } from "../../lab/tables";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
import { line, panelFigures, taskText } from "./figures";
import { window } from "./measures";
import { mean } from "../../lab/stats";
import { GAUSSIAN_MLP, type RateSweepConfig } from "./setup";
import { srmsRateTask } from "./srms-rates-task";

/** `startAfter`: the stationary and ablated flows start from the central flow this many steps after the edge. */
export interface SrmsRatesConfig extends RateSweepConfig {
  /** Steps at the end over which "final" values are averaged (the optimizer's S oscillates). */
  tail: number;
}

async function run(c: SrmsRatesConfig, ctx: RunContext): Promise<Tables> {
  // One task per η: the optimizer, its central flow, then the stationary and ablated flows (srms-rates-task.ts).
  const { tail: _tail, lrs, ...sweep } = c;
  const parts = await ctx.map(lrs.map((lr) => ({ ...sweep, lr })), srmsRateTask);
  return { steps: concatTables(parts) };
}

function allPanels(tables: Tables, c: SrmsRatesConfig): Panel[] {
  const t = tables.steps;
  const color = (i: number): string => sequentialColor(i, c.lrs.length + 1);
  const per = (col: string, o: Partial<Series> = {}, smooth = 0): Series[] =>
    c.lrs.flatMap((lr, i) => line(where(t, { lr }), col, { name: `η = ${lr}`, color: color(i), group: `η = ${lr}`, smooth, ...o }));
  const finals = c.lrs.map((lr) => finalValues(where(t, { lr }), c.tail));
  const panels: Panel[] = [
    eigenvaluePanel({
      title: "(a) sharpness S: central flows (solid), optimizer (faint, averaged)",
      yTitle: "S = λ<sub>max</sub>(H)",
      series: [...per("central_sharpness"), ...per("discrete_sharpness", { opacity: 0.35, showlegend: false }, 8)],
      // Below the curves: the small rates are still sharpening at the top right.
      legend: "bottom right",
    }),
    curvesPanel({
      title: "(b) larger η ⇒ lower sharpness: final S",
      xTitle: "η",
      yTitle: `S, mean of the last ${c.tail} steps`,
      logX: true,
      series: [
        { name: "optimizer", x: c.lrs, y: finals.map((f) => f.discrete_sharpness), process: "discrete", mode: "lines+markers" },
        { name: "central flow", x: c.lrs, y: finals.map((f) => f.central_sharpness), process: "central", mode: "lines+markers" },
        { name: "stationary flow", x: c.lrs, y: finals.map((f) => f.reduced_sharpness), process: "prediction", mode: "lines+markers" },
        { name: "ablated flow −(2/S)∇L", x: c.lrs, y: finals.map((f) => f.ablated_sharpness), process: "stable", mode: "lines+markers" },
      ],
    }),
  ];
  // Ticks at the rates run (a log axis over less than a decade would show one label).
  panels[1].xaxis = { ...panels[1].xaxis, tickvals: c.lrs, ticktext: c.lrs.map(String), dtick: undefined };
  // The acceleration figure shows the two largest rates (where the effect is); one legend, in its first panel.
  const legendRate = Math.max(0, c.lrs.length - 2);
  c.lrs.forEach((lr, i) => {
    const ti = where(t, { lr });
    panels.push(
      lossPanel({
        legend: i === legendRate ? "top right" : "none",
        title: `(${String.fromCharCode(99 + 2 * i)}) η = ${lr}: loss`,
        series: [
          ...line(ti, "central_loss", { name: "central flow", process: "central" }),
          ...line(ti, "reduced_loss", { name: "stationary flow", process: "prediction" }),
          ...line(ti, "ablated_loss", { name: "ablated flow −(2/S)∇L", process: "stable" }),
        ],
      }),
      eigenvaluePanel({
        legend: "none",
        title: `(${String.fromCharCode(100 + 2 * i)}) η = ${lr}: sharpness`,
        yTitle: "S",
        series: [
          ...line(ti, "central_sharpness", { name: "central flow", process: "central" }),
          ...line(ti, "reduced_sharpness", { name: "stationary flow", process: "prediction" }),
          ...line(ti, "ablated_sharpness", { name: "ablated flow −(2/S)∇L", process: "stable" }),
        ],
      }),
    );
  });
  return panels;
}

/** Means over the last `tail` steps of each column. */
function finalValues(t: Table, tail: number): Record<string, number> {
  const T = t.step.length;
  const w = window(T, T - tail, T);
  return Object.fromEntries(Object.keys(t).map((k) => [k, mean(w.map((s) => t[k][s]))]));
}

function claims(tables: Tables, c: SrmsRatesConfig): Claim[] {
  const t = tables.steps;
  const finals = c.lrs.map((lr) => finalValues(where(t, { lr }), c.tail));
  const decreasing = (col: string): number => finals.slice(1).filter((f, i) => !(f[col] < finals[i][col])).length;
  const out: Claim[] = [
    claim("central-lower-sharpness", `central flows: final S decreases with η (${c.lrs.join(", ")}): pairs out of order`, decreasing("central_sharpness"), "<=", 0),
    claim("optimizer-lower-sharpness", "the optimizer: time-averaged final S decreases with η: pairs out of order", decreasing("discrete_sharpness"), "<=", 0),
  ];
  c.lrs.forEach((lr, i) => {
    const f = finals[i];
    const ti = where(t, { lr });
    const T = ti.step.length;
    const rel = (col: string): number => ti[col][T - 1] / ti.central_travel[T - 1];
    out.push(
      claim(`ablated-sharper-${i + 1}`, `η = ${lr}: the ablated flow ends sharper than the central flow: final S_ablated / S_central`, f.ablated_sharpness / f.central_sharpness, ">", 1),
      claim(`ablated-slower-${i + 1}`, `η = ${lr}: the ablated flow ends at a higher loss: final L_ablated / L_central`, f.ablated_loss / f.central_loss, ">", 1),
      claim(`stationary-tracks-${i + 1}`, `η = ${lr}: the stationary flow (started on the central flow) tracks it: final ‖w_stationary − w_central‖ / ‖w<sub>central</sub> − w₀‖`, rel("reduced_to_central"), "<=", 0.05),
      claim(`ablated-departs-${i + 1}`, `η = ${lr}: the ablated flow (same start) ends ≥ 3× farther from the central flow than the stationary flow: distance ratio`, rel("ablated_to_central") / rel("reduced_to_central"), ">=", 3),
    );
  });
  const slowdown = finals.map((f) => f.ablated_loss / f.central_loss);
  out.push(claim("acceleration-grows-with-eta", `the ablated flow's loss penalty L_ablated / L_central grows with η (${slowdown.map((x) => x.toFixed(3)).join(", ")}): pairs out of order`, slowdown.slice(1).filter((x, i) => !(x > slowdown[i])).length, "<=", 0));
  return out;
}

export const cfSrmsRates: Experiment<SrmsRatesConfig> = registerExperiment<SrmsRatesConfig>({
  id: "central-flows-srms-rates",
  quickClaims: "reported",
  title: "Scalar RMSProp across learning rates: larger η ⇒ lower sharpness; acceleration via regularization (central vs stationary vs ablated flow)",
  paper: "Cohen, Damian et al. 2024 (central flows), Part II: larger η ⇒ lower sharpness; acceleration via regularization",
  configs: {
    quick: { task: GAUSSIAN_MLP, lrs: [0.1, 0.2], beta2: 0.99, eps: 1e-8, biasCorrection: true, steps: 150, k: 2, chunk: 25, startAfter: 30, tail: 30 },
    full: { task: GAUSSIAN_MLP, lrs: [0.02, 0.05, 0.1], beta2: 0.99, eps: 1e-8, biasCorrection: true, steps: 800, k: 2, chunk: 25, startAfter: 100, tail: 100 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-srms-rates-sharpness", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: larger η ⇒ lower sharpness", title: "Scalar RMSProp: larger η, lower sharpness", size: "text", pick: [0, 1],
      caption: (c) => `Scalar RMSProp at η ∈ {${c.lrs.join(", ")}} (β₂ = ${c.beta2}) on ${taskText(c.task)}. (a) sharpness of the central flows (solid) and the optimizer (time-averaged); (b) final sharpness against η.` },
    { id: "central-flows-srms-rates-accel", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: acceleration via regularization", title: "Scalar RMSProp: acceleration via regularization", size: "text", pick: (ps) => ps.slice(2).slice(-4),
      caption: (c) => `Loss and sharpness for η = ${c.lrs.slice(-2).join(" and ")} (β₂ = ${c.beta2}): the central flow (solid black), the stationary flow and the ablated flow −(2/S)∇L, which drifts into sharper regions and trains slower (the effect grows with η; smaller rates are in the CSV).` },
  ]),
  claims,
});
