/**
 * Figure 6 (B/C) of Saxe et al. (2014): singular values of products of N×N random matrices with depth.
 * Gaussian factors N(0, 1/N) preserve norms on average but their products' singular values spread over decades
 * (most shrink, a few grow); orthogonal factors keep every singular value at exactly 1.
 */
import { claim } from "../../lab/claims";
import { composeFigure, curvesPanel, type Panel } from "../../plot/panels";
import { GREY, OKABE_ITO, sweepColor } from "../../plot/palette";
import { registerExperiment } from "../../lab/registry";
import type { Experiment, FigureSpec, RunContext, Tables } from "../../lab/types";
import { KIND_CODE, randomProductTask } from "./random-products-task";
import { concatTables, where } from "../../lab/tables";
import { mean } from "../../lab/stats";

export interface RandomProductsConfig {
  /** Matrix size N. */
  n: number;
  /** Depths (number of factors) at which the running product is analysed. */
  depths: number[];
  realizations: number;
  seed: number;
  /** Histogram of log10 σ: bins over [histMin, histMax] (values below land in the first bin). */
  histMin: number;
  histMax: number;
  bins: number;
}

export { KIND_CODE };

async function run(c: RandomProductsConfig, ctx: RunContext): Promise<Tables> {
  // One task per (kind, realization) (random-products-task.ts).
  const configs = (["gaussian", "orthogonal"] as const).flatMap((kind) =>
    Array.from({ length: c.realizations }, (_, r) => ({ kind, n: c.n, depths: c.depths, realization: r, seed: c.seed + 1000 * r + (kind === "orthogonal" ? 1 : 0) })),
  );
  const parts = await ctx.map(configs, randomProductTask);
  return { spectra: concatTables(parts.map((p) => p.spectra)), summary: concatTables(parts.map((p) => p.summary)) };
}

/** Histogram of log10 σ (density per unit log10 σ), clamped into [lo, hi]. */
export function logHistogram(values: number[], lo: number, hi: number, bins: number): { centers: number[]; density: number[] } {
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const x = Math.log10(Math.max(v, 1e-300));
    const b = Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / width)));
    counts[b]++;
  }
  return { centers: counts.map((_, i) => lo + (i + 0.5) * width), density: counts.map((k) => k / (values.length * width)) };
}

const KIND_STYLE = [
  [KIND_CODE.gaussian, "Gaussian", { color: GREY.dark }],
  [KIND_CODE.orthogonal, "orthogonal", { color: OKABE_ITO.skyBlue, dash: "dash" as const }],
] as const;

/** Fig. 6: the Gaussian products' singular-value spectra by depth, and both kinds' summaries against depth. */
function figure(tables: Tables, c: RandomProductsConfig) {
  const { spectra, summary } = tables;
  const depths = [...new Set(spectra.depth)].sort((a, b) => a - b);
  const series = depths.flatMap((depth, i) => {
    const rows = where(spectra, { kind: KIND_CODE.gaussian, depth });
    if (rows.sigma.length === 0) return [];
    const h = logHistogram(rows.sigma, c.histMin, c.histMax, c.bins);
    return [{ name: `depth ${depth}`, x: h.centers, y: h.density, color: sweepColor(i, depths.length), width: 1.25 }];
  });
  const panels: Panel[] = [{ ...curvesPanel({ title: "(a) Gaussian products", xTitle: "log₁₀ σ", yTitle: "density", series }), legend: "top left" }];
  const panel = (field: string, yTitle: string, title: string): Panel => {
    const lines = KIND_STYLE.map(([kind, name, style]) => {
      const ds = [...new Set(where(summary, { kind }).depth)].sort((a, b) => a - b);
      return { name, x: ds, y: ds.map((d) => mean(where(summary, { kind, depth: d })[field])), mode: "lines+markers" as const, width: 1.5, ...style };
    });
    const top = Math.max(...lines.flatMap((l) => l.y).filter(Number.isFinite));
    return curvesPanel({ title, xTitle: "depth (factors)", yTitle, logX: true, yRange: [0, 1.15 * top], series: lines });
  };
  if (summary) {
    panels.push({ ...panel("near_one", "fraction in [½, 2]", "(b) σ near 1"), legend: "none" });
    panels.push({ ...panel("mean_square", "mean σ²", "(c) mean σ² = ‖M‖²/N"), legend: "bottom left" });
  }
  for (const p of panels.slice(1)) p.xaxis = { ...p.xaxis, tickvals: depths, ticktext: depths.map(String), dtick: undefined };
  return composeFigure(panels, { size: "text", cols: panels.length });
}

function claims(tables: Tables, _c: RandomProductsConfig) {
  const { summary } = tables;
  const orth = where(summary, { kind: KIND_CODE.orthogonal });
  const depths = [...new Set(summary.depth)].sort((a, b) => a - b);
  const gaussMean = (field: string, depth: number): number => mean(where(summary, { kind: KIND_CODE.gaussian, depth })[field]);
  const near = depths.map((d) => gaussMean("near_one", d));
  const spread = depths.map((d) => gaussMean("log_spread", d));
  const monotone = spread.every((v, i) => i === 0 || v > spread[i - 1]) ? 1 : 0;
  const normRatio = Math.max(...depths.map((d) => Math.abs(Math.log(gaussMean("mean_square", d)))));
  return [
    claim("orthogonal-isometry", `orthogonal products: every singular value is 1 at every depth up to ${Math.max(...depths)}: max |σ − 1|`, Math.max(...orth.max_deviation), "<=", 1e-10),
    claim("gaussian-spreads", `Gaussian products: fraction of σ in [1/2, 2] at depth ${depths[depths.length - 1]} (it is ${near[0].toFixed(2)} at depth ${depths[0]})`, near[near.length - 1], "<=", 0.25),
    claim("gaussian-spread-grows", "Gaussian products: the spread (sd of ln σ) grows with every added depth (1 = monotone)", monotone, ">=", 1),
    claim("gaussian-norm-preserved", "Gaussian products preserve the norm on average: max over depths |ln(mean σ²)|", normRatio, "<=", Math.log(2)),
  ];
}

export const saxeRandomProducts: Experiment<RandomProductsConfig> = registerExperiment<RandomProductsConfig>({
  id: "saxe-random-products",
  title: "Singular values of products of random Gaussian vs orthogonal matrices with depth",
  paper: "Saxe, McClelland & Ganguli 2014, Fig. 6 (B, C)",
  configs: {
    quick: { n: 100, depths: [1, 4, 16], realizations: 2, seed: 5, histMin: -6, histMax: 1.5, bins: 30 },
    full: { n: 200, depths: [1, 2, 4, 8, 16, 32], realizations: 4, seed: 5, histMin: -8, histMax: 1.5, bins: 38 },
  },
  run,
  runsTasks: true,
  figures: [
    {
      id: "saxe-random-products-fig6",
      paperFigure: "Saxe, McClelland & Ganguli 2014, Fig. 6 (B, C)",
      title: "Products of random matrices: Gaussian factors spread the spectrum",
      size: "text",
      caption: (c) =>
        `Products of ${c.depths.join(", ")} random ${c.n}×${c.n} factors, ${c.realizations} realizations each. (a) Density of log₁₀ of the singular values σ of Gaussian products (factors N(0, 1/N); the leftmost bin holds everything below 1e${c.histMin}): ` +
        `the spectrum spreads over decades as depth grows. Orthogonal products are not drawn: all their σ are 1 to 1e-10 (a claim). ` +
        `(b) the fraction of σ within [½, 2]: it falls with depth for Gaussian products and stays 1 for orthogonal ones; (c) the mean σ² = ‖M‖²/N (squared Frobenius norm) stays ≈ 1 for both: the norm is preserved, its distribution is not.`,
      build: figure,
    },
  ] satisfies FigureSpec<RandomProductsConfig>[],
  claims,
});
