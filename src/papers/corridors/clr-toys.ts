/**
 * Figure 3, the Corridor Learning Rate h = E/‖g‖² where it can be solved by hand (simple-losses.ts):
 * one step to the hyperplane on |aᵀθ − b| (a corridor: the linear model is exact), halving on ½r²
 * (Polyak with c = ½ lands in one), and on an ill-conditioned quadratic against fixed-step GD.
 * Rules come from src/optim; here the CLR runs without its floor δ (float64, g never vanishes before E does).
 */
import { claim } from "../../lab/claims";
import { composeFigure, contourPanel, curvesPanel, gridFromColumns, lossPanel, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { gd } from "../../optim/gd";
import { polyak } from "../../optim/polyak";
import type { UpdateRule } from "../../optim/rule";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Table, Tables } from "../../lab/types";
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
  return [{ name: "CLR h = E/‖g‖²", rule: polyak({ delta: 0 }) }, { name: "Polyak c = ½", rule: polyak({ c: 0.5, delta: 0 }) }, ...c.gdLrs.map((h) => ({ name: `GD h = ${h}`, rule: gd(h) }))];
}

/** GD step sizes on the quadratic: 1/λ_max, the best fixed step 2/(λ_min + λ_max), and 1.9/λ_max. */
function quadGdLrs(c: ClrToysConfig): number[] {
  const [l1, l2] = c.lambdas;
  return [1 / l2, 2 / (l1 + l2), 1.9 / l2];
}

function quadMethods(c: ClrToysConfig): { name: string; rule: UpdateRule }[] {
  const names = ["1/λ_max", "2/(λ_min+λ_max), best fixed", "1.9/λ_max"];
  return [{ name: "CLR h = E/‖g‖²", rule: polyak({ delta: 0 }) }, { name: "Polyak c = ½", rule: polyak({ c: 0.5, delta: 0 }) }, ...quadGdLrs(c).map((h, i) => ({ name: `GD h = ${names[i]}`, rule: gd(h) }))];
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

function figure(tables: Tables, c: ClrToysConfig) {
  const { abs, half, quad, corridor, plane } = tables;
  const color = (m: number, n: number): string => (m === 0 ? "#c0262d" : m === 1 ? "#111111" : sequentialColor(m - 2, n - 1));
  const rm = residualMethods(c);
  const qm = quadMethods(c);
  const seriesOf = (t: Table, methods: { name: string }[], y: string, dash: "solid" | "dash" = "solid"): Series[] =>
    methods.map((meth, m) => {
      const rows = where(t, { method: m });
      return { name: meth.name, x: rows.step, y: rows[y].map((v) => Math.max(v, FLOOR)), color: color(m, methods.length), dash: m < 2 ? "solid" : dash, mode: "lines+markers", group: meth.name };
    });
  const panels: Panel[] = [];
  const paths: Series[] = ["CLR h = E/‖g‖²", `GD h = ${c.corridorGdLr}`].map((name, m) => {
    const rows = where(corridor, { method: m });
    return { name, x: rows.x, y: rows.y, color: m === 0 ? color(0, 1) : "#1f5fa8", width: m === 0 ? 2.5 : 1.5, group: name };
  }).reverse(); // CLR drawn last, on top
  panels.push(contourPanel({ title: "(a) the corridor toy: one CLR step to the corridor's end", ...gridFromColumns(plane.x, plane.y, plane.loss), trajectories: paths, xTitle: "x", yTitle: "y" }));
  panels.push(curvesPanel({ title: "(b) |r_n| on E = |r|: CLR lands in one step", yTitle: "|aᵀθ_n − b|", logY: true, series: seriesOf(abs, rm, "residual") }));
  panels.push(curvesPanel({ title: "(c) |r_n| on E = ½r²: CLR halves, Polyak c = ½ lands", yTitle: "|aᵀθ_n − b|", logY: true, series: seriesOf(half, rm, "residual") }));
  panels.push(lossPanel({ title: `(d) ½(λ₁x² + λ₂y²), λ = (${c.lambdas}): loss`, series: seriesOf(quad, qm, "loss", "dash") }));
  const lrSeries = seriesOf(quad, qm, "lr").slice(0, 2);
  const [l1, l2] = c.lambdas;
  panels.push(
    curvesPanel({
      title: "(e) the CLR and Polyak step sizes on the quadratic",
      yTitle: "step size h",
      logY: true,
      series: lrSeries,
      thresholds: [
        { x: [0, c.quadSteps], y: 2 / l2, name: "2/λ_max (GD's limit)" },
        { x: [0, c.quadSteps], y: 1 / (2 * l2), name: "CLR's range [1/2λ_max, 1/2λ_min]" },
        { x: [0, c.quadSteps], y: 1 / (2 * l1), name: "CLR's range [1/2λ_max, 1/2λ_min]" },
      ],
    }),
  );
  return composeFigure(panels, { cols: 3, title: "The Corridor Learning Rate on losses solvable by hand" });
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
  gdLrs: [0.02, 0.1, 0.3],
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
  figures: [{ id: "corridors-clr-toys", paperFigure: "Dherin & Rosca 2024 (CLR); Polyak 1987 (step size)", title: "The Corridor Learning Rate on |aᵀθ − b|, ½r² and an ill-conditioned quadratic", caption: () => "", size: "text", build: figure }],
  claims,
});
