/**
 * Claims shared by the training experiments, each an aggregate over runs (the worst run decides):
 *   sharpening   S rises before reaching the edge: max S (before the crossing) ÷ S₀ in each group's run with the
 *                smallest η (the largest threshold: the most room to rise), min over groups
 *   reach        every run that should reach its threshold does (count of those that did not)
 *   band         after its first crossing, S stays within [lo, hi]·θ: min over runs of the fraction of measurements
 *   non-monotone the loss goes up at a share of the steps after the crossing, in most runs (the fraction of runs
 *                where it does: a run can settle just below the edge, with a monotone loss)
 *   lower-at-end yet it ends lower than at the crossing: max over runs of L_end ÷ L_cross
 */
import { claim } from "../../lab/claims";
import type { Claim } from "../../lab/types";
import type { RunSummary } from "./runs";

const minOf = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b))));
const maxOf = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))));

export interface EdgeClaimOptions {
  /** The sharpening ratio every run must exceed. */
  sharpening: number;
  band: [number, number];
  /** Fraction of post-crossing measurements inside the band. */
  inBand: number;
  /** Fraction of post-crossing steps where the loss rose… */
  upSteps: number;
  /** …in at least this fraction of the runs. */
  nonMonotoneRuns: number;
  /** Name of the threshold in statements, "2/η" for GD. */
  thresholdName?: string;
  /** Steps after the crossing left out of the band (as in the summaries). */
  settle?: number;
}

export function edgeClaims(runs: RunSummary[], o: EdgeClaimOptions): Claim[] {
  const th = o.thresholdName ?? "2/η";
  const crossed = runs.filter((r) => Number.isFinite(r.crossStep));
  const slowest = [...new Set(runs.map((r) => r.group))].map((g) => runs.filter((r) => r.group === g).reduce((a, b) => (b.eta < a.eta ? b : a)));
  return [
    claim(
      "progressive-sharpening",
      `sharpness rises before reaching ${th}: max S (up to the crossing) ÷ S₀ at each group's smallest η, min over ${slowest.length} groups`,
      minOf(slowest.map((r) => r.sharpening)),
      ">=",
      o.sharpening,
    ),
    claim("reaches-threshold", `every run's sharpness reaches ${th}: runs that never did, of ${runs.length}`, runs.length - crossed.length, "<=", 0),
    claim(
      "hovers-at-edge",
      `after first reaching ${th}${o.settle ? ` (and ${o.settle} steps of overshoot)` : ""}, S stays in [${o.band[0]}, ${o.band[1]}]·${th}: min over runs of the fraction of measurements`,
      minOf(crossed.map((r) => r.inBand)),
      ">=",
      o.inBand,
    ),
    claim(
      "loss-non-monotone",
      `after the crossing the loss goes up at ≥ ${100 * o.upSteps}% of the steps: fraction of runs where it does`,
      crossed.length > 0 ? crossed.filter((r) => r.upSteps >= o.upSteps).length / crossed.length : NaN,
      ">=",
      o.nonMonotoneRuns,
    ),
    claim(
      "loss-lower-at-end",
      "…yet it ends lower than at the crossing: max over runs of L(end) ÷ L(crossing)",
      maxOf(crossed.map((r) => r.lossFinal / r.lossAtCross)),
      "<",
      1,
    ),
  ];
}
