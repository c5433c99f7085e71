/** Claims: build one from a measurement, and print the table of all claims with pass/fail. */
import { COMPARATORS, type Claim, type Comparator } from "./types";

function holds(measured: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case "<":
      return measured < threshold;
    case "<=":
      return measured <= threshold;
    case ">":
      return measured > threshold;
    case ">=":
      return measured >= threshold;
  }
}

/** `claim("rate", "contraction rate matches |1 − ηλ| to 1e-9", err, "<=", 1e-9)`; NaN measured fails. */
export function claim(id: string, statement: string, measured: number, comparator: Comparator, threshold: number): Claim {
  if (!COMPARATORS.includes(comparator)) throw new Error(`claim ${id}: comparator '${String(comparator)}' is not one of ${COMPARATORS.join(" ")}`);
  if (Number.isNaN(threshold)) throw new Error(`claim ${id}: threshold is NaN`);
  return { id, statement, measured, comparator, threshold, passed: !Number.isNaN(measured) && holds(measured, comparator, threshold) };
}

/** A claim with the experiment it belongs to, as reported by `flowlab figures`. */
export interface ClaimRow extends Claim {
  experiment: string;
}

/** A claim that fails the run: enforced and not passed. */
export function failing(c: Claim): boolean {
  return !c.passed && c.enforced !== false;
}

/** PASS, FAIL, or "(fail)" for a claim that is only reported (quick-mode smoke tests). */
export function verdict(c: Claim): string {
  return c.passed ? "PASS" : c.enforced === false ? "(fail)" : "FAIL";
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}

/** A fixed-width text table: experiment, claim, measured, comparator, threshold, PASS/FAIL, statement. */
export function formatClaimsTable(rows: ClaimRow[]): string {
  const header = ["experiment", "claim", "measured", "", "threshold", "result", "statement"];
  const body = rows.map((r) => [r.experiment, r.id, fmt(r.measured), r.comparator, fmt(r.threshold), verdict(r), r.statement]);
  const all = [header, ...body];
  const widths = header.map((_, j) => Math.max(...all.map((row) => row[j].length)));
  const line = (row: string[]): string =>
    row
      .map((cell, j) => (j === row.length - 1 ? cell : j === 2 || j === 4 ? cell.padStart(widths[j]) : cell.padEnd(widths[j])))
      .join("  ")
      .trimEnd();
  const failed = rows.filter(failing).length;
  const reported = rows.filter((r) => r.enforced === false && !r.passed).length;
  const passed = rows.filter((r) => r.passed).length;
  const notes = [failed ? `${failed} FAIL` : "", reported ? `${reported} (fail) not enforced: quick config, a smoke test` : ""].filter(Boolean);
  const summary = rows.length === 0 ? "no claims" : `${passed}/${rows.length} claims pass${notes.length ? `, ${notes.join(", ")}` : ""}`;
  return [line(header), ...body.map(line), summary].join("\n");
}
