/**
 * The stability threshold on a quadratic (Cohen et al. 2021, Sec. 2): on f(x) = ½ xᵀAx with A = Q diag(λ) Qᵀ,
 * GD's error along eigenvector q_i evolves as
 *     e_i(t + 1) = (1 − ηλ_i) e_i(t),
 * so it shrinks iff |1 − ηλ_i| < 1: GD diverges iff λ_max > 2/η, and just below 2/η the top component flips
 * sign every step while it shrinks. Momentum moves the threshold: heavy ball (2 + 2β)/η, Nesterov
 * (2 + 2β)/((1 + 2β)η). The runs use the library's update rules (optim/gd.ts) on the exact gradient Ax.
 *
 * Tables: `trajectory` (the two shown runs: iterates, eigen-components, predictions), `sweep` (for each method
 * and each λ_max/threshold ratio: the measured growth rate per step), `landscape` (f on a grid).
 */
import { claim } from "../../lab/claims";
import { composeFigure, contourPanel, curvesPanel, endLabel, gridFromColumns, verticalLine, type Panel, type Series } from "../../plot/panels";
import { GREY, OKABE_ITO, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import type { UpdateRule } from "../../optim/rule";
import { gd, momentum, stabilityThreshold } from "../../optim/gd";

export interface QuadraticConfig {
  /** Eigenvalues [λ_max, λ_min] of A. */
  lambdas: number[];
  /** Angle (radians) of the top eigenvector q₁ = (cos θ, sin θ). */
  angle: number;
  x0: number[];
  /** Steps of the two shown runs. */
  steps: number;
  /** ηλ_max of the shown GD runs: one just below 2, one just above. */
  shownEtaLambda: number[];
  /** Momentum β of the threshold sweep. */
  beta: number;
  /** λ_max ÷ threshold values of the sweep (avoid exactly 1, the marginal case). */
  sweepRatios: number[];
  /** Steps of each sweep run (the growth rate is measured over the second half). */
  sweepSteps: number;
  grid: number;
}

export const METHODS = ["gd", "heavy_ball", "nesterov"] as const;
export type Method = (typeof METHODS)[number];

const METHOD_NAME: Record<Method, string> = { gd: "GD, 2/η", heavy_ball: "heavy ball, (2 + 2β)/η", nesterov: "Nesterov, (2 + 2β)/((1 + 2β)η)" };

/** A = Q diag(λ) Qᵀ with Q the rotation by `angle`; returns A's rows and the eigenvectors. */
export function quadratic(lambdas: number[], angle: number): { A: number[][]; q: number[][] } {
  const [c, s] = [Math.cos(angle), Math.sin(angle)];
  const q = [
    [c, s],
    [-s, c],
  ];
  const A = [0, 1].map((i) => [0, 1].map((j) => lambdas[0] * q[0][i] * q[0][j] + lambdas[1] * q[1][i] * q[1][j]));
  return { A, q };
}

/** Iterates x_0 … x_steps of `rule` on ½ xᵀAx, float64; stops early once ‖x‖ leaves [1e-150, 1e150]. */
export function runRule(rule: UpdateRule, A: number[][], x0: number[], steps: number): Float64Array[] {
  let x = Float64Array.from(x0);
  let state = rule.init(x.length);
  const xs = [x];
  for (let t = 0; t < steps; t++) {
    const g = x.map((_, i) => A[i][0] * x[0] + A[i][1] * x[1]);
    const next = rule.step(state, { w: x, g, loss: 0 });
    x = Float64Array.from(next.w);
    state = next.state;
    xs.push(x);
    const size = Math.hypot(x[0], x[1]);
    if (!(size < 1e150 && size > 1e-150)) break;
  }
  return xs;
}

export function makeMethod(method: Method, lr: number, beta: number): UpdateRule {
  return method === "gd" ? gd(lr) : momentum(lr, beta, method);
}

/** Growth rate per step over the second half of a run: (‖x_T‖ / ‖x_{T/2}‖)^{2/T}; > 1 means divergence (x_T: last iterate). */
export function growthRate(xs: Float64Array[]): number {
  const T = xs.length - 1;
  const half = Math.floor(T / 2);
  const n = (v: Float64Array): number => Math.hypot(...v);
  return Math.pow(n(xs[T]) / n(xs[half]), 1 / (T - half));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => a[0] * b[0] + a[1] * b[1];

function validate(c: QuadraticConfig): void {
  if (c.lambdas.length !== 2 || c.x0.length !== 2) throw new Error(`lambdas and x0 must have 2 entries, got ${c.lambdas.length} and ${c.x0.length}`);
  if (!(c.lambdas[0] >= c.lambdas[1] && c.lambdas[1] > 0)) throw new Error(`lambdas must be [λ_max, λ_min] with λ_max ≥ λ_min > 0, got [${c.lambdas}]`);
  if (c.sweepRatios.some((r) => Math.abs(r - 1) < 1e-3)) throw new Error("sweepRatios must avoid 1 (the marginal case)");
}

async function run(c: QuadraticConfig, ctx: RunContext): Promise<Tables> {
  validate(c);
  const { A, q } = quadratic(c.lambdas, c.angle);
  const trajectory: Table = { eta_lambda: [], step: [], x1: [], x2: [], e1: [], e2: [], pred1: [], pred2: [] };
  for (const el of c.shownEtaLambda) {
    const eta = el / c.lambdas[0];
    const e0 = [dot(q[0], c.x0), dot(q[1], c.x0)];
    runRule(gd(eta), A, c.x0, c.steps).forEach((x, t) => {
      trajectory.eta_lambda.push(el);
      trajectory.step.push(t);
      trajectory.x1.push(x[0]);
      trajectory.x2.push(x[1]);
      trajectory.e1.push(dot(q[0], x));
      trajectory.e2.push(dot(q[1], x));
      trajectory.pred1.push((1 - eta * c.lambdas[0]) ** t * e0[0]);
      trajectory.pred2.push((1 - eta * c.lambdas[1]) ** t * e0[1]);
    });
  }
  await ctx.live({ trajectory });

  const sweep: Table = { method: [], ratio: [], eta: [], threshold: [], growth: [], diverged: [], unstable: [] };
  for (const [m, method] of METHODS.entries()) {
    for (const ratio of c.sweepRatios) {
      // Choose η so that λ_max = ratio · threshold(η): thresholds are all ∝ 1/η, so η = ratio · threshold(1) / λ_max.
      const eta = (ratio * stabilityThreshold(method, 1, c.beta)) / c.lambdas[0];
      const growth = growthRate(runRule(makeMethod(method, eta, c.beta), A, c.x0, c.sweepSteps));
      const theta = stabilityThreshold(method, eta, c.beta);
      sweep.method.push(m);
      sweep.ratio.push(ratio);
      sweep.eta.push(eta);
      sweep.threshold.push(theta);
      sweep.growth.push(growth);
      sweep.diverged.push(growth > 1 ? 1 : 0);
      sweep.unstable.push(c.lambdas[0] > theta ? 1 : 0);
    }
  }

  // The grid covers both shown runs (the diverging one included).
  const r = 1.1 * Math.max(...trajectory.x1.map(Math.abs), ...trajectory.x2.map(Math.abs));
  const landscape: Table = { x1: [], x2: [], loss: [] };
  for (let i = 0; i < c.grid; i++) {
    for (let j = 0; j < c.grid; j++) {
      const x = [-r + (2 * r * i) / (c.grid - 1), -r + (2 * r * j) / (c.grid - 1)];
      landscape.x1.push(x[0]);
      landscape.x2.push(x[1]);
      landscape.loss.push(0.5 * (x[0] * (A[0][0] * x[0] + A[0][1] * x[1]) + x[1] * (A[1][0] * x[0] + A[1][1] * x[1])));
    }
  }
  return { trajectory, sweep, landscape };
}

function rows(t: Table, key: string, value: number): Table {
  const keep = t[key].flatMap((v, i) => (v === value ? [i] : []));
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

const label = (el: number): string => `ηλmax = ${el}`;

/** Sec. 2: the iterates on the landscape, the top component flipping sign, and |eᵢ| against (1 − ηλᵢ)ᵗ. */
function dynamicsFigure(tables: Tables, c: QuadraticConfig) {
  const { trajectory, landscape } = tables;
  const color = (i: number): string => sweepColor(i, c.shownEtaLambda.length);
  const panels: Panel[] = [];
  if (landscape) {
    panels.push({
      ...contourPanel({
        title: "(a) iterates on ½xᵀAx",
        ...gridFromColumns(landscape.x1, landscape.x2, landscape.loss),
        trajectories: c.shownEtaLambda.map((el, i) => {
          const run = rows(trajectory, "eta_lambda", el);
          return { name: label(el), x: run.x1, y: run.x2, color: color(i), width: 1 };
        }),
      }),
      legend: "none",
    });
  }
  const signed: Series[] = [];
  const errors: Series[] = [];
  const ends: NonNullable<Panel["annotations"]> = [];
  c.shownEtaLambda.forEach((el, i) => {
    const run = rows(trajectory, "eta_lambda", el);
    signed.push({ name: label(el), x: run.step, y: run.e1, color: color(i), mode: "lines+markers", width: 1 });
    // Measured components as markers over the thin dashed predictions (1 − ηλᵢ)ᵗ eᵢ(0).
    for (const [k, key, pred] of [[1, "e1", "pred1"], [2, "e2", "pred2"]] as const) {
      errors.push({ name: label(el), x: run.step, y: run[key].map(Math.abs), color: color(i), mode: "markers", showlegend: false });
      const p: Series = { name: "prediction", x: run.step, y: run[pred].map(Math.abs), process: "prediction", showlegend: i === 0 && k === 1 };
      errors.push(p);
      // Direct labels (annotation y on a log axis is log10 y).
      ends.push(endLabel({ name: k === 1 ? "q₁" : "q₂", x: p.x, y: p.y.map(Math.log10), color: color(i) }, { xanchor: "left", xshift: 4, yshift: -7 }));
    }
  });
  panels.push({ ...curvesPanel({ title: "(b) component along q₁", yTitle: "e₁ = q₁ᵀx", series: signed }), legend: "top left" });
  const c3 = curvesPanel({ title: "(c) |eᵢ| along q₁ and q₂", yTitle: "|eᵢ|", logY: true, series: errors });
  // Room for the direct labels right of the last step.
  c3.xaxis = { ...c3.xaxis, range: [-0.5, c.steps * 1.12] };
  panels.push({ ...c3, legend: "bottom left", annotations: ends });
  return composeFigure(panels, { size: "text", cols: panels.length });
}

const METHOD_ROLE: Record<Method, Partial<Series>> = {
  gd: { process: "optimizer" },
  heavy_ball: { process: "optimizer", color: OKABE_ITO.skyBlue, dash: "dash" },
  nesterov: { process: "optimizer", color: GREY.dark, dash: "dashdot" },
};

/** The threshold sweep: growth per step against λmax ÷ threshold, for GD and both momentum rules. */
function thresholdFigure(tables: Tables) {
  const { sweep } = tables;
  const series: Series[] = METHODS.map((method, m) => {
    const s = rows(sweep, "method", m);
    return { name: METHOD_NAME[method], x: s.ratio, y: s.growth, mode: "lines", width: 1.5, ...METHOD_ROLE[method] };
  });
  const p = curvesPanel({ xTitle: "λmax ÷ threshold", yTitle: "growth per step ρ", series });
  p.shapes = [verticalLine(1)];
  return composeFigure([{ ...p, legend: "top left" }], { size: "column", heightIn: 2.4 });
}

function claims(tables: Tables, c: QuadraticConfig) {
  const { sweep, trajectory } = tables;
  const mismatches = (m: number): number => {
    const s = rows(sweep, "method", m);
    return s.diverged.length === 0 ? NaN : s.diverged.filter((d, i) => d !== s.unstable[i]).length;
  };
  // Relative to ‖e(t)‖: in the rotated frame a tiny component carries the rounding of the large one.
  let worst = 0;
  trajectory.e1.forEach((e1, i) => {
    const [p1, p2] = [trajectory.pred1[i], trajectory.pred2[i]];
    const err = Math.hypot(e1 - p1, trajectory.e2[i] - p2) / Math.max(Math.hypot(p1, p2), 1e-300);
    worst = Math.max(worst, err);
  });
  const n = c.sweepRatios.length;
  return [
    claim("gd-diverges-iff-above-2-over-eta", `GD diverges iff λ_max > 2/η: runs that disagree, of ${n}`, mismatches(0), "<=", 0),
    claim("heavy-ball-threshold", `heavy ball (β = ${c.beta}) diverges iff λ_max > (2 + 2β)/η: runs that disagree, of ${n}`, mismatches(1), "<=", 0),
    claim("nesterov-threshold", `Nesterov (β = ${c.beta}) diverges iff λ_max > (2 + 2β)/((1 + 2β)η): runs that disagree, of ${n}`, mismatches(2), "<=", 0),
    claim("error-per-eigendirection", "GD: e_i(t) = (1 − ηλ_i)ᵗ e_i(0) along each eigenvector: max over t of ‖e − prediction‖ ÷ ‖prediction‖", worst, "<=", 1e-9),
  ];
}

const ratios = (n: number): number[] => Array.from({ length: n }, (_, i) => Number((0.5 + (i + 0.5) / n).toFixed(4))); // (0.5, 1.5), never 1

export const eosQuadratic: Experiment<QuadraticConfig> = registerExperiment<QuadraticConfig>({
  id: "eos-quadratic",
  title: "GD on a quadratic diverges iff λmax > 2/η (and the momentum thresholds)",
  paper: "Cohen et al. 2021, Sec. 2 (quadratic model) and appendix (momentum thresholds)",
  configs: {
    quick: { lambdas: [2, 0.5], angle: Math.PI / 6, x0: [0.3, 1], steps: 12, shownEtaLambda: [1.8, 2.1], beta: 0.9, sweepRatios: ratios(10), sweepSteps: 400, grid: 41 },
    full: { lambdas: [2, 0.5], angle: Math.PI / 6, x0: [0.3, 1], steps: 16, shownEtaLambda: [1.8, 2.1], beta: 0.9, sweepRatios: ratios(40), sweepSteps: 2000, grid: 81 },
  },
  run,
  figures: [
    {
      id: "eos-quadratic-sec2",
      paperFigure: "Cohen et al. 2021, Sec. 2 (quadratic model)",
      title: "GD on a quadratic: stable iff λmax < 2/η",
      size: "text",
      caption: (c) =>
        `GD on ½xᵀAx, A with eigenvalues λ = (${c.lambdas.join(", ")}) and top eigenvector at ${((c.angle * 180) / Math.PI).toFixed(0)}°, from x₀ = (${c.x0.join(", ")}), ` +
        `at ηλmax = ${c.shownEtaLambda.join(" and ")} (2/η just above and just below λmax). (a) iterates on the contours; (b) the component along the top eigenvector flips sign each step, ` +
        `shrinking below the edge and growing above it; (c) measured |eᵢ| (dots) on the predictions |1 − ηλᵢ|ᵗ|eᵢ(0)| (dashed), for both eigenvectors.`,
      build: dynamicsFigure,
    },
    {
      id: "eos-quadratic-momentum",
      paperFigure: "Cohen et al. 2021, appendix (momentum thresholds)",
      title: "Stability thresholds of GD, heavy ball and Nesterov",
      size: "column",
      caption: (c) =>
        `Growth rate per step of the iterates on the same quadratic (second half of ${c.sweepSteps} steps) against λmax ÷ threshold, for ${c.sweepRatios.length} step sizes per rule, β = ${c.beta}. ` +
        `Each rule diverges (ρ > 1) exactly when λmax passes its own threshold: 2/η (GD), (2 + 2β)/η (heavy ball), (2 + 2β)/((1 + 2β)η) (Nesterov).`,
      build: thresholdFigure,
    },
  ] satisfies FigureSpec<QuadraticConfig>[],
  claims,
});
