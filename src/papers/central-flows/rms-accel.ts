/**
 * Part III: acceleration via regularization for RMSProp. From a point of the central flow at the edge, the
 * ablated flow (ablated.ts) drops the implicit regularizer ½∇⟨Σ, H⟩ and keeps everything else: the edge is
 * then held by the preconditioner alone (ν grows, the steps 1/Pᵢ shrink) instead of by moving to flatter
 * regions. It ends at a higher loss with smaller steps: the regularizer is what lets RMSProp take large steps.
 * Two learning rates, as on the site.
 */
import { claim } from "../../lab/claims";
import { curvesPanel, eigenvaluePanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { emptyTable, where, concatTables } from "../../lab/tables";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Tables } from "../../lab/types";
import { line, panelFigures, taskText } from "./figures";
import { rmsAccelRateTask } from "./rms-accel-task";
import { GAUSSIAN_MLP, type RateSweepConfig } from "./setup";

/** `startAfter`: the ablated flow starts from the central flow this many steps after its arrival at the edge. */
export type RmsAccelConfig = RateSweepConfig;

async function run(c: RmsAccelConfig, ctx: RunContext): Promise<Tables> {
  // One task per η: the central flow, then the ablated flow from the edge (rms-accel-task.ts).
  const { lrs, ...sweep } = c;
  const parts = await ctx.map(lrs.map((lr) => ({ ...sweep, lr })), rmsAccelRateTask);
  return { steps: parts.length ? concatTables(parts) : emptyTable(["lr", "step"]) };
}

function allPanels(tables: Tables, c: RmsAccelConfig): Panel[] {
  const t = tables.steps;
  const panels: Panel[] = [];
  c.lrs.forEach((lr, i) => {
    const ti = where(t, { lr });
    const letter = (j: number): string => String.fromCharCode(97 + 3 * i + j);
    const eigs = (p: string, dash: "solid" | "dash"): Series[] =>
      // One legend entry per λⱼ (its colour, from the central flow's solid curve); the dash marks the ablated flow.
      Array.from({ length: c.k }, (_, j) => line(ti, `${p}_eig${j + 1}`, { name: `λ${"₁₂₃₄₅₆₇₈₉"[j] ?? j + 1}`, color: sequentialColor(j, c.k + 1), dash, showlegend: p === "central" })).flat();
    panels.push(
      lossPanel({
        title: `(${letter(0)}) loss, η = ${lr}`,
        series: [...line(ti, "central_loss", { name: "central", process: "central" }), ...line(ti, "ablated_loss", { name: "ablated", process: "ablated" })],
      }),
      curvesPanel({
        title: `(${letter(1)}) mean step size meanᵢ 1/Pᵢ`,
        yTitle: "mean 1/Pᵢ",
        logY: true,
        series: [...line(ti, "central_mean_step", { name: "central", process: "central" }), ...line(ti, "ablated_mean_step", { name: "ablated", process: "ablated" })],
      }),
      // y clipped at 3: the flow starts from ν₀ = g₀⊙², above the edge for a step or two. The edge at 2 goes
      // unnamed (the axis labels it), which keeps the legend to three rows below the curves.
      eigenvaluePanel({
        title: `(${letter(2)}) eigenvalues of P⁻¹H`,
        series: [...eigs("central", "solid"), ...eigs("ablated", "dash"), { name: "2", x: [ti.step[0], ti.step[ti.step.length - 1]], y: [2, 2], process: "threshold", unlabeled: true }],
        yRange: [0, 3],
        legend: "bottom right",
      }),
    );
  });
  return panels;
}

function claims(tables: Tables, c: RmsAccelConfig): Claim[] {
  const t = tables.steps;
  const final = (lr: number, col: string): number => {
    const ti = where(t, { lr });
    return ti[col][ti.step.length - 1];
  };
  const slowdown = c.lrs.map((lr) => final(lr, "ablated_loss") / final(lr, "central_loss"));
  const out = c.lrs.flatMap((lr, i): Claim[] => [
    claim(`ablated-slower-${i + 1}`, `η = ${lr}: without the regularizer the flow ends at a higher loss: final L_ablated / L_central`, slowdown[i], ">", 1),
    claim(`ablated-smaller-steps-${i + 1}`, `η = ${lr}: … holding the edge with a larger preconditioner: final mean 1/Pᵢ, ablated / central`, final(lr, "ablated_mean_step") / final(lr, "central_mean_step"), "<", 1),
  ]);
  out.push(claim("acceleration-grows-with-eta", `the loss penalty of dropping the regularizer grows with η (${slowdown.map((x) => x.toFixed(3)).join(", ")}): pairs out of order`, slowdown.slice(1).filter((x, i) => !(x > slowdown[i])).length, "<=", 0));
  return out;
}

export const cfRmsAccel: Experiment<RmsAccelConfig> = registerExperiment<RmsAccelConfig>({
  id: "central-flows-rmsprop-accel",
  quickClaims: "reported",
  title: "RMSProp: acceleration via regularization (central flow vs the flow without its implicit regularizer, two learning rates)",
  paper: "Cohen, Damian et al. 2024 (central flows), Part III: acceleration via regularization",
  configs: {
    quick: { task: GAUSSIAN_MLP, lrs: [3e-3, 6e-3], beta2: 0.99, eps: 1e-8, biasCorrection: true, steps: 150, k: 3, chunk: 25, startAfter: 20 },
    full: { task: GAUSSIAN_MLP, lrs: [2e-3, 5e-3], beta2: 0.99, eps: 1e-8, biasCorrection: true, steps: 600, k: 3, chunk: 25, startAfter: 50 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [0, 1].map((i) => ({
    id: `central-flows-rmsprop-accel-${i === 0 ? "small" : "large"}-lr`, paperFigure: "Cohen, Damian et al. 2024 (central flows), Part III: acceleration via regularization", title: `RMSProp: the central flow against the ablated flow (${i === 0 ? "smaller" : "larger"} η)`, size: "text" as const,
    pick: [3 * i, 3 * i + 1, 3 * i + 2],
    caption: (c: RmsAccelConfig) => `RMSProp at η = ${c.lrs[i]} (β₂ = ${c.beta2}, bias correction ${c.biasCorrection ? "on" : "off"}) on ${taskText(c.task)}; flows from step ${c.startAfter}. (a) loss; (b) mean step size; (c) top effective eigenvalues of P⁻¹H, central solid and ablated dashed: the central flow holds λ₁ at 2 while the ablated flow (−P⁻¹∇L with P from the central flow's state; purple dash-dot in a, b) drifts into sharper regions with smaller steps.`,
  }))),
  claims,
});
