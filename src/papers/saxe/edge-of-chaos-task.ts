/**
 * The task of saxe-edge-of-chaos: one realization (weights and input drawn from its seed), its Jacobian
 * spectrum at every gain. The gains share the realization's weights by design (spectra across g are then
 * comparable), and drawing the D orthogonal matrices costs about as much as two gains, so a realization, not a
 * gain, is the unit.
 */
import { defineTask } from "../../lab/task";
import type { Table } from "../../lab/types";
import { emptyTable, pushRow } from "../../lab/tables";
import { tanhJacobianSpectra } from "./edge-of-chaos-model";
import { summarizeSpectrum } from "./random-products-model";

export interface EdgeOfChaosTaskConfig {
  n: number;
  depth: number;
  gains: number[];
  /** Gains whose full spectra are returned. */
  shownGains: number[];
  /** Realization index r (a table column) and its seed. */
  realization: number;
  seed: number;
  inputStd: number;
}

/** Mean |ln σ|: 0 exactly for an orthogonal Jacobian. */
export function isometryDefect(sv: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < sv.length; i++) s += Math.abs(Math.log(Math.max(sv[i], 1e-300)));
  return s / sv.length;
}

/** One realization's rows of the tables spectra (shown gains), summary and activity. */
export const edgeOfChaosTask = defineTask<EdgeOfChaosTaskConfig, { spectra: Table; summary: Table; activity: Table }>("saxe.edge-of-chaos", (c) => {
  const spectra = emptyTable(["gain", "realization", "sigma"]);
  const summary = emptyTable(["gain", "realization", "defect", "median", "log_spread", "max"]);
  const activity = emptyTable(["gain", "realization", "layer", "rms"]);
  const r = c.realization;
  for (const res of tanhJacobianSpectra(c.n, c.depth, c.gains, c.seed, c.inputStd)) {
    const { gain } = res;
    if (c.shownGains.includes(gain)) res.singularValues.forEach((sigma) => pushRow(spectra, { gain, realization: r, sigma }));
    const s = summarizeSpectrum(res.singularValues);
    pushRow(summary, { gain, realization: r, defect: isometryDefect(res.singularValues), median: s.median, log_spread: s.logSpread, max: s.max });
    res.activity.forEach((rms, layer) => pushRow(activity, { gain, realization: r, layer, rms }));
  }
  return { spectra, summary, activity };
});
