/**
 * Figure helpers shared by the central-flows experiments: series that quietly disappear while their columns
 * are still NaN (live redraws of partial tables), windows of a table, and the process names of the papers.
 */
import type { Series } from "../../plot/panels";
import type { Process } from "../../plot/style";
import { gaussianSmooth } from "../../plot/smoothing";
import type { Table } from "../../lab/types";

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
    ...line(t, column, { ...o, smooth: 0, opacity: 0.3, showlegend: false, group, name: `${o.name} (raw)` }),
    ...line(t, column, { ...o, group, name: `${o.name} (time-averaged)` }),
  ];
}
