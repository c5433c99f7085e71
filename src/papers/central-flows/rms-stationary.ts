/**
 * Part III: RMSProp's ν converges to the stationary ν̄(w) (central-flows.md §5). At a few checkpoints of the
 * central flow the weights are frozen and the ν-flow is integrated to its fixed point ν̄(w) (nu-flow.ts), from
 * two starts: the flow's own ν(t), and ν = g⊙² (what ν would be without the oscillation). Both reach the same
 * ν̄. Along the trajectory the central flow's (and the optimizer's) ν(t) approaches ν̄(w(t)): after the EMA's
 * memory of the early, larger gradients has faded, RMSProp's preconditioner is a function of the current
 * weights alone — the one that keeps the effective eigenvalues at 2 where the gradient alone would not.
 */
import { claim } from "../../lab/claims";
import { curvesPanel, type Panel, type Series } from "../../plot/panels";
import { sequentialColor } from "../../plot/style";
import { emptyTable, pushRow, where } from "../../lab/tables";
import { panelFigures, taskText } from "./figures";
import { registerExperiment } from "../../lab/registry";
import type { Claim, Experiment, RunContext, Tables } from "../../lab/types";
import type { ComparisonConfig } from "./compare";
import { arrival, cosine, distance, norm } from "./measures";
import { comparisonFromTraces, frozenNuTask, processConfigs, processTraceTask, type FrozenNuConfig } from "./rms-tasks";
import { GAUSSIAN_MLP } from "./setup";
import type { Trace } from "./trace";
import { logRangeWithRoom } from "../../plot/ranges";

export interface RmsStationaryConfig extends ComparisonConfig {
  /** Checkpoints, in steps after the central flow's arrival at the edge. */
  checkpoints: number[];
  /** Euler steps of the frozen ν-flow and their length (in optimizer steps). */
  iterations: number;
  dt: number;
}

const STARTS = ["central flow's ν(t)", "g⊙² (no oscillation)"] as const;

async function run(c: RmsStationaryConfig, ctx: RunContext): Promise<Tables> {
  // Tasks (rms-tasks.ts): the optimizer and the central flow, one each; then one frozen-w ν-flow per
  // checkpoint, started from the central flow's w and state there.
  const parts = await ctx.map(processConfigs(c), processTraceTask);
  const cmp = comparisonFromTraces(c, parts);
  const dis = cmp.traces.discrete as Trace;
  const cen = cmp.traces.central as Trace;
  const a = arrival(cmp.table);
  const at = c.checkpoints.map((d) => a + d).filter((s) => a >= 0 && s < cen.rows.length);
  const frozenAt = (s: number): FrozenNuConfig => {
    const { step, nu, buf } = cen.states[s];
    return { step: s, task: c.task, optimizer: c.optimizer, k: c.k, iterations: c.iterations, dt: c.dt, w: Array.from(cen.ws[s]), state: { step, nu: Array.from(nu), buf: Array.from(buf) } };
  };
  const frozen = await ctx.map(at.map(frozenAt), frozenNuTask);
  const checkpoints = emptyTable(["step", "cos_central", "rel_central", "cos_optimizer", "rel_optimizer", "cos_g2", "starts_gap", "top_eig", "hvps"]);
  const convergence = emptyTable(["step", "start", "iteration", "cos_to_nubar"]);
  const coords = emptyTable(["coordinate", "nu_bar", "nu_central", "nu_optimizer", "g2"]);
  for (const [i, s] of at.entries()) {
    const { g2, nuBar, runs } = frozen[i];
    const state = cen.states[s];
    const [fromFlow, fromGradient] = runs;
    runs.forEach((r, j) => r.history.forEach((h) => pushRow(convergence, { step: s, start: j, iteration: h.iteration, cos_to_nubar: h.cosToFinal })));
    const rel = (v: ArrayLike<number>): number => distance(v, nuBar) / norm(nuBar);
    pushRow(checkpoints, {
      step: s,
      cos_central: cosine(state.nu, nuBar),
      rel_central: rel(state.nu),
      cos_optimizer: cosine(dis.states[s].nu, nuBar),
      rel_optimizer: rel(dis.states[s].nu),
      cos_g2: cosine(g2, nuBar),
      starts_gap: rel(fromFlow.nu),
      top_eig: fromGradient.history[fromGradient.history.length - 1].top,
      hvps: runs[0].hvps + runs[1].hvps,
    });
    if (i === at.length - 1) Array.from(nuBar).forEach((v, p) => pushRow(coords, { coordinate: p, nu_bar: v, nu_central: state.nu[p], nu_optimizer: dis.states[s].nu[p], g2: g2[p] }));
  }
  return { steps: cmp.table, checkpoints, convergence, coords };
}

function allPanels(tables: Tables, c: RmsStationaryConfig): Panel[] {
  const k = tables.checkpoints;
  const cv = tables.convergence;
  const co = tables.coords;
  const steps = k ? [...new Set(k.step)] : [];
  const panels: Panel[] = [];
  if (k) {
    panels.push(
      {
        ...curvesPanel({
        title: "(a) cos∠(ν, ν̄(w)) along the run",
        xTitle: "step",
        yTitle: "cosine similarity",
        series: [
          { name: "central flow ν(t)", x: k.step, y: k.cos_central, process: "central", mode: "lines+markers" },
          { name: "RMSProp νₜ", x: k.step, y: k.cos_optimizer, process: "discrete", mode: "lines+markers" },
          { name: "g⊙² (no oscillation)", x: k.step, y: k.cos_g2, process: "stable", mode: "lines+markers" },
        ],
        // From 0: g⊙² falls from the top left, so the bottom left is empty for the legend.
        yRange: [0, 1.03],
        }),
        legend: "bottom left",
      },
    );
  }
  if (cv) {
    panels.push(
      {
        ...curvesPanel({
        title: "(b) frozen-w ν-flow to ν̄",
        xTitle: `iteration (dt = ${c.dt} steps)`,
        yTitle: "1 − cos∠(ν, ν̄)",
        logY: true,
        series: [
          // One colour per checkpoint (named once, by its solid curve); the dash says which start.
          ...steps.flatMap((s, i): Series[] =>
            STARTS.map((_, j) => {
              const r = where(cv, { step: s, start: j });
              return { name: `step ${s}`, x: r.iteration, y: r.cos_to_nubar.map((x) => Math.max(1 - x, 1e-16)), color: sequentialColor(i, steps.length + 1), dash: j === 0 ? "solid" : "dash", showlegend: j === 0 };
            }),
          ),
          ...STARTS.map((name, j): Series => ({ name: `from ${name.replace(" (no oscillation)", "")}`, x: [NaN], y: [NaN], color: "#4D4D4D", dash: j === 0 ? "solid" : "dash" })),
        ],
        // The log axis reaches below the data so the five-entry legend sits under every curve.
        yRange: logRangeWithRoom(cv.cos_to_nubar.map((x) => Math.max(1 - x, 1e-16)), { below: 1.5, minSpan: 1 }),
        }),
        legend: "bottom left",
      },
    );
  }
  if (co) {
    const f = co.nu_bar.filter((v) => v > 0);
    const diag: Series = { name: "y = x", x: [Math.min(...f), Math.max(...f)], y: [Math.min(...f), Math.max(...f)], color: "#999999", dash: "dash" };
    const coords = curvesPanel({
        title: `(c) step ${steps[steps.length - 1] ?? ""}: νᵢ against ν̄ᵢ(w)`,
        xTitle: "ν̄ᵢ(w)",
        yTitle: "νᵢ",
        logX: true,
        logY: true,
        series: [
          { name: "central flow νᵢ", x: co.nu_bar, y: co.nu_central, mode: "markers", process: "central" },
          { name: "gᵢ²", x: co.nu_bar, y: co.g2, mode: "markers", process: "stable", opacity: 0.5 },
          diag,
        ],
        // Room below the lowest gᵢ² for the legend (the points fill the triangle under y = x).
        yRange: logRangeWithRoom([...co.nu_central, ...co.g2], { below: 0.5, minSpan: 1 }),
      });
    // Two decades per tick keep the labels level.
    panels.push({ ...coords, xaxis: { ...coords.xaxis, dtick: 2 }, legend: "bottom right" });
  }
  return panels;
}

function claims(tables: Tables, c: RmsStationaryConfig): Claim[] {
  const k = tables.checkpoints;
  const max = (xs: number[]): number => (xs.length ? Math.max(...xs) : NaN);
  const at = `checkpoints ${k.step.join(", ")}`;
  return [
    claim("unique-fixed-point", `the frozen ν-flow reaches the same ν̄ from ν(t) and from g⊙² (${c.iterations}×dt=${c.dt}): max ‖ν̄₁ − ν̄₂‖/‖ν̄₁‖`, max(k.starts_gap), "<=", 1e-2),
    claim("fixed-point-at-edge", "at ν̄ the top effective eigenvalue is 2: max |λ₁ − 2|", max(k.top_eig.map((x) => Math.abs(x - 2))), "<=", 1e-2),
    claim("central-nu-converges", `${at}: the central flow's ν(t) approaches ν̄(w(t)): cos∠ at the last checkpoint`, k.cos_central[k.cos_central.length - 1], ">=", 0.95),
    claim("central-nu-converges-monotone", "… and cos∠(ν(t), ν̄(w(t))) grows from checkpoint to checkpoint: decreases", k.cos_central.slice(1).filter((x, i) => !(x > k.cos_central[i])).length, "<=", 0),
    claim("optimizer-nu-converges", `${at}: RMSProp's own ν_t: cos∠(ν_t, ν̄(w(t))) at the last checkpoint`, k.cos_optimizer[k.cos_optimizer.length - 1], ">=", 0.95),
    claim("not-the-gradient", `ν̄ is not g⊙² (the oscillation's share grows along the run): cos∠(g⊙², ν̄) at the last checkpoint`, k.cos_g2[k.cos_g2.length - 1], "<=", 0.9),
  ];
}

const RMSPROP = { name: "rmsprop" as const, lr: 1e-3, beta2: 0.99, eps: 1e-8, biasCorrection: true };
const BASE = { task: GAUSSIAN_MLP, k: 4, processes: ["discrete" as const, "central" as const], output: null, chunk: 25 };

export const cfRmsStationary: Experiment<RmsStationaryConfig> = registerExperiment<RmsStationaryConfig>({
  id: "central-flows-rmsprop-stationary",
  quickClaims: "reported",
  title: "RMSProp: ν converges to the stationary ν̄(w) (frozen-w ν-flow at checkpoints: cosine similarity and coordinates)",
  paper: "Cohen, Damian et al. 2024 (central flows), Part III: convergence of ν to the stationary ν̄",
  configs: {
    quick: { ...BASE, optimizer: { ...RMSPROP, lr: 2e-3 }, steps: 150, checkpoints: [20, 45], iterations: 50, dt: 10 },
    full: { ...BASE, optimizer: RMSPROP, steps: 600, checkpoints: [50, 150, 250], iterations: 100, dt: 10 },
  },
  run,
  runsTasks: true,
  figures: panelFigures(allPanels, [
    { id: "central-flows-rmsprop-stationary", paperFigure: "Cohen, Damian et al. 2024 (central flows), Part III: convergence of ν to the stationary ν̄", title: "RMSProp's ν approaches the stationary ν̄(w)", size: "text", pick: [0, 1, 2],
      caption: (c) => `RMSProp (${JSON.stringify(c.optimizer).replace(/[{}"]/g, "").replace(/,/g, ", ")}) on ${taskText(c.task)}; ν̄(w) is the fixed point of the ν-flow at frozen w, computed at steps ${c.checkpoints.join(", ")} (${c.iterations} iterations of dt = ${c.dt}). (a) cosine between ν and ν̄(w); (b) 1 − cos∠ between the frozen-w ν-flow and its end point ν̄(w), from the central flow's ν (solid) and from g⊙² (dashed): both starts reach the same ν̄ (the fall to round-off at the last iteration is by construction); (c) coordinates of ν against ν̄ at the last checkpoint. Only three checkpoints: each needs its own frozen-w flow.` },
  ]),
  claims,
});
