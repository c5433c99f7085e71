/**
 * Figure 2 of Saxe et al. (2014): the phase portrait of one mode, τ = s = 1. Vector field in (a, b), the
 * hyperbola of fixed points ab = s, RK4 trajectories of the mode ODE, and the iterates of the library's GD on
 * the scalar net ŷ = a·b·x. Claims: a² − b² is conserved along the ODE; GD changes it exactly by the factor
 * (1 − λ²(s − ab)²) per step; a balanced start follows the closed form u(t).
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, type Panel } from "../../plot/panels";
import { axisStyle } from "../../plot/style";
import { GREY, ROLE } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, FigureSpec, RunContext, Table, Tables } from "../../lab/types";
import { modeStrength } from "./analytic";
import { gdModePaths, modeOdePath } from "./phase-portrait-model";
import { emptyTable, linspace, pushRow, where } from "../../lab/tables";

export interface PhasePortraitConfig {
  s: number;
  /** Half-width of the square drawn. */
  range: number;
  /** Arrows per axis. */
  grid: number;
  /** ODE starts (a₀, b₀); the first is balanced (a₀ = b₀) and is compared with the closed form. */
  starts: number[][];
  /** ODE time span (τ = 1) and RK4 steps. */
  duration: number;
  odeSteps: number;
  /** GD on the scalar net: starts, rate and steps. */
  gdStarts: number[][];
  gdLr: number;
  gdSteps: number;
}

async function run(c: PhasePortraitConfig, ctx: RunContext): Promise<Tables> {
  const field = emptyTable(["a", "b", "da", "db"]);
  for (const a of linspace(-c.range, c.range, c.grid)) {
    for (const b of linspace(-c.range, c.range, c.grid)) {
      const r = c.s - a * b;
      pushRow(field, { a, b, da: b * r, db: a * r });
    }
  }
  const hyperbola = emptyTable(["branch", "a", "b"]);
  for (const sign of [1, -1]) {
    for (const a of linspace(c.s / c.range, c.range, 80)) pushRow(hyperbola, { branch: sign, a: sign * a, b: (sign * c.s) / a });
  }
  const ode = emptyTable(["path", "t", "a", "b", "conserved", "u", "closed_form"]);
  c.starts.forEach(([a0, b0], p) => {
    const path = modeOdePath(a0, b0, c.s, 1, c.duration, c.odeSteps, Math.max(1, Math.round(c.odeSteps / 300)));
    path.t.forEach((t, i) => {
      const a = path.a[i];
      const b = path.b[i];
      // The closed form applies to balanced starts only (a = b stays a = b).
      const closed = a0 === b0 ? modeStrength(t, c.s, a0 * b0, 1) : Number.NaN;
      pushRow(ode, { path: p, t, a, b, conserved: a * a - b * b, u: a * b, closed_form: closed });
    });
  });
  await ctx.live({ field, hyperbola, ode });
  const gd = emptyTable(["path", "step", "a", "b", "conserved", "predicted"]);
  const paths = await gdModePaths(
    c.gdStarts.map(([a, b]) => [a, b] as [number, number]),
    c.s,
    c.gdLr,
    c.gdSteps,
  );
  paths.forEach((path, p) => {
    let predicted = path.a[0] ** 2 - path.b[0] ** 2;
    path.t.forEach((step, i) => {
      const a = path.a[i];
      const b = path.b[i];
      pushRow(gd, { path: p, step, a, b, conserved: a * a - b * b, predicted });
      predicted *= 1 - c.gdLr ** 2 * (c.s - a * b) ** 2;
    });
  });
  return { field, hyperbola, ode, gd };
}

/** Short arrows along the field, each scaled to a fixed fraction of the grid spacing (direction only). */
function arrowTrace(field: Table, spacing: number): { x: (number | null)[]; y: (number | null)[] } {
  const x: (number | null)[] = [];
  const y: (number | null)[] = [];
  field.a.forEach((a, i) => {
    const da = field.da[i];
    const db = field.db[i];
    const len = Math.hypot(da, db);
    if (!(len > 1e-12)) return;
    const k = (0.4 * spacing) / len;
    const tipA = a + k * da;
    const tipB = field.b[i] + k * db;
    // Shaft plus a two-stroke head.
    const back = 0.35 * 0.4 * spacing;
    const ux = da / len;
    const uy = db / len;
    x.push(a, tipA, null, tipA - back * (ux - 0.5 * uy), tipA, tipA - back * (ux + 0.5 * uy), null);
    y.push(field.b[i], tipB, null, tipB - back * (uy + 0.5 * ux), tipB, tipB - back * (uy - 0.5 * ux), null);
  });
  return { x, y };
}

const FLOW = ROLE.gradientFlow;

/** Fig. 2: the vector field, the hyperbola of fixed points, ODE paths from marked starts and two GD paths. */
function portraitFigure(tables: Tables, c: PhasePortraitConfig) {
  const { field, hyperbola, ode, gd } = tables;
  const arrows = arrowTrace(field, (2 * c.range) / (c.grid - 1));
  const traces: Panel["traces"] = [
    // Context, drawn faint (a darker grey at 45 % opacity reads as the light grey it replaces): legends may lie over it.
    { type: "scatter", mode: "lines", x: arrows.x, y: arrows.y, opacity: 0.45, line: { color: GREY.mid, width: 1 }, name: "field", hoverinfo: "skip", showlegend: false, meta: { role: "context", unlabeled: true } },
  ];
  for (const sign of [1, -1]) {
    const h = where(hyperbola, { branch: sign });
    traces.push({ type: "scatter", mode: "lines", x: h.a, y: h.b, name: "ab = s", showlegend: sign === 1, line: { color: GREY.dark, dash: "dash", width: 1.25 }, meta: { role: "threshold" } });
  }
  c.starts.forEach((_, p) => {
    const path = where(ode, { path: p });
    traces.push({ type: "scatter", mode: "lines", x: path.a, y: path.b, name: "gradient flow", showlegend: p === 0, line: { color: FLOW.color, width: 1.5 } });
  });
  traces.push({ type: "scatter", mode: "markers", x: c.starts.map((st) => st[0]), y: c.starts.map((st) => st[1]), name: "start", marker: { color: FLOW.color, size: 6, line: { color: "#000000", width: 1 } } });
  if (gd) {
    c.gdStarts.forEach((_, p) => {
      const path = where(gd, { path: p });
      traces.push({ type: "scatter", mode: "markers", x: path.a, y: path.b, name: `GD, λ = ${c.gdLr}`, showlegend: p === 0, marker: { color: ROLE.optimizer.color, size: 3 } });
    });
  }
  const panel: Panel = {
    traces,
    xaxis: { ...axisStyle({ title: "a (first-layer strength)" }), range: [-c.range, c.range] },
    yaxis: { ...axisStyle({ title: "b (second-layer strength)" }), range: [-c.range, c.range], scaleanchor: "x" },
    // The top-left corner holds only field arrows (every start is elsewhere).
    legend: "top left",
  };
  return composeFigure([panel], { size: "column", heightIn: 3.1 });
}

/** The closed form of a balanced mode, and GD's exact breaking of the conservation law. */
function closedFormFigure(tables: Tables, c: PhasePortraitConfig) {
  const { ode, gd } = tables;
  const balanced = where(ode, { path: 0 });
  const panels: Panel[] = [
    {
      ...curvesPanel({
        title: "(a) balanced start",
        xTitle: "t / τ",
        yTitle: "u = ab",
        series: [
          { name: "gradient flow", x: balanced.t, y: balanced.u, process: "gradientFlow" },
          { name: "closed form", x: balanced.t, y: balanced.closed_form, process: "prediction" },
        ],
      }),
      legend: "bottom right",
    },
  ];
  if (gd) {
    const series = c.gdStarts.flatMap((_, p) => {
      const path = where(gd, { path: p });
      return [
        { name: `GD, λ = ${c.gdLr}`, x: path.step, y: path.conserved, process: "optimizer" as const, showlegend: p === 0 },
        { name: "prediction", x: path.step, y: path.predicted, process: "prediction" as const, showlegend: p === 0 },
      ];
    });
    panels.push({ ...curvesPanel({ title: "(b) GD breaks a² − b² = const", xTitle: "step", yTitle: "a² − b²", series }), legend: "top right" });
  }
  return composeFigure(panels, { size: "text", cols: panels.length });
}

function claims(tables: Tables, c: PhasePortraitConfig) {
  const { ode, gd } = tables;
  let drift = 0;
  let endGap = 0;
  let closedErr = 0;
  c.starts.forEach((_, p) => {
    const path = where(ode, { path: p });
    path.conserved.forEach((v) => (drift = Math.max(drift, Math.abs(v - path.conserved[0]))));
    endGap = Math.max(endGap, Math.abs(path.u[path.u.length - 1] - c.s));
  });
  ode.closed_form.forEach((v, i) => {
    if (Number.isFinite(v)) closedErr = Math.max(closedErr, Math.abs(ode.u[i] - v));
  });
  let gdErr = 0;
  gd.conserved.forEach((v, i) => (gdErr = Math.max(gdErr, Math.abs(v - gd.predicted[i]) / Math.max(Math.abs(gd.predicted[i]), 1e-3))));
  return [
    claim("conserved-a2-b2", `a² − b² is conserved along the mode ODE: max |Δ(a² − b²)| over all RK4 paths (dt = ${c.duration / c.odeSteps})`, drift, "<=", 1e-7),
    claim("reaches-hyperbola", `every ODE path ends on the fixed-point hyperbola: max |ab − s| at t = ${c.duration}τ`, endGap, "<=", 1e-4),
    claim("closed-form", "a balanced start follows u(t) = s e^{2st/τ}/(e^{2st/τ} − 1 + s/u₀): max |ab − u(t)|", closedErr, "<=", 1e-8),
    claim("gd-breaks-conservation", "library GD (float32 tfjs): a² − b² follows (a² − b²)·Π(1 − λ²(s − ab)²), max relative error", gdErr, "<=", 1e-6),
  ];
}

export const saxePhasePortrait: Experiment<PhasePortraitConfig> = registerExperiment<PhasePortraitConfig>({
  id: "saxe-phase-portrait",
  title: "One mode of a deep linear network: vector field, fixed-point hyperbola and conserved a² − b²",
  paper: "Saxe, McClelland & Ganguli 2014, Fig. 2",
  configs: {
    quick: {
      s: 1,
      range: 2,
      grid: 13,
      starts: [[0.02, 0.02], [-1.8, 0.3], [0.2, 1.9], [1.9, -0.4], [-0.6, -1.7], [1.6, 1.9], [-1.2, 0.9]],
      duration: 12,
      odeSteps: 1200,
      gdStarts: [[-1.8, 0.3], [1.9, -0.4]],
      gdLr: 0.1,
      gdSteps: 80,
    },
    full: {
      s: 1,
      range: 2,
      grid: 17,
      starts: [[0.02, 0.02], [-1.8, 0.3], [0.2, 1.9], [1.9, -0.4], [-0.6, -1.7], [1.6, 1.9], [-1.2, 0.9], [0.5, -1.9]],
      duration: 12,
      odeSteps: 2400,
      gdStarts: [[-1.8, 0.3], [1.9, -0.4]],
      gdLr: 0.1,
      gdSteps: 120,
    },
  },
  run,
  figures: [
    {
      id: "saxe-phase-portrait-fig2",
      paperFigure: "Saxe, McClelland & Ganguli 2014, Fig. 2",
      title: "Phase portrait of one mode",
      size: "column",
      caption: (c) =>
        `One mode of a two-layer linear network (τ = 1, s = ${c.s}) in the plane of its strengths (a, b): the vector field τ(ȧ, ḃ) = (b(s − ab), a(s − ab)) (grey arrows), ` +
        `the hyperbola of fixed points ab = s (dashed), gradient-flow paths (RK4, ${c.odeSteps} steps over ${c.duration}τ) from ${c.starts.length} marked starts, which keep a² − b² constant ` +
        `(measured drift ≤ 1e-7, a claim) and so run along hyperbolas to ab = s, and GD at λ = ${c.gdLr} (blue dots, float32 tfjs) from two of them.`,
      build: portraitFigure,
    },
    {
      id: "saxe-phase-portrait-closed-form",
      paperFigure: "Saxe, McClelland & Ganguli 2014, Sec. 2 (closed form; conservation law)",
      title: "Closed-form learning of a balanced mode; GD's conservation law",
      size: "text",
      caption: (c) =>
        `(a) From the balanced start (${c.starts[0].join(", ")}), u = ab along the gradient flow (RK4) and the closed form u(t) = s e^(2st/τ)/(e^(2st/τ) − 1 + s/u₀) (dashed), s = ${c.s}. ` +
        `(b) GD at λ = ${c.gdLr} does not conserve a² − b²: it follows (a² − b²)·Π(1 − λ²(s − ab)²) (dashed) exactly, from two starts.`,
      build: closedFormFigure,
    },
  ] satisfies FigureSpec<PhasePortraitConfig>[],
  claims,
});
