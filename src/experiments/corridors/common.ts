/** Small table and grid helpers shared by the corridor experiments. */
import type { Table } from "../types";
import { emptyTable, linspace, pushRow } from "../tables";
export { linspace, logspace, emptyTable, pushRow } from "../tables";

/** Rows of `t` where column `key` equals `value` (and, optionally, `key2` equals `value2`). */
export function where(t: Table, key: string, value: number, key2?: string, value2?: number): Table {
  const keep = t[key].flatMap((v, i) => (v === value && (key2 === undefined || t[key2][i] === value2) ? [i] : []));
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

/** Median of the finite entries (NaN if none). */
export function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

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
