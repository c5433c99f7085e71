/**
 * Tables between their three forms: plain columns (`Table`, what figures, claims and the cache use),
 * danfojs DataFrames (for exploring in a notebook) and CSV (next to each exported figure).
 */
import type { DataFrame } from "danfojs-node";
import type { DataFrameLike, Table, Tables, TablesLike } from "./types";

function isDataFrame(x: Table | DataFrameLike): x is DataFrameLike {
  return Array.isArray((x as DataFrameLike).columns) && typeof (x as DataFrameLike).column === "function";
}

/** Checks a table (numeric columns, equal lengths) and returns it in plain form; `where` names it in errors. */
export function toTable(x: Table | DataFrameLike, where = "table"): Table {
  const out: Table = {};
  const names = isDataFrame(x) ? x.columns : Object.keys(x);
  let length = -1;
  for (const name of names) {
    const values: unknown[] = isDataFrame(x) ? x.column(name).values : (x as Table)[name];
    if (!Array.isArray(values)) throw new Error(`${where}.${name} must be an array of numbers`);
    const column = values.map((v, i) => {
      if (typeof v !== "number") throw new Error(`${where}.${name}[${i}] must be a number, got ${typeof v} ${String(v)}`);
      return v;
    });
    if (length >= 0 && column.length !== length) {
      throw new Error(`${where}.${name} has ${column.length} rows, other columns have ${length}`);
    }
    length = column.length;
    out[name] = column;
  }
  return out;
}

export function toTables(x: TablesLike, where = "tables"): Tables {
  const out: Tables = {};
  for (const [name, t] of Object.entries(x)) out[name] = toTable(t, `${where}.${name}`);
  return out;
}

export function rowCount(t: Table): number {
  const first = Object.values(t)[0];
  return first ? first.length : 0;
}

/** A danfojs DataFrame of the table (danfojs is loaded on first use: it takes about a second). */
export function toDataFrame(t: Table): DataFrame {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: keeps the CLI's cached path fast
  const dfd = require("danfojs-node") as typeof import("danfojs-node");
  return new dfd.DataFrame(t);
}

/** CSV with a header row; numbers in shortest round-trip form, non-finite values as NaN, Infinity, -Infinity. */
export function tableToCsv(t: Table): string {
  const names = Object.keys(t);
  const lines = [names.map(csvField).join(",")];
  const n = rowCount(t);
  for (let i = 0; i < n; i++) lines.push(names.map((c) => String(t[c][i])).join(","));
  return lines.join("\n") + "\n";
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

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

/** Rows of `t` where every given column equals its value, e.g. where(t, { lr: 0.1, run: 2 }). */
export function where(t: Table, match: Record<string, number>): Table {
  const keys = Object.keys(match);
  const n = rowCount(t);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (keys.every((k) => t[k][i] === match[k])) keep.push(i);
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

/** Tables with the same columns, one after the other (a `run`/`lr`/`beta2` column tells them apart). */
export function concatTables(parts: Table[]): Table {
  return Object.fromEntries(Object.keys(parts[0] ?? {}).map((key) => [key, parts.flatMap((t) => t[key] ?? [])]));
}

/** n evenly spaced points from a to b (inclusive). */
export const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));

/** n points from 10^a to 10^b, evenly spaced in log. */
export const logspace = (a: number, b: number, n: number): number[] => linspace(a, b, n).map((e) => 10 ** e);
