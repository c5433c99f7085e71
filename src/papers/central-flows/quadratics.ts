/**
 * The two quadratic demos of the central-flows site, in closed form (float64, milliseconds).
 *
 * Part I: GD on ½ S x² with step η: x_{t+1} = (1 − ηS) x_t, so |x_t| = |1 − ηS|ᵗ |x₀|. GD converges iff
 * S < 2/η and otherwise oscillates with growing amplitude: 2/η is the largest curvature η tolerates.
 *
 * Part III: preconditioned GD w' = w − P⁻¹∇L on ½ wᵀHw. With the generalized eigenpairs H u_i = λ_i P u_i
 * (uᵢᵀPuⱼ = δᵢⱼ) the coefficients c_i = uᵢᵀ P w obey c_i' = (1 − λ_i) c_i: stability is decided by the
 * *effective* eigenvalues λ(P⁻¹H) against 2, whatever H's own eigenvalues are.
 */
import { symEig } from "../../linalg/dense";
import { claim } from "../../lab/claims";
import { contourPanel, curvesPanel, gridFromColumns, verticalLine, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { panelFigures } from "./figures";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, Tables } from "../../lab/types";
import { emptyTable, pushRow, where } from "../../lab/tables";

const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

// ---------------------------------------------------------------- Part I: GD on a parabola

export interface ParabolaConfig {
  eta: number;
  /** Curvatures drawn in detail: one below 2/η, one above. */
  shown: number[];
  /** Curvatures swept for the divergence claim (none exactly 2/η). */
  sweep: number[];
  x0: number;
  steps: number;
}

/** GD iterates on ½ S x²: x_t = (1 − ηS)ᵗ x₀, computed by the recursion. */
export function gdOnParabola(S: number, eta: number, x0: number, steps: number): number[] {
  const xs = [x0];
  for (let t = 0; t < steps; t++) xs.push(xs[t] - eta * S * xs[t]);
  return xs;
}

async function runParabola(c: ParabolaConfig): Promise<Tables> {
  const iterates = emptyTable(["S", "step", "x", "loss", "abs_x", "predicted"]);
  for (const S of c.shown) {
    gdOnParabola(S, c.eta, c.x0, c.steps).forEach((x, t) =>
      pushRow(iterates, { S, step: t, x, loss: 0.5 * S * x * x, abs_x: Math.abs(x), predicted: Math.abs(1 - c.eta * S) ** t * Math.abs(c.x0) }),
    );
  }
  const sweep = emptyTable(["S", "growth", "diverged", "unstable"]);
  for (const S of c.sweep) {
    const xs = gdOnParabola(S, c.eta, c.x0, c.steps);
    const growth = Math.abs(xs[c.steps] / c.x0);
    pushRow(sweep, { S, growth, diverged: growth > 1 ? 1 : 0, unstable: S > 2 / c.eta ? 1 : 0 });
  }
  const r = 1.6 * Math.abs(c.x0);
  const curve = emptyTable(["x", ...c.shown.map((_, i) => `loss_${i}`)]);
  for (const x of linspace(-r, r, 101)) pushRow(curve, { x, ...Object.fromEntries(c.shown.map((S, i) => [`loss_${i}`, 0.5 * S * x * x])) });
  return { iterates, sweep, curve };
}

function panelsOfParabolaFigure(t: Tables, c: ParabolaConfig): Panel[] {
  const top = (i: number): number => Math.max(1e-9, ...(t.curve[`loss_${i}`] ?? []).filter(Number.isFinite));
  const panels: Panel[] = c.shown.map((S, i) => {
    const run = where(t.iterates, { S });
    const shown = run.step.map((_, k) => k).filter((k) => Math.abs(run.x[k]) <= 1.6 * Math.abs(c.x0));
    const panel = curvesPanel({
      title: `(${"ab"[i]}) S = ${S} ${S < 2 / c.eta ? "<" : ">"} 2/η = ${2 / c.eta}`,
      xTitle: "x",
      yTitle: "½ S x²",
      series: [
        { name: "loss ½Sx²", x: t.curve.x, y: t.curve[`loss_${i}`], color: "#8fb4d6", group: "landscape" },
        { name: "GD iterates", x: shown.map((k) => run.x[k]), y: shown.map((k) => run.loss[k]), process: "discrete", mode: "lines+markers" },
      ],
      // Headroom above the parabola's arms: the legend sits there (inside, the arms and iterates fill the corners).
      yRange: [-0.05 * top(i), 1.45 * top(i)],
    });
    return { ...panel, legend: "top right" as const };
  });
  panels.push({
    ...curvesPanel({
      title: "(c) |xₜ| against |1 − ηS|ᵗ |x₀|",
      yTitle: "|xₜ|",
      logY: true,
      series: c.shown.flatMap((S, i): Series[] => {
        const run = where(t.iterates, { S });
        return [
          // Markers only: the dashed closed form stays visible between them (they agree to 1e-15).
          { name: `S = ${S}`, x: run.step, y: run.abs_x, color: sequentialColor(i, c.shown.length + 1), mode: "markers" },
          { name: "prediction", x: run.step, y: run.predicted, process: "prediction" },
        ];
      }),
      // Headroom above the growing run keeps the top left free for the legend.
      yRange: [Math.log10(Math.min(...t.iterates.abs_x.filter((v) => v > 0))) - 0.2, Math.log10(Math.max(...t.iterates.abs_x)) + 1.6],
    }),
    legend: "top left",
  });
  // The per-step factor (T-th root of |x(T)/x₀|) = |1 − ηS| on a linear axis (the growth itself spans 50 decades).
  const perStep = t.sweep.growth.map((g) => g ** (1 / c.steps));
  const sweepPanel = curvesPanel({ title: "(d) per-step growth against S", xTitle: "S", yTitle: "|x(T)/x₀|<sup>1/T</sup>", series: [{ name: "GD (measured)", x: t.sweep.S, y: perStep, process: "discrete", mode: "lines+markers" }] });
  sweepPanel.shapes = [verticalLine(2 / c.eta)];
  panels.push({ ...sweepPanel, legend: "top left" });
  return panels;
}

function parabolaClaims(t: Tables, c: ParabolaConfig) {
  const mismatches = t.sweep.diverged.filter((d, i) => d !== t.sweep.unstable[i]).length;
  const worst = Math.max(...t.iterates.abs_x.map((x, i) => Math.abs(x - t.iterates.predicted[i]) / Math.max(t.iterates.predicted[i], 1e-300)));
  return [
    claim("diverges-iff-above-2-over-eta", `GD on ½Sx² diverges iff S > 2/η: curvatures that disagree, of ${c.sweep.length}`, mismatches, "<=", 0),
    claim("contraction-factor", "|x_t| = |1 − ηS|ᵗ|x₀|: max relative error", worst, "<=", 1e-9),
  ];
}

export const cfGdQuadratic: Experiment<ParabolaConfig> = registerExperiment<ParabolaConfig>({
  id: "central-flows-gd-quadratic",
  title: "GD on a quadratic: converges iff the curvature is below 2/η",
  paper: "Cohen, Damian et al. 2024 (central flows), Part I: the quadratic threshold demo",
  configs: {
    quick: { eta: 1, shown: [1.8, 2.2], sweep: linspace(1.05, 2.95, 8), x0: 1, steps: 12 },
    full: { eta: 1, shown: [1.8, 2.2], sweep: linspace(1.01, 2.99, 40), x0: 1, steps: 20 },
  },
  run: runParabola,
  figures: panelFigures(panelsOfParabolaFigure, [
    { id: "central-flows-gd-quadratic", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part I: the quadratic threshold demo", title: "GD on a quadratic: converges iff the curvature is below 2/η", size: "text", pick: [0, 1, 2, 3],
      caption: (c) => `GD with η = ${c.eta} on ½Sx² for curvatures S = ${c.shown.join(" and ")} (2/η = ${2 / c.eta}). (a, b) the iterates xₜ; (c) |xₜ| (markers) against the closed form |1 − ηS|ᵗ|x₀| (dashed); (d) the per-step growth, the T-th root of |x(T)/x₀| after T = ${c.steps} steps against S: it equals |1 − ηS| and crosses 1 at S = 2/η (dashed).` },
  ]),
  claims: parabolaClaims,
});

// ---------------------------------------------------------------- Part III: preconditioned GD on a quadratic

export interface PreconditionedConfig {
  /** Symmetric 2×2 Hessian H (rows). */
  H: number[][];
  /** Diagonal of the base preconditioner P₀; the runs use P = P₀/scale (larger scale = larger steps). */
  P0: number[];
  /** Scales drawn in detail (one stable, one unstable). */
  shown: number[];
  /** Scales swept for the divergence claim. */
  sweep: number[];
  w0: number[];
  steps: number;
  grid: number;
}

/** Generalized eigenpairs of (H, P) for diagonal P: λ descending, uᵢᵀ P uⱼ = δᵢⱼ. */
export function generalizedEigs(H: number[][], P: number[]): { values: number[]; u: number[][] } {
  const s = P.map((p) => 1 / Math.sqrt(p));
  const A = H.map((row, i) => row.map((h, j) => s[i] * h * s[j]));
  const e = symEig(A);
  return { values: Array.from(e.values), u: e.vectors.map((y) => Array.from(y, (v, i) => v * s[i])) };
}

function preconditionedGd(H: number[][], P: number[], w0: number[], steps: number): number[][] {
  const ws = [w0.slice()];
  for (let t = 0; t < steps; t++) {
    const w = ws[t];
    ws.push(w.map((wi, i) => wi - H[i].reduce((a, h, j) => a + h * w[j], 0) / P[i]));
  }
  return ws;
}

async function runPreconditioned(c: PreconditionedConfig): Promise<Tables> {
  const iterates = emptyTable(["scale", "step", "w1", "w2", "c1", "c2", "pred1", "pred2", "lambda1", "lambda2"]);
  for (const scale of c.shown) {
    const P = c.P0.map((p) => p / scale);
    const { values, u } = generalizedEigs(c.H, P);
    const coord = (w: number[], i: number): number => u[i].reduce((a, ui, p) => a + ui * P[p] * w[p], 0);
    const c0 = [coord(c.w0, 0), coord(c.w0, 1)];
    preconditionedGd(c.H, P, c.w0, c.steps).forEach((w, t) =>
      pushRow(iterates, {
        scale,
        step: t,
        w1: w[0],
        w2: w[1],
        c1: Math.abs(coord(w, 0)),
        c2: Math.abs(coord(w, 1)),
        pred1: Math.abs(1 - values[0]) ** t * Math.abs(c0[0]),
        pred2: Math.abs(1 - values[1]) ** t * Math.abs(c0[1]),
        lambda1: values[0],
        lambda2: values[1],
      }),
    );
  }
  const sweep = emptyTable(["scale", "lambda_max", "growth", "diverged", "unstable", "eta_gd_lambda_max"]);
  const hMax = symEig(c.H).values[0];
  for (const scale of c.sweep) {
    const P = c.P0.map((p) => p / scale);
    const lmax = generalizedEigs(c.H, P).values[0];
    const ws = preconditionedGd(c.H, P, c.w0, c.steps);
    const growth = Math.hypot(...ws[c.steps]) / Math.hypot(...c.w0);
    // For contrast: GD with the largest step of this preconditioner, η = max 1/P_i, sees η·λ_max(H).
    pushRow(sweep, { scale, lambda_max: lmax, growth, diverged: growth > 1 ? 1 : 0, unstable: lmax > 2 ? 1 : 0, eta_gd_lambda_max: hMax * Math.max(...P.map((p) => 1 / p)) });
  }
  const r = 1.5 * Math.max(...c.w0.map(Math.abs));
  const landscape = emptyTable(["x1", "x2", "loss"]);
  for (const a of linspace(-r, r, c.grid)) {
    for (const b of linspace(-r, r, c.grid)) {
      pushRow(landscape, { x1: a, x2: b, loss: 0.5 * (c.H[0][0] * a * a + 2 * c.H[0][1] * a * b + c.H[1][1] * b * b) });
    }
  }
  return { iterates, sweep, landscape };
}

function panelsOfPreconditionedFigure(t: Tables, c: PreconditionedConfig): Panel[] {
  const color = (i: number): string => sequentialColor(i, c.shown.length + 1);
  const r = 1.5 * Math.max(...c.w0.map(Math.abs));
  const panels: Panel[] = [
    contourPanel({
      title: "(a) preconditioned GD on ½wᵀHw",
      ...gridFromColumns(t.landscape.x1, t.landscape.x2, t.landscape.loss),
      xTitle: "w₁",
      yTitle: "w₂",
      trajectories: c.shown.map((scale, i) => {
        const run = where(t.iterates, { scale });
        const keep = run.w1.map((_, k) => k).filter((k) => Math.abs(run.w1[k]) <= r && Math.abs(run.w2[k]) <= r);
        return { name: `P = P₀/${scale}, λmax(P⁻¹H) = ${run.lambda1[0].toFixed(2)}`, x: keep.map((k) => run.w1[k]), y: keep.map((k) => run.w2[k]), color: color(i) };
      }),
    }),
  ];
  c.shown.forEach((scale, i) => {
    const run = where(t.iterates, { scale });
    // Below ~1e-15 of the start a coefficient is round-off (and may be exactly 0): not drawn.
    for (const col of ["c1", "c2"]) run[col] = run[col].map((v) => (v > 1e-15 * Math.max(run.c1[0], run.c2[0]) ? v : NaN));
    panels.push(
      {
        ...curvesPanel({
          title: `(${"bc"[i]}) ${run.lambda1[0] < 2 ? "stable" : "unstable"} P: λ(P⁻¹H) = ${run.lambda1[0].toFixed(2)}, ${run.lambda2[0].toFixed(2)}`,
          yTitle: "|uᵢᵀP wₜ|",
          logY: true,
          // Predictions first (drawn under), thin and dashed; the measured coefficients over them.
          series: [
            { name: "prediction", x: run.step, y: run.pred1, process: "prediction", group: "prediction" },
            { name: "prediction", x: run.step, y: run.pred2, process: "prediction", group: "prediction" },
            { name: "along u₁", x: run.step, y: run.c1, color: color(i), width: 1.5 },
            { name: "along u₂", x: run.step, y: run.c2, color: color(i), mode: "markers" },
          ],
        }),
        // The empty corner: u₂ decays fast under a stable P (bottom right free), slowly under an unstable one.
        legend: run.lambda1[0] < 2 ? "bottom right" : "bottom left",
      },
    );
  });
  const sweepPanel = curvesPanel({
    title: "(d) growth against λmax(P⁻¹H)",
    xTitle: "λmax(P⁻¹H)",
    yTitle: "‖wₙ‖/‖w₀‖",
    logY: true,
    series: [{ name: "preconditioned GD", x: t.sweep.lambda_max, y: t.sweep.growth, process: "discrete", mode: "lines+markers" }],
  });
  sweepPanel.shapes = [verticalLine(2)];
  // The growth runs from the bottom left up to the top right: the top left is empty.
  panels.push({ ...sweepPanel, legend: "top left" });
  return panels;
}

function preconditionedClaims(t: Tables, c: PreconditionedConfig) {
  const it = t.iterates;
  // Compare while the prediction is far above float64 round-off of the initial coefficients.
  const starts = it.step.flatMap((s, i) => (s === 0 ? [it.pred1[i], it.pred2[i]] : []));
  const floor = 1e-6 * Math.max(...starts);
  let worst = 0;
  it.c1.forEach((x, i) => {
    for (const [m, p] of [
      [x, it.pred1[i]],
      [it.c2[i], it.pred2[i]],
    ]) {
      if (p > floor) worst = Math.max(worst, Math.abs(m - p) / p);
    }
  });
  const mismatches = t.sweep.diverged.filter((d, i) => d !== t.sweep.unstable[i]).length;
  // GD-style reasoning (η·λ_max(H) < 2 with the largest per-coordinate step) misjudges some runs.
  const gdMisjudged = t.sweep.diverged.filter((d, i) => d !== (t.sweep.eta_gd_lambda_max[i] > 2 ? 1 : 0)).length;
  return [
    claim("generalized-eigen-rates", "coefficients along the generalized eigenvectors scale by exactly |1 − λᵢ(P⁻¹H)| per step: max relative error (while above 1e-6 of the start)", worst, "<=", 1e-6),
    claim("diverges-iff-effective-above-2", `preconditioned GD diverges iff λ_max(P⁻¹H) > 2: scales that disagree, of ${c.sweep.length}`, mismatches, "<=", 0),
    claim("hessian-alone-misjudges", "runs where η_max·λ_max(H) > 2 (H's own sharpness) would misjudge stability", gdMisjudged, ">=", 1),
  ];
}

const PRECONDITIONED_BASE = { H: [[1, 0.6], [0.6, 4]], P0: [1, 4], w0: [1.2, 0.9] };

export const cfPreconditionedQuadratic: Experiment<PreconditionedConfig> = registerExperiment<PreconditionedConfig>({
  id: "central-flows-rmsprop-quadratic",
  title: "Preconditioned GD on a quadratic: the effective eigenvalues λ(P⁻¹H) decide stability",
  paper: "Cohen, Damian et al. 2024 (central flows), Part III: the preconditioned quadratic demo",
  configs: {
    quick: { ...PRECONDITIONED_BASE, shown: [1.45, 1.65], sweep: linspace(0.6, 2.6, 9), steps: 15, grid: 31 },
    full: { ...PRECONDITIONED_BASE, shown: [1.45, 1.65], sweep: linspace(0.61, 2.61, 41), steps: 25, grid: 61 },
  },
  run: runPreconditioned,
  figures: panelFigures(panelsOfPreconditionedFigure, [
    { id: "central-flows-rmsprop-quadratic", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part III: the preconditioned quadratic demo", title: "Preconditioned GD on a quadratic: stable iff λmax(P⁻¹H) < 2", size: "text", pick: [0, 1, 2, 3],
      caption: () => `Preconditioned GD w ← w − P⁻¹Hw on a 2-D quadratic. (a) iterates; (b, c) |uᵢᵀPwₜ| along the generalized eigenvectors uᵢ for a stable and an unstable P (line and markers: measured; thin dashed: the prediction |1 − λᵢ|ᵗ|cᵢ(0)|); (d) growth ‖wₙ‖/‖w₀‖ after n steps against λmax(P⁻¹H), crossing 1 at 2.` },
  ]),
  claims: preconditionedClaims,
});
