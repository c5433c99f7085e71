/** Small table and grid helpers shared by the corridor experiments. */
import type { Table } from "../../lab/types";
import { emptyTable, linspace, pushRow } from "../../lab/tables";

export function maxOf(xs: number[]): number {
  return xs.reduce((m, x) => (x > m || Number.isNaN(x) ? x : m), -Infinity);
}

/** The landscape of a 2-D function on a grid, long form: columns x, y and one per named function. */
export function gridTable(bounds: [number, number, number, number], n: number, fields: Record<string, (x: number, y: number) => number>): Table {
  const t = emptyTable(["x", "y", ...Object.keys(fields)]);
  for (const y of linspace(bounds[2], bounds[3], n)) {
    for (const x of linspace(bounds[0], bounds[1], n)) {
      pushRow(t, { x, y, ...Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f(x, y)])) });
    }
  }
  return t;
}
