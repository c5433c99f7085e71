/**
 * Figure 3, the Corridor Learning Rate h = E/‖g‖² where it can be solved by hand (simple-losses.ts):
 * one step to the hyperplane on |aᵀθ − b| (a corridor: the linear model is exact), halving on ½r²
 * (Polyak with c = ½ lands in one), and on an ill-conditioned quadratic against fixed-step GD.
 * Rules come from src/optim; here the CLR runs without its floor δ (float64, g never vanishes before E does).
 */
import { claim } from "../../lab/claims";
import { composeFigure, contourPanel, curvesPanel, endLabel, gridFromColumns, lossPanel, spreadLabels, type Series } from "../../plot/panels";
import { GREY, OKABE_ITO, sweepColor } from "../../plot/palette";
import { gd } from "../../optim/gd";
import { polyak } from "../../optim/polyak";
import type { UpdateRule } from "../../optim/rule";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import { gridTable, maxOf } from "./common";
import { emptyTable, pushRow, where } from "../../lab/tables";
import { corridorToy, DEFAULT_CORRIDOR, type CorridorToySpec } from "./corridor-toy";
import { runRule } from "./paths";
import { absResidual, diagonalQuadratic, halfSquareResidual, type ResidualToy } from "./simple-losses";
import { vec2 } from "./toy";

export interface ClrToysConfig {
  /** r = aᵀθ − b for |r| and ½r². */
  a: [number, number];
  b: number;
  start: number[];
  steps: number;
  /** Fixed GD step sizes compared on |r| and ½r². */
  gdLrs: number[];
  /** The quadratic ½(λ₁x² + λ₂y²), λ₁ ≤ λ₂, its start and step budget. */
  lambdas: [number, number];
  quadStart: number[];
  quadSteps: number;
  /** "Converged" on the quadratic: E ≤ tol·E₀. */
  quadTol: number;
  /** The corridor toy and a start inside its corridor, for CLR against GD there. */
  toy: CorridorToySpec;
  corridorStart: number[];
  corridorGdLr: number;
  corridorSteps: number;
  bounds: [number, number, number, number];
  grid: number;
}

/** Method ids, shared by every table: 0 CLR, 1 Polyak c = ½, then fixed-step GD. */
function residualMethods(c: ClrToysConfig): { name: string; rule: UpdateRule }[] {
  return [{ name: "CLR", rule: polyak({ delta: 0 }) }, { name: "Polyak c = ½", rule: polyak({ c: 0.5, delta: 0 }) }, ...c.gdLrs.map((h) => ({ name: `GD η = ${h}`, rule: gd(h) }))];
}

/** GD step sizes on the quadratic: 1/λ_max, the best fixed step 2/(λ_min + λ_max), and 1.9/λ_max. */
function quadGdLrs(c: ClrToysConfig): number[] {
  const [l1, l2] = c.lambdas;
  return [1 / l2, 2 / (l1 + l2), 1.9 / l2];
}

function quadMethods(c: ClrToysConfig): { name: string; rule: UpdateRule }[] {
  const names = ["1/λmax", "2/(λmin + λmax)", "1.9/λmax"];
  return [{ name: "CLR", rule: polyak({ delta: 0 }) }, { name: "Polyak c = ½", rule: polyak({ c: 0.5, delta: 0 }) }, ...quadGdLrs(c).map((h, i) => ({ name: `GD η = ${names[i]}`, rule: gd(h) }))];
}

function residualTable(toy: ResidualToy, c: ClrToysConfig): Table {
  const t = emptyTable(["method", "step", "x", "y", "residual", "lr"]);
  residualMethods(c).forEach(({ rule }, m) => {
    const path = runRule(toy, rule, Float64Array.from(c.start), c.steps);
    path.points.forEach((p, n) => pushRow(t, { method: m, step: n, x: p[0], y: p[1], residual: Math.abs(toy.residual(p)), lr: n < path.lrs.length ? path.lrs[n] : NaN }));
  });
  return t;
}

async function run(c: ClrToysConfig, ctx: RunContext): Promise<Tables> {
  const abs = residualTable(absResidual(c.a, c.b), c);
  const half = residualTable(halfSquareResidual(c.a, c.b), c);
  await ctx.live({ abs, half });
  const q = diagonalQuadratic(...c.lambdas);
  const quad = emptyTable(["method", "step", "x", "y", "loss", "distance", "lr"]);
  quadMethods(c).forEach(({ rule }, m) => {
    // Stop at E ≤ 1e-16·E₀, float64's resolution of E near E₀: beyond it the steps chase rounding.
    const path = runRule(q, rule, Float64Array.from(c.quadStart), c.quadSteps, 1e-16 * q.value(Float64Array.from(c.quadStart)));
    path.points.forEach((p, n) => pushRow(quad, { method: m, step: n, x: p[0], y: p[1], loss: path.losses[n], distance: Math.hypot(p[0], p[1]), lr: n < path.lrs.length ? path.lrs[n] : NaN }));
  });
  const toy = corridorToy(c.toy);
  const corridor = emptyTable(["method", "step", "x", "y", "loss", "lr"]);
  [polyak({ delta: 0 }), gd(c.corridorGdLr)].forEach((rule, m) => {
    const path = runRule(toy, rule, Float64Array.from(c.corridorStart), c.corridorSteps);
    path.points.forEach((p, n) => pushRow(corridor, { method: m, step: n, x: p[0], y: p[1], loss: path.losses[n], lr: n < path.lrs.length ? path.lrs[n] : NaN }));
  });
  const plane = gridTable(c.bounds, c.grid, { loss: (x, y) => toy.value(vec2(x, y)) });
  return { abs, half, quad, corridor, plane };
}

const FLOOR = 1e-17; // exact zeros on log axes

/** CLR and Polyak keep one colour and dash everywhere; fixed-step GD runs take the sweep scale. */
const CLR_STYLE = { color: OKABE_ITO.reddishPurple, width: 2 } as const;
const POLYAK_STYLE = { color: GREY.dark, dash: "dash", width: 1.5 } as const;

function methodStyle(m: number, n: number): Partial<Series> {
  return m === 0 ? CLR_STYLE : m === 1 ? POLYAK_STYLE : { color: sweepColor(m - 2, n - 2), width: 1.25 };
}

function seriesOf(t: Table, methods: { name: string }[], y: string, mode: Series["mode"] = "lines"): Series[] {
  // CLR last, on top.
  return methods
    .map((meth, m): Series => {
      const rows = where(t, { method: m });
      return { name: meth.name, x: rows.step, y: rows[y].map((v) => Math.max(v, FLOOR)), mode, ...methodStyle(m, methods.length) };
    })
    .reverse();
}

/** Fig. 3 analogue: the corridor toy, |aᵀθ − b| and ½(aᵀθ − b)². */
function handFigure(tables: Tables, c: ClrToysConfig) {
  const { abs, half, corridor, plane } = tables;
  const rm = residualMethods(c);
  const paths: Series[] = [`GD η = ${c.corridorGdLr}`, "CLR"].map((name, k) => {
    const rows = where(corridor, { method: 1 - k });
    return { name, x: rows.x, y: rows.y, mode: "lines+markers", ...(k === 1 ? CLR_STYLE : { process: "optimizer" as const, width: 1.25 }) };
  });
  return composeFigure(
    [
      { ...contourPanel({ title: "(a) corridor toy", ...gridFromColumns(plane.x, plane.y, plane.loss), trajectories: paths, xTitle: "x", yTitle: "y" }), legend: "bottom right" },
      { ...curvesPanel({ title: "(b) E = |r|", yTitle: "|r| = |aᵀθ − b|", logY: true, series: seriesOf(abs, rm, "residual", "lines+markers") }), legend: "bottom right" },
      { ...curvesPanel({ title: "(c) E = ½r²", yTitle: "|r|", logY: true, series: seriesOf(half, rm, "residual", "lines+markers") }), legend: "none" },
    ],
    { size: "text", cols: 3 },
  );
}

/** The ill-conditioned quadratic: loss of CLR, Polyak and three fixed steps; the CLR's and Polyak's step sizes. */
function quadraticFigure(tables: Tables, c: ClrToysConfig) {
  const { quad } = tables;
  const qm = quadMethods(c);
  const [l1, l2] = c.lambdas;
  const last = Math.max(...where(quad, { method: 0 }).step, ...where(quad, { method: 1 }).step);
  const span = [0, last];
  const lossSeries = seriesOf(quad, qm, "loss").map((s) => ({ ...s, name: s.name.replace("GD η = ", "η = ") }));
  const steps = seriesOf(quad, qm, "lr", "markers")
    .filter((s) => s.name === qm[0].name || s.name === qm[1].name)
    .map((s) => ({ ...s, dash: undefined }));
  // The three reference rates as dotted lines named by labels at their right end (not legend swatches, which
  // would be three identical dotted entries).
  const refs: [string, number, "top" | "bottom"][] = [
    ["2/λmax", 2 / l2, "bottom"],
    ["1/(2λmin)", 1 / (2 * l1), "bottom"],
    ["1/(2λmax)", 1 / (2 * l2), "top"],
  ];
  const lr = curvesPanel({
    title: "(b) step sizes",
    yTitle: "step size η",
    logY: true,
    series: [...steps, ...refs.map(([name, y]): Series => ({ name, x: span, y: [y, y], process: "threshold", directLabel: true }))],
  });
  // Room above the largest rate for the legend, so it covers no step.
  const yMin = Math.min(...steps.flatMap((s) => s.y.filter((v) => v > 0)), 1 / (2 * l2));
  lr.xaxis = { ...lr.xaxis, range: [-2, last + 2] };
  lr.yaxis = { ...lr.yaxis, range: [Math.log10(yMin) - 0.15, Math.log10(1 / (2 * l1)) + 1.2] };
  // Curves that end early are labelled to the right of their end, the others to the left (inside the panel).
  // (a): the constant rates are named at their right ends; Polyak and CLR, which stop early, are named by (b)'s
  // legend (same names and colours).
  const shownInB = new Set(steps.map((s) => s.name));
  const lossPanelSeries = lossSeries.map((s) => (shownInB.has(s.name) ? { ...s, showlegend: false } : { ...s, directLabel: true }));
  const loss = lossPanel({ title: "(a) loss", series: lossPanelSeries });
  const lossLabels = spreadLabels(
    lossSeries.filter((s) => !shownInB.has(s.name)).map((s) => endLabel({ ...s, y: s.y.map(Math.log10) }, { xanchor: "right", yshift: 8 })),
    1.3,
  );
  return composeFigure(
    [
      { ...loss, legend: "none", annotations: lossLabels },
      {
        ...lr,
        legend: "top left",
        annotations: refs.map(([text, y, side]) => ({ text, x: last, y: Math.log10(y), xref: "x" as const, yref: "y" as const, xanchor: "right" as const, yanchor: side, showarrow: false })),
      },
    ],
    { size: "text", cols: 2 },
  );
}

/** First step at which the quadratic's loss is ≤ tol·E₀ for method m (Infinity if never). */
function stepsToTol(quad: Table, m: number, tol: number): number {
  const rows = where(quad, { method: m });
  const i = rows.loss.findIndex((l) => l <= tol * rows.loss[0]);
  return i < 0 ? Infinity : rows.step[i];
}

function claims(tables: Tables, c: ClrToysConfig): Claim[] {
  const { abs, half, quad, corridor } = tables;
  const clrAbs = where(abs, { method: 0 });
  const newton = where(half, { method: 1 });
  const clrHalf = where(half, { method: 0 });
  // r = aᵀθ − b carries an absolute rounding error ≈ ε‖θ‖, so ratios are exact to ε‖θ‖/|r|: only steps with
  // |r_n| ≥ 1e-6·|r₀| are judged.
  const judged = clrHalf.residual.slice(1).flatMap((r, n) => (clrHalf.residual[n] >= 1e-6 * clrHalf.residual[0] ? [Math.abs(r / clrHalf.residual[n] - 0.5)] : []));
  const gdStall = Math.min(
    ...c.gdLrs.map((_, i) => {
      const rows = where(abs, { method: 2 + i });
      return Math.min(...rows.residual.slice(Math.floor(rows.residual.length / 2)));
    }),
  );
  const clrQuad = where(quad, { method: 0 });
  const clrCorridor = where(corridor, { method: 0 });
  const toy = corridorToy(c.toy);
  // Inside, E = s·x + e₀ is linear; its zero is x = −e₀/s = ⅔·xMin.
  const linearZero = (2 / 3) * toy.xMin;
  const increases = clrQuad.distance.slice(1).map((d, n) => (d - clrQuad.distance[n]) / clrQuad.distance[0]);
  const bestGd = Math.min(...quadGdLrs(c).map((_, i) => stepsToTol(quad, 2 + i, c.quadTol)));
  return [
    claim("corridor-one-step", "from inside the corridor toy's corridor one CLR step lands on the zero of its linear loss, x = −e₀/s: |x₁ − (−e₀/s)|", Math.abs(clrCorridor.x[1] - linearZero), "<=", 1e-12),
    claim("abs-one-step", "on |aᵀθ − b| one CLR step lands on the hyperplane: |r₁|/|r₀|", clrAbs.residual[1] / clrAbs.residual[0], "<=", 1e-12),
    claim("abs-gd-stalls", `fixed-step GD on |aᵀθ − b| does not converge: smallest |r| over the last half of ${c.steps} steps, over h ∈ {${c.gdLrs}}`, gdStall, ">=", 1e-3),
    claim("half-halves", `on ½r² the CLR halves the residual each step: largest |r_{n+1}/r_n − ½| over the ${judged.length} steps with |r_n| ≥ 1e-6·|r₀|`, judged.length ? maxOf(judged) : NaN, "<=", 1e-9),
    claim("half-polyak-half-lands", "on ½r² Polyak with c = ½ (the Newton step) lands in one step: |r₁|/|r₀|", newton.residual[1] / newton.residual[0], "<=", 1e-12),
    claim("quad-distance-decreases", "on the quadratic the CLR's distance to the minimizer never increases (Polyak's guarantee): largest relative increase", maxOf(increases), "<=", 0),
    claim(
      "quad-vs-best-gd",
      `on the quadratic (κ = ${c.lambdas[1] / c.lambdas[0]}) the untuned CLR reaches E ≤ ${c.quadTol}·E₀ in fewer steps than the best fixed GD step: steps ratio`,
      stepsToTol(quad, 0, c.quadTol) / bestGd,
      "<=",
      1,
    ),
  ];
}

const BASE: ClrToysConfig = {
  a: [1, 2],
  b: 0.7,
  start: [2, 2],
  steps: 40,
  // Not 0.1 or 0.3: with ‖a‖² = 5 those halve |r| on ½r² exactly as the CLR does (its step there is the constant 1/(2‖a‖²) = 0.1).
  gdLrs: [0.02, 0.05, 0.15],
  lambdas: [1, 50],
  quadStart: [1, 1],
  quadSteps: 400,
  quadTol: 1e-10,
  toy: DEFAULT_CORRIDOR,
  corridorStart: [4, 0.3],
  corridorGdLr: 0.45,
  corridorSteps: 12,
  bounds: [-2, 5, -3, 3],
  grid: 81,
};

export const corridorsClrToys: Experiment<ClrToysConfig> = registerExperiment<ClrToysConfig>({
  id: "corridors-clr-toys",
  title: "The Corridor Learning Rate on |aᵀθ − b|, ½r² and an ill-conditioned quadratic",
  paper: "Dherin & Rosca 2024 (CLR); Polyak 1987 (step size)",
  configs: { quick: { ...BASE, grid: 41 }, full: BASE },
  run,
  figures: [
    {
      id: "corridors-clr-toys-fig3",
      paperFigure: "Dherin & Rosca 2024 (CLR on losses solvable by hand)",
      title: "The Corridor Learning Rate where it can be solved by hand",
      size: "text",
      caption: (c) =>
        `The CLR η = E/‖g‖² (purple), Polyak's step with c = ½ (dashed grey) and fixed-step GD (green to indigo: η ∈ {${c.gdLrs.join(", ")}}). ` +
        `(a) On the corridor toy, from (${c.corridorStart.join(", ")}) inside the corridor, one CLR step lands on the zero of the linear loss; GD (η = ${c.corridorGdLr}) walks along it. ` +
        `(b) On E = |aᵀθ − b| (a = (${c.a.join(", ")}), b = ${c.b}) the CLR lands on the hyperplane in one step, fixed steps stall at a distance ≈ η‖a‖²; ` +
        `(c) on E = ½(aᵀθ − b)² the CLR step is the constant 1/(2‖a‖²), halving |r| each step, and Polyak with c = ½ is the Newton step (one step). |r| below 1e-17 is drawn at 1e-17.`,
      build: handFigure,
    },
    {
      id: "corridors-clr-toys-quadratic",
      paperFigure: "Dherin & Rosca 2024 (CLR); Polyak 1987 (step size)",
      title: "CLR against fixed steps on an ill-conditioned quadratic",
      size: "text",
      caption: (c) =>
        `E = ½(λ₁x² + λ₂y²), λ = (${c.lambdas.join(", ")}), from (${c.quadStart.join(", ")}); runs stop at E ≤ 1e-16·E₀. ` +
        `(a) Loss of the CLR, Polyak c = ½ and fixed-step GD at 1/λmax, the best fixed step 2/(λmin + λmax) and 1.9/λmax: the untuned CLR reaches E ≤ ${c.quadTol}·E₀ before the best fixed step. ` +
        `(b) The step sizes the CLR (purple) and Polyak (grey) choose, one dot per step: they jump between 1/(2λmax) and 1/(2λmin), often far above GD's limit 2/λmax.`,
      build: quadraticFigure,
    },
  ] satisfies FigureSpec<ClrToysConfig>[],
  claims,
});
