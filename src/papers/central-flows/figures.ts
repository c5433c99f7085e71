/**
 * Figure helpers shared by the central-flows experiments: series that quietly disappear while their columns
 * are still NaN (live redraws of partial tables), windows of a table, and the process names of the papers.
 */
import { composeFigure, curvesPanel, type Panel, type Series } from "../../plot/panels";
import type { FigureSize } from "../../plot/sizes";
import { PROCESS_STYLE, type Process } from "../../plot/style";
import { gaussianSmooth } from "../../linalg/smoothing";
import type { FigureSpec, Table, Tables } from "../../lab/types";
import type { TaskSpec } from "./setup";

/** Legend names per process and optimizer family. */
export function processLabel(p: "discrete" | "stable" | "central", optimizer: string): string {
  if (p === "central") return "central flow";
  if (p === "stable") return optimizer === "gd" ? "gradient flow" : "stable flow";
  return optimizer === "gd" ? "GD" : optimizer === "rmsprop" ? "RMSProp" : "Scalar RMSProp";
}

export function hasData(t: Table | undefined, column: string): boolean {
  return !!t && Array.isArray(t[column]) && t[column].some(Number.isFinite);
}

export interface LineOptions extends Omit<Series, "x" | "y" | "name"> {
  name: string;
  /** Rows [from, to) only. */
  from?: number;
  to?: number;
  /** Gaussian smoothing (σ in rows; `log` smooths log y). */
  smooth?: number;
  log?: boolean;
  /** Transform each y. */
  map?: (y: number, i: number) => number;
}

/** A series y = t[column] against t.step, or nothing while the column holds no data. */
export function line(t: Table | undefined, column: string, o: LineOptions): Series[] {
  if (!t || !hasData(t, column)) return [];
  const from = Math.max(0, o.from ?? 0);
  const to = Math.min(t[column].length, o.to ?? Infinity);
  let y = t[column].slice(from, to);
  if (o.map) y = y.map((v, i) => (o.map as (y: number, i: number) => number)(v, i + from));
  if (o.smooth && o.smooth > 0) y = gaussianSmooth(y, o.smooth, { log: o.log });
  const { from: _f, to: _t, smooth: _s, log: _l, map: _m, ...rest } = o;
  return [{ ...rest, x: t.step.slice(from, to), y }];
}

/** The same column raw (faint) and smoothed (solid), for oscillating measurements. */
export function rawAndSmoothed(t: Table | undefined, column: string, o: LineOptions & { smooth: number; process?: Process }): Series[] {
  const group = o.group ?? o.name;
  return [
    ...line(t, column, { ...o, smooth: 0, opacity: 0.3, showlegend: false, unlabeled: true, width: 1, process: o.process === "prediction" ? "prediction" : "context", color: o.color ?? PROCESS_STYLE[o.process ?? "optimizer"].color, group, name: `${o.name} (raw)` }),
    ...line(t, column, { ...o, group, name: `${o.name} (time-averaged)` }),
  ];
}

/** One figure drawn from a subset of an experiment's panels (re-lettered (a), (b), … in the order picked). */
export interface PanelGroup<C> {
  id: string;
  paperFigure: string;
  title: string;
  size: FigureSize;
  caption(config: C): string;
  /** Indices into the experiment's panel list (missing panels — e.g. during a live redraw — are skipped). */
  pick: number[] | ((panels: Panel[]) => Panel[]);
  cols?: number;
  heightIn?: number;
}

/** Figures that each make one point, from one list of panels: one FigureSpec per group (≤ 4 panels each). */
export function panelFigures<C>(panels: (tables: Tables, config: C) => Panel[], groups: PanelGroup<C>[]): FigureSpec<C>[] {
  return groups.map((g) => ({
    id: g.id,
    paperFigure: g.paperFigure,
    title: g.title,
    size: g.size,
    caption: g.caption,
    build(tables: Tables, config: C) {
      const all = panels(tables, config);
      const chosen = (typeof g.pick === "function" ? g.pick(all) : g.pick.map((i) => all[i])).filter((p): p is Panel => p !== undefined);
      if (chosen.length === 0) return composeFigure([curvesPanel({ series: [], title: "waiting for data" })], { size: g.size });
      const lettered = chosen.map((p, i) => ({ ...p, title: p.title === undefined ? undefined : chosen.length === 1 ? p.title.replace(/^\([a-z]\)\s*/, "") : `(${String.fromCharCode(97 + i)}) ${p.title.replace(/^\([a-z]\)\s*/, "")}` }));
      return composeFigure(lettered, { size: g.size, cols: g.cols, heightIn: g.heightIn });
    },
  }));
}

/** The task in words for captions, e.g. "an MLP 16-16 (swish) with squared loss on 128 Gaussian points". */
export function taskText(task: TaskSpec): string {
  const d = task.data;
  const data = d.kind === "gaussian" ? `${d.n} Gaussian points` : `${d.perClass * 10} MNIST digits (${28 / d.pool}×${28 / d.pool} pooled)`;
  const loss = task.loss === "half_sse" ? "½Σ(f − y)² loss" : task.loss === "mse" ? "mean squared loss" : `${task.loss} loss`;
  const warm = task.warmup ? `, starting after ${task.warmup.steps} GD steps at η = ${task.warmup.lr}` : "";
  return `an MLP ${task.hidden.join("-")} (${task.activation}, ${task.outputs} output${task.outputs === 1 ? "" : "s"}) with ${loss} on ${data}${warm}`;
}
