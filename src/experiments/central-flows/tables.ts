/** Long-form tables built row by row, and their slices: the few helpers the central-flows experiments need. */
import type { Table } from "../types";

export { emptyTable, pushRow } from "../tables";

/** Rows of `t` where column `key` equals `value` (and, optionally, `key2` equals `value2`). */
export function where(t: Table, key: string, value: number, key2?: string, value2?: number): Table {
  const keep = t[key].flatMap((v, i) => (v === value && (key2 === undefined || t[key2][i] === value2) ? [i] : []));
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

/** Tables with the same columns, one after the other (a `run`/`lr`/`beta2` column tells them apart). */
export function concatTables(parts: Table[]): Table {
  return Object.fromEntries(Object.keys(parts[0] ?? {}).map((key) => [key, parts.flatMap((t) => t[key] ?? [])]));
}
