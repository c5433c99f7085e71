/**
 * The demo experiment, small enough to read in one sitting and to run in milliseconds: gradient descent on the
 * quadratic f(x) = ½ Σᵢ λᵢ xᵢ². Along eigendirection i the error obeys eᵢ(t+1) = (1 − ηλᵢ) eᵢ(t), so GD
 * diverges exactly when some |1 − ηλᵢ| > 1, i.e. when λ_max > 2/η. It exercises the whole path: tables, a
 * multi-panel figure (landscape with trajectories, threshold line, log axes) and two claims.
 */
import { claim } from "../lab/claims";
import { composeFigure, contourPanel, curvesPanel, gridFromColumns, verticalLine, type Panel, type Series } from "../plot/panels";
import { sweepColor } from "../plot/palette";
import { registerExperiment } from "../lab/registry";
import { where } from "../lab/tables";
import type { Experiment, FigureSpec, Table, Tables } from "../lab/types";

export interface DemoConfig {
  /** Hessian eigenvalues, largest first: λ_max, λ_min. */
  lambdas: number[];
  /** Start point (the minimizer is the origin, so x is the error). */
  x0: number[];
  steps: number;
  /** Step sizes drawn in detail: one below 2/λ_max, one above. */
  shownEtas: number[];
  /** Step sizes swept for the divergence claim (avoid exactly 2/λ_max, the marginal case). */
  sweepEtas: number[];
  /** Landscape grid points per axis. */
  grid: number;
}

const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

/** GD iterates x_0 … x_steps, float64; the gradient of ½ Σ λᵢ xᵢ² is λ ⊙ x. */
export function gdOnQuadratic(lambdas: number[], x0: number[], eta: number, steps: number): number[][] {
  const xs = [x0.slice()];
  for (let t = 0; t < steps; t++) xs.push(xs[t].map((xi, i) => xi - eta * lambdas[i] * xi));
  return xs;
}

const norm = (v: number[]): number => Math.hypot(...v);

function validate(c: DemoConfig): void {
  if (c.lambdas.length !== 2 || c.x0.length !== 2) throw new Error(`demo: lambdas and x0 must have 2 entries, got ${c.lambdas.length} and ${c.x0.length}`);
  if (!(c.lambdas[0] >= c.lambdas[1] && c.lambdas[1] > 0)) throw new Error(`demo: lambdas must be [λ_max, λ_min] with λ_max ≥ λ_min > 0, got [${c.lambdas}]`);
  if (!Number.isInteger(c.steps) || c.steps < 1) throw new Error(`demo: steps must be a positive integer, got ${c.steps}`);
}

async function run(c: DemoConfig, ctx: Parameters<Experiment<DemoConfig>["run"]>[1]): Promise<Tables> {
  validate(c);
  const trajectory: Table = { eta: [], step: [], x1: [], x2: [], err1: [], err2: [], pred1: [], pred2: [] };
  for (const eta of c.shownEtas) {
    gdOnQuadratic(c.lambdas, c.x0, eta, c.steps).forEach((x, t) => {
      trajectory.eta.push(eta);
      trajectory.step.push(t);
      trajectory.x1.push(x[0]);
      trajectory.x2.push(x[1]);
      trajectory.err1.push(Math.abs(x[0]));
      trajectory.err2.push(Math.abs(x[1]));
      trajectory.pred1.push(Math.abs(1 - eta * c.lambdas[0]) ** t * Math.abs(c.x0[0]));
      trajectory.pred2.push(Math.abs(1 - eta * c.lambdas[1]) ** t * Math.abs(c.x0[1]));
    });
    await ctx.live({ trajectory });
  }

  const sweep: Table = { eta: [], eta_lambda_max: [], growth: [], diverged: [], unstable: [] };
  const bar = ctx.progress("sweep η", c.sweepEtas.length);
  c.sweepEtas.forEach((eta, k) => {
    const xs = gdOnQuadratic(c.lambdas, c.x0, eta, c.steps);
    const growth = norm(xs[c.steps]) / norm(c.x0);
    sweep.eta.push(eta);
    sweep.eta_lambda_max.push(eta * c.lambdas[0]);
    sweep.growth.push(growth);
    sweep.diverged.push(growth > 1 ? 1 : 0);
    sweep.unstable.push(c.lambdas[0] > 2 / eta ? 1 : 0);
    bar.update(k + 1);
  });
  bar.finish();

  const r = 1.5 * Math.max(...c.x0.map(Math.abs));
  const landscape: Table = { x1: [], x2: [], loss: [] };
  for (const a of linspace(-r, r, c.grid)) {
    for (const b of linspace(-r, r, c.grid)) {
      landscape.x1.push(a);
      landscape.x2.push(b);
      landscape.loss.push(0.5 * (c.lambdas[0] * a * a + c.lambdas[1] * b * b));
    }
  }
  return { trajectory, sweep, landscape };
}

/** The demo's panels: 0 landscape with iterates, 1 growth against η, 2.. the error per eigendirection for each shown η. */
function demoPanels(tables: Tables, c: DemoConfig): Panel[] {
  const { trajectory, sweep, landscape } = tables;
  const etaColor = (i: number): string => sweepColor(i, c.shownEtas.length);
  const panels: Panel[] = [];
  if (landscape && trajectory) {
    const grid = gridFromColumns(landscape.x1, landscape.x2, landscape.loss);
    panels.push(
      contourPanel({
        title: "GD iterates on ½Σλᵢxᵢ²",
        ...grid,
        trajectories: c.shownEtas.map((eta, i) => {
          const run = where(trajectory, { eta });
          return { name: `η = ${eta}`, x: run.x1, y: run.x2, color: etaColor(i), width: 1.25 };
        }),
      }),
    );
  }
  if (sweep) {
    const edge = 2 / c.lambdas[0];
    const sweepPanel = curvesPanel({
      title: "growth after T steps",
      xTitle: "η",
      yTitle: "‖x<sub>T</sub>‖ / ‖x₀‖",
      logY: true,
      series: [{ name: "GD", x: sweep.eta, y: sweep.growth, process: "optimizer", mode: "lines+markers" }],
      legend: "none",
      annotations: [{ text: "η = 2/λ<sub>max</sub>", x: edge, y: 1, xref: "x", yref: "y domain", xanchor: "left", yanchor: "top", xshift: 3, showarrow: false }],
    });
    sweepPanel.shapes = [verticalLine(edge)];
    (sweepPanel.traces[0] as { meta?: object }).meta = { role: "optimizer", directLabel: true };
    panels.push(sweepPanel);
  }
  c.shownEtas.forEach((eta, i) => {
    if (!trajectory) return;
    const run = where(trajectory, { eta });
    const every = Math.max(1, Math.round(run.step.length / 20));
    const thin = (v: number[]): number[] => v.filter((_, k) => k % every === 0);
    const series: Series[] = [
      { name: "|1 − ηλᵢ|ᵗ |eᵢ(0)|", x: run.step, y: run.pred1, process: "prediction", group: "prediction" },
      { name: "|1 − ηλᵢ|ᵗ |eᵢ(0)|", x: run.step, y: run.pred2, process: "prediction", group: "prediction" },
      { name: "GD, along u<sub>max</sub>", x: thin(run.step), y: thin(run.err1), color: etaColor(i), mode: "markers" },
      { name: "GD, along u<sub>min</sub>", x: thin(run.step), y: thin(run.err2), color: etaColor(i), mode: "markers" },
    ];
    const p = curvesPanel({ title: `η = ${eta} (${eta * c.lambdas[0] > 2 ? "above" : "below"} 2/λ<sub>max</sub>)`, yTitle: "|eᵢ|", logY: true, series, legend: i === 0 ? "bottom left" : "none" });
    // Markers: circles along u_max, squares along u_min.
    (p.traces[3] as { marker?: object }).marker = { color: etaColor(i), size: 5, symbol: "square-open" };
    (p.traces[2] as { marker?: object }).marker = { color: etaColor(i), size: 5, symbol: "circle" };
    panels.push(p);
  });
  return panels;
}

const DEMO_FIGURES: FigureSpec<DemoConfig>[] = [
  {
    id: "demo-stability",
    paperFigure: "classical stability of GD on a quadratic (demo)",
    title: "GD on a quadratic is stable iff η < 2/λₘₐₓ",
    size: "text",
    caption: (c) => `GD on f(x) = ½(λ₁x₁² + λ₂x₂²) with λ = (${c.lambdas.join(", ")}), from x₀ = (${c.x0.join(", ")}). (a) iterates for η = ${c.shownEtas.join(" and ")}: below 2/λ_max = ${2 / c.lambdas[0]} they converge, above it they zig-zag outward along x₁; (b) growth ‖x_T‖/‖x₀‖ after T = ${c.steps} steps for ${c.sweepEtas.length} step sizes: it crosses 1 at η = 2/λ_max.`,
    build: (t, c) => composeFigure(demoPanels(t, c).slice(0, 2), { size: "text", heightIn: 2.6 }),
  },
  {
    id: "demo-error-rates",
    paperFigure: "classical stability of GD on a quadratic (demo)",
    title: "Each eigendirection's error follows |1 − ηλᵢ|ᵗ",
    size: "text",
    caption: (c) => `Same runs as demo-stability. The error |eᵢ(t)| along each Hessian eigenvector (circles: λ_max = ${c.lambdas[0]}, squares: λ_min = ${c.lambdas[1]}) lies on the closed form |1 − ηλᵢ|ᵗ|eᵢ(0)| (dashed) for η = ${c.shownEtas.join(" and ")}; above 2/λ_max the λ_max direction grows.`,
    build: (t, c) => composeFigure(demoPanels(t, c).slice(2, 4), { size: "text", heightIn: 2.4 }),
  },
];

function claims(tables: Tables, c: DemoConfig) {
  const { sweep, trajectory } = tables;
  const mismatches = sweep.diverged.filter((d, i) => d !== sweep.unstable[i]).length;
  let worst = 0;
  trajectory.err1.forEach((e, i) => {
    for (const [m, p] of [
      [e, trajectory.pred1[i]],
      [trajectory.err2[i], trajectory.pred2[i]],
    ]) {
      worst = Math.max(worst, Math.abs(m - p) / Math.max(p, 1e-300));
    }
  });
  return [
    claim("diverges-iff-unstable", `GD diverges (‖x_T‖ > ‖x₀‖) iff λ_max > 2/η: runs that disagree, of ${c.sweepEtas.length}`, mismatches, "<=", 0),
    claim("error-rate", "|eᵢ(t)| = |1 − ηλᵢ|ᵗ |eᵢ(0)| in every eigendirection: max relative error", worst, "<=", 1e-9),
  ];
}

const FULL_SWEEP = linspace(0.5, 1.5, 40); // 40 points: none lands exactly on 2/λ_max = 1

export const demo: Experiment<DemoConfig> = registerExperiment<DemoConfig>({
  id: "demo",
  title: "GD on a 2-D quadratic below and above the stability edge 2/λmax",
  paper: "demo (classical stability of GD on a quadratic)",
  configs: {
    quick: { lambdas: [2, 0.5], x0: [1, 1], steps: 40, shownEtas: [0.9, 1.05], sweepEtas: linspace(0.5, 1.5, 8), grid: 41 },
    full: { lambdas: [2, 0.5], x0: [1, 1], steps: 100, shownEtas: [0.9, 1.05], sweepEtas: FULL_SWEEP, grid: 81 },
  },
  run,
  figures: DEMO_FIGURES,
  claims,
});
