/**
 * The paper's Figure 1 layout for one group of training runs (one architecture / update rule): the training
 * loss on top and the sharpness below, each learning rate in its own colour of the sweep scale, its stability
 * threshold (2/η for GD) as a dotted line of the same colour, labelled at its end.
 */
import { composeFigure, curvesPanel, lossPanel, type Panel, type Series } from "../../plot/panels";
import { sweepColor } from "../../plot/palette";
import type { FigureSize } from "../../plot/sizes";
import type { PlotlyFigure, Tables } from "../../lab/types";
import { rowsWhere, threshold, type GroupConfig } from "./runs";

export interface TrainingFigureOptions {
  /** Log-scale the sharpness axis (for sweeps whose thresholds span decades). */
  logSharpness?: boolean;
  /** Export size (default one column). */
  size?: FigureSize;
}

/** Colour of learning rate i of n (light = small η). */
export function etaColor(i: number, n: number): string {
  return sweepColor(i, n);
}

/** `η = 0.3` with the threshold's value, the legend entry of one run. */
const etaName = (eta: number): string => `η = ${eta}`;

/** Loss (a) and sharpness (b) of group `gi`, one colour per learning rate. */
export function trainingPanels(tables: Tables, gi: number, g: GroupConfig, o: TrainingFigureOptions = {}): Panel[] {
  const lossSeries: Series[] = [];
  const sharpSeries: Series[] = [];
  g.lrs.forEach((eta, i) => {
    const color = etaColor(i, g.lrs.length);
    const l = rowsWhere(tables.loss, { group: gi, eta });
    const s = rowsWhere(tables.sharpness, { group: gi, eta });
    if (l.step.length > 0) lossSeries.push({ name: etaName(eta), x: l.step, y: l.loss, color, width: 1 });
    if (s.step.length > 0) {
      sharpSeries.push({ name: etaName(eta), x: s.step, y: s.sharpness, color, width: 1.5 });
      const theta = threshold(g, eta);
      const x = [0, Math.max(...(l.step.length > 0 ? l.step : s.step))];
      sharpSeries.push({ name: `threshold of η = ${eta}`, x, y: [theta, theta], process: "threshold", color, dash: "dot", width: 1, unlabeled: true });
    }
  });
  return [
    // The legend sits in the loss panel's emptiest corner: in the sharpness panel every corner holds a curve
    // (the rise from below, the hover at the threshold); the two panels share their colours.
    lossPanel({ title: "(a) train loss", xTitle: "step", series: lossSeries }),
    { ...curvesPanel({ title: "(b) sharpness", xTitle: "step", yTitle: "sharpness λ<sub>max</sub>", logY: o.logSharpness, series: sharpSeries }), legend: "none" },
  ];
}

/** Loss above sharpness for one group, one column wide. */
export function trainingFigure(tables: Tables, gi: number, g: GroupConfig, o: TrainingFigureOptions = {}): PlotlyFigure {
  return composeFigure(trainingPanels(tables, gi, g, o), { size: o.size ?? "column", cols: 1, heightIn: 3.6 });
}
