/**
 * Flow outputs in the interchange format (problem-format reference): one CSV per process with
 * `step, loss, eig_1..eig_k` and the process's extra columns, and `w_final_<process>.npy`. Atomic writes.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../atomic";
import { writeNpy } from "../data/npy";
import type { FlowResult, FlowRow } from "./types";

/** Extra columns per process, in file order. */
export const EXTRA_COLUMNS: Record<FlowResult["process"], string[]> = {
  discrete: ["loss_mid", "lr"],
  stable: ["substeps"],
  central: ["X_trace", "loss_pred", "gradnorm2_pred", "n_active", "tracked"],
};

/** The files `flowlab flow` writes into its output folder (a folder holding only these is a previous run). */
export const RUN_JSON = "run.json";
const OUTPUT_FILE = /^(?:(?:discrete|stable|central)\.csv|w_final_(?:discrete|stable|central)\.npy|run\.json)$/;
export function isFlowOutputFile(name: string): boolean {
  return OUTPUT_FILE.test(name);
}

export function flowCsv(result: FlowResult, k: number): string {
  const extras = EXTRA_COLUMNS[result.process];
  // Every row carries exactly k eigenvalues, so the columns never shift under the header.
  const short = result.rows.findIndex((r) => r.eigs.length < k);
  if (short >= 0) throw new Error(`${result.process}: row ${short} has ${result.rows[short].eigs.length} eigenvalues, fewer than k = ${k}; refusing to write a ragged CSV`);
  const header = ["step", "loss", ...Array.from({ length: k }, (_, i) => `eig_${i + 1}`), ...extras];
  const cell = (row: FlowRow, c: string): string => {
    const v = row[c];
    return typeof v === "number" ? String(v) : "";
  };
  const lines = result.rows.map((r) => [String(r.step), String(r.loss), ...r.eigs.slice(0, k).map(String), ...extras.map((c) => cell(r, c))].join(","));
  return [header.join(","), ...lines].join("\n") + "\n";
}

export function writeFlowOutputs(dir: string, result: FlowResult, k: number): string[] {
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, `${result.process}.csv`);
  const npy = join(dir, `w_final_${result.process}.npy`);
  writeFileAtomic(csv, flowCsv(result, k));
  writeNpy(npy, result.wFinal, [result.wFinal.length], "<f8");
  return [csv, npy];
}
