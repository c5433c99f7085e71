/**
 * The paper's Figure 1 layout for groups of training runs: one column per group, the training loss on top and
 * the sharpness below, each learning rate in its own colour with its stability threshold (2/η for GD) as a
 * dashed line of the same colour.
 */
import { composeFigure, curvesPanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import type { PlotlyFigure, Tables } from "../../lab/types";
import { groupLabel, rowsWhere, threshold, type GroupConfig } from "./runs";

export interface TrainingFigureOptions {
  title: string;
  /** Symbol of the threshold in legends, e.g. "2/η". */
  thresholdName?: (g: GroupConfig) => string;
  /** Log-scale the sharpness axis (for sweeps whose thresholds span decades). */
  logSharpness?: boolean;
}

const letter = (i: number): string => String.fromCharCode(97 + i);

export function etaColor(i: number, n: number): string {
  return sequentialColor(i, n + 1);
}

/** Loss (top row) and sharpness (bottom row) panels for each group, in the order of `groups`. */
export function trainingPanels(tables: Tables, groups: GroupConfig[], o: TrainingFigureOptions): Panel[] {
  const top: Panel[] = [];
  const bottom: Panel[] = [];
  groups.forEach((g, gi) => {
    const name = (eta: number): string => `η = ${eta}`;
    const lossSeries: Series[] = [];
    const sharpSeries: Series[] = [];
    g.lrs.forEach((eta, i) => {
      const color = etaColor(i, g.lrs.length);
      const l = rowsWhere(tables.loss, { group: gi, eta });
      const s = rowsWhere(tables.sharpness, { group: gi, eta });
      if (l.step.length > 0) lossSeries.push({ name: name(eta), x: l.step, y: l.loss, color, group: name(eta), width: 1 });
      if (s.step.length > 0) {
        sharpSeries.push({ name: name(eta), x: s.step, y: s.sharpness, color, group: name(eta), mode: "lines" });
        const theta = threshold(g, eta);
        const x = [0, Math.max(...(l.step.length > 0 ? l.step : s.step))];
        sharpSeries.push({ name: `${o.thresholdName?.(g) ?? "2/η"} (dashed)`, x, y: [theta, theta], color, dash: "dash", width: 1, group: name(eta), showlegend: false });
      }
    });
    const label = groupLabel(g);
    top.push(lossPanel({ title: `(${letter(gi)}) ${label}: train loss`, xTitle: "step", series: lossSeries }));
    bottom.push(
      curvesPanel({
        title: `(${letter(gi + groups.length)}) ${label}: sharpness`,
        xTitle: "step",
        yTitle: "sharpness λ_max(∇²L)",
        logY: o.logSharpness,
        series: sharpSeries,
      }),
    );
  });
  return [...top, ...bottom];
}

/** One column per group; a single group gets its two panels side by side (room for the title). */
export function trainingFigure(tables: Tables, groups: GroupConfig[], o: TrainingFigureOptions): PlotlyFigure {
  return composeFigure(trainingPanels(tables, groups, o), { cols: groups.length === 1 ? 2 : groups.length, title: o.title });
}
