/**
 * Part II: the two stabilization mechanisms of Scalar RMSProp, β₂ = 0.99 vs 0.999. Once S_eff = ηS/√ν passes
 * 2, the oscillation grows and two things pull S_eff back: ν grows (the squared-gradient spikes enter the EMA),
 * shrinking the step size; and the oscillation's implicit regularizer lowers S (self-stabilization). The slower
 * the EMA, the more the sharpness has to do. With bias correction, though, the EMA's weight on a new g² is
 * (1 − β₂)/(1 − β₂ᵗ) ≈ 1/t for t ≪ 1/(1 − β₂): within a few hundred steps β₂ = 0.999 is barely slower than 0.99,
 * so the step size carries most of the first correction for both (measured: the share is only somewhat lower
 * for 0.999). The central flow captures both mechanisms through one SDCP (σ² enters dν/dt and dw/dt) and tracks
 * the optimizer for either β₂.
 */
import { claim } from "../../lab/claims";
import { curvesPanel, eigenvaluePanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { emptyTable, where, concatTables } from "../../lab/tables";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
import { comparisonTask } from "./tasks";
import { line, panelFigures, taskText } from "./figures";
import { srmsClaims } from "./srms-onset";
import { GAUSSIAN_MLP, type TaskSpec } from "./setup";

export interface SrmsBeta2Config {
  task: TaskSpec;
  lr: number;
  betas: number[];
  steps: number;
  k: number;
  chunk: number;
  settle: number;
  /** Steps after the optimizer's first crossing in which its S_eff peak is looked for. */
  onset: number;
  smooth: number;
}

async function run(c: SrmsBeta2Config, ctx: RunContext): Promise<Tables> {
  // One task per β₂.
  const configs = c.betas.map((beta2) => ({
    task: c.task,
    optimizer: { name: "scalar_rmsprop" as const, lr: c.lr, beta2, eps: 1e-8, biasCorrection: true },
    steps: c.steps,
    k: c.k,
    processes: ["discrete" as const, "central" as const],
    output: null,
    chunk: c.chunk,
  }));
  const parts = (await ctx.map(configs, comparisonTask)).map((t, i): Table => ({ beta2: t.step.map(() => c.betas[i]), ...t }));
  return { steps: parts.length ? concatTables(parts) : emptyTable(["beta2", "step"]) };
}

/**
 * How the optimizer itself brought S_eff = S·(η/√ν̂) back to 2 after its first overshoot: from the peak of
 * S_eff to the first step back at or below 2, the share of Δlog S_eff carried by the step size η/√ν̂ (the rest
 * is Δlog S, self-stabilization). NaN when there is no overshoot or no return.
 */
export function stepSizeShare(t: Table, onset: number): { peak: number; back: number; share: number } {
  const T = t.step.length;
  const seff = t.discrete_eig1;
  const cross = seff.findIndex((x) => x > 2);
  if (cross < 0) return { peak: -1, back: -1, share: NaN };
  let peak = cross;
  for (let s = cross; s < Math.min(T, cross + onset); s++) if (seff[s] > seff[peak]) peak = s;
  let back = -1;
  for (let s = peak + 1; s < T; s++) {
    if (seff[s] <= 2) {
      back = s;
      break;
    }
  }
  if (back < 0) return { peak, back, share: NaN };
  // η/√ν̂ = S_eff / S.
  const logStep = (s: number): number => Math.log(seff[s] / t.discrete_sharpness[s]);
  return { peak, back, share: (logStep(back) - logStep(peak)) / (Math.log(seff[back]) - Math.log(seff[peak])) };
}

function allPanels(tables: Tables, c: SrmsBeta2Config): Panel[] {
  const t = tables.steps;
  const color = (i: number): string => sequentialColor(i, c.betas.length + 1);
  const per = (col: string, o: Partial<Series> = {}): Series[] =>
    c.betas.flatMap((b, i) => line(where(t, { beta2: b }), col, { name: `β₂ = ${b}`, color: color(i), group: `β₂ = ${b}`, ...o }));
  const panels: Panel[] = [];
  c.betas.forEach((b, i) => {
    const tb = where(t, { beta2: b });
    const letter = (j: number): string => String.fromCharCode(97 + 3 * i + j);
    panels.push(
      eigenvaluePanel({
        title: `(${letter(0)}) β₂ = ${b}: S<sub>eff</sub> = ηS/√ν̂`,
        series: [...line(tb, "discrete_eig1", { name: "Scalar RMSProp", process: "discrete" }), ...line(tb, "central_eig1", { name: "central flow", process: "central" })],
        thresholds: [{ x: tb.step, y: 2, name: "2" }],
      }),
      eigenvaluePanel({
        title: `(${letter(1)}) β₂ = ${b}: sharpness S`,
        yTitle: "S",
        series: [...line(tb, "discrete_sharpness", { name: "Scalar RMSProp", process: "discrete" }), ...line(tb, "central_sharpness", { name: "central flow", process: "central" })],
      }),
      curvesPanel({
        title: `(${letter(2)}) β₂ = ${b}: ν`,
        yTitle: "ν",
        logY: true,
        series: [...line(tb, "discrete_nu", { name: "Scalar RMSProp", process: "discrete" }), ...line(tb, "central_nu", { name: "central flow", process: "central" })],
      }),
    );
  });
  const n = 3 * c.betas.length;
  panels.push(
    lossPanel({ title: `(${String.fromCharCode(97 + n)}) central flows for each β₂: loss (optimizer faint)`, series: [...per("central_loss"), ...per("discrete_loss", { opacity: 0.3, showlegend: false })] }),
    eigenvaluePanel({ title: `(${String.fromCharCode(98 + n)}) central flows for each β₂: sharpness`, yTitle: "S", series: per("central_sharpness") }),
  );
  return panels;
}

function claims(tables: Tables, c: SrmsBeta2Config): Claim[] {
  const t = tables.steps;
  const out: Claim[] = c.betas.flatMap((b, i) => srmsClaims(where(t, { beta2: b }), c.settle, `b${i + 1}-`, `β₂ = ${b}, `));
  const shares = c.betas.map((b) => stepSizeShare(where(t, { beta2: b }), c.onset));
  const [fast, slow] = [shares[0], shares[shares.length - 1]];
  out.push(
    claim("fast-ema-adapts-step", `β₂ = ${c.betas[0]}: share of the optimizer's first S_eff correction (steps ${fast.peak}–${fast.back}) carried by the step size η/√ν̂`, fast.share, ">", 0.5),
    claim("slow-ema-leans-on-sharpness", `β₂ = ${c.betas[c.betas.length - 1]}: the same share (steps ${slow.peak}–${slow.back}) is smaller, the sharpness carries more: share(slow) − share(fast)`, slow.share - fast.share, "<", 0),
  );
  return out;
}

export const cfSrmsBeta2: Experiment<SrmsBeta2Config> = registerExperiment<SrmsBeta2Config>({
  id: "central-flows-srms-beta2",
  quickClaims: "reported",
  title: "Scalar RMSProp with β₂ = 0.99 vs 0.999: two stabilization mechanisms, and central flows for each β₂",
  paper: "Cohen, Damian et al. 2024 (central flows), Part II: two stabilization mechanisms; central flows for different β₂",
  configs: {
    quick: { task: GAUSSIAN_MLP, lr: 0.1, betas: [0.99, 0.999], steps: 150, k: 2, chunk: 25, settle: 60, onset: 50, smooth: 8 },
    full: { task: GAUSSIAN_MLP, lr: 0.05, betas: [0.99, 0.999], steps: 800, k: 2, chunk: 25, settle: 200, onset: 100, smooth: 8 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    ...[0, 1].map((i) => ({
      id: `central-flows-srms-beta2-${i === 0 ? "fast" : "slow"}-ema`, paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: two stabilization mechanisms", title: `Scalar RMSProp: how the edge is held with ${i === 0 ? "the smaller" : "the larger"} β₂`, size: "text" as const, pick: [3 * i, 3 * i + 1, 3 * i + 2],
      caption: (c: SrmsBeta2Config) => `Scalar RMSProp at η = ${c.lr}, β₂ = ${c.betas[i]}, on ${taskText(c.task)}. (a) effective sharpness ηS/√ν̂ against 2; (b) sharpness S; (c) ν. The optimizer is drawn raw (faint) and time-averaged; the central flow in black.`,
    })),
    { id: "central-flows-srms-beta2-flows", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part II: central flows for different β₂", title: "Central flows of Scalar RMSProp for different β₂", size: "text", pick: [6, 7],
      caption: (c) => `Central flows of Scalar RMSProp at η = ${c.lr} for β₂ ∈ {${c.betas.join(", ")}} on ${taskText(c.task)}: (a) loss (optimizer faint); (b) sharpness.` },
  ]),
  claims,
});
