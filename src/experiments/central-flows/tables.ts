/** Long-form tables built row by row, and their slices: the few helpers the central-flows experiments need. */
import type { Table } from "../types";

/** An empty table with these columns. */
export function emptyTable(columns: string[]): Table {
  return Object.fromEntries(columns.map((c) => [c, []]));
}

/** Appends one row; every column of the table must be given. */
export function pushRow(t: Table, row: Record<string, number>): void {
  for (const key of Object.keys(t)) {
    const v = row[key];
    if (v === undefined) throw new Error(`pushRow: missing column '${key}'`);
    t[key].push(v);
  }
}

/** Rows of `t` where column `key` equals `value` (and, optionally, `key2` equals `value2`). */
export function where(t: Table, key: string, value: number, key2?: string, value2?: number): Table {
  const keep = t[key].flatMap((v, i) => (v === value && (key2 === undefined || t[key2][i] === value2) ? [i] : []));
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

/** Tables with the same columns, one after the other (a `run`/`lr`/`beta2` column tells them apart). */
export function concatTables(parts: Table[]): Table {
  return Object.fromEntries(Object.keys(parts[0] ?? {}).map((key) => [key, parts.flatMap((t) => t[key] ?? [])]));
}
