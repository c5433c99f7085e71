/**
 * The task of saxe-random-products: one realization of one kind of product (Gaussian or orthogonal factors),
 * the spectrum of its running product at every requested depth. The depths share the realization's factors
 * (W_8 ⋯ W_1 extends W_4 ⋯ W_1), so a realization, not a depth, is the unit.
 */
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { emptyTable, pushRow } from "../../lab/tables";
import { productSpectra, summarizeSpectrum, type ProductKind } from "./random-products-model";

export const KIND_CODE = { gaussian: 0, orthogonal: 1 } as const;

export interface RandomProductTaskConfig {
  kind: ProductKind;
  n: number;
  depths: number[];
  /** Realization index r (a table column) and its seed. */
  realization: number;
  seed: number;
}

/** One realization's rows of spectra (kind, depth, realization, sigma) and summary, depths ascending. */
export const randomProductTask = defineTask<RandomProductTaskConfig, { spectra: Table; summary: Table }>("saxe.random-product", (c) => {
  const spectra = emptyTable(["kind", "depth", "realization", "sigma"]);
  const summary = emptyTable(["kind", "depth", "realization", "mean_square", "near_one", "max_deviation", "log_spread", "max", "median"]);
  const kind = KIND_CODE[c.kind];
  const r = c.realization;
  const sorted = [...c.depths].sort((a, b) => a - b);
  productSpectra(c.kind, c.n, sorted, c.seed).forEach((sv, k) => {
    const depth = sorted[k];
    sv.forEach((sigma) => pushRow(spectra, { kind, depth, realization: r, sigma }));
    const s = summarizeSpectrum(sv);
    pushRow(summary, { kind, depth, realization: r, mean_square: s.meanSquare, near_one: s.nearOne, max_deviation: s.maxDeviation, log_spread: s.logSpread, max: s.max, median: s.median });
  });
  return { spectra, summary };
});
