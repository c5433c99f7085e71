/** Row-wise helpers for the Saxe experiments' tables (plain numeric columns). */
import type { Table } from "../types";
export { emptyTable, pushRow, linspace } from "../tables";

/** Rows of `t` where every given column equals its value. */
export function where(t: Table, match: Record<string, number>): Table {
  const keys = Object.keys(match);
  const n = Object.values(t)[0]?.length ?? 0;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (keys.every((k) => t[k][i] === match[k])) keep.push(i);
  return Object.fromEntries(Object.entries(t).map(([k, col]) => [k, keep.map((i) => col[i])]));
}

export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function std(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]): number[] => {
    const order = v.map((_, i) => i).sort((i, j) => v[i] - v[j]);
    const r = new Array<number>(v.length);
    for (let k = 0; k < order.length; ) {
      let e = k;
      while (e + 1 < order.length && v[order[e + 1]] === v[order[k]]) e++;
      for (let m = k; m <= e; m++) r[order[m]] = (k + e) / 2;
      k = e + 1;
    }
    return r;
  };
  const rx = rank(x);
  const ry = rank(y);
  const mx = mean(rx);
  const my = mean(ry);
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < x.length; i++) {
    num += (rx[i] - mx) * (ry[i] - my);
    dx += (rx[i] - mx) ** 2;
    dy += (ry[i] - my) ** 2;
  }
  return num / Math.sqrt(dx * dy);
}
