/**
 * The tasks of eos-flow-vs-gd: GD and the RK4 gradient flow from the same initialization are independent runs,
 * one task each. Both record their weights every `tick` GD steps (time ηt), where the experiment measures the
 * distance between them. Nothing here draws.
 */
import type { Vec } from "../../autodiff/derivatives";
import { defineTask } from "../../lab/task";
import type { TaskContext } from "../../lab/types";
import { GradientFlow } from "./flow";
import { buildProblem, type DataConfig, type NetConfig } from "./problem";
import { SharpnessTracker } from "./sharpness";
import { DivergenceError, measureOrDiverge } from "./train";

/** What both runs share: the problem, the step size (GD's step, the flow's time per step) and the tick. */
export interface FlowVsGdRunConfig {
  data: DataConfig;
  net: NetConfig;
  eta: number;
  /** GD steps; the flow runs to time η·steps. */
  steps: number;
  /** GD steps between measurements (and flow sharpness updates). */
  tick: number;
  eigTol: number;
}

/** The gradient flow's config: the shared fields and its RK4 step, in units of 1/S. */
export interface GradientFlowRunConfig extends FlowVsGdRunConfig {
  alpha: number;
}

/** GD: its loss at every step and, at every tick, its sharpness, loss and weights. */
export interface GdRun {
  step: number[];
  time: number[];
  loss: number[];
  ticks: { sharpness: number[]; loss: number[]; ws: Vec[] };
}

/** The gradient flow at every tick (GD step t): time, sharpness, loss, weights and RK4 steps taken so far. */
export interface FlowRun {
  time: number[];
  sharpness: number[];
  loss: number[];
  rkSteps: number[];
  ws: Vec[];
}

/** Throws unless `tick` is a positive integer dividing `steps`. */
export function checkTick(c: FlowVsGdRunConfig): void {
  if (!Number.isInteger(c.tick) || c.tick < 1 || c.steps % c.tick !== 0) throw new Error(`tick must be a positive integer dividing steps (${c.steps}), got ${c.tick}`);
}

export const gdRunTask = defineTask<FlowVsGdRunConfig, GdRun>("eos.flow-vs-gd.gd", async (c: FlowVsGdRunConfig, ctx: TaskContext) => {
  checkTick(c);
  const problem = buildProblem({ data: c.data, net: c.net, loss: "half_sse" });
  const { D } = problem;
  const out: GdRun = { step: [], time: [], loss: [], ticks: { sharpness: [], loss: [], ws: [] } };
  const tracker = new SharpnessTracker(D, { tol: c.eigTol, seed: 0 });
  let w = Float64Array.from(problem.w0);
  const bar = ctx.progress(`GD (η = ${c.eta})`, c.steps);
  try {
    for (let t = 0; t <= c.steps; t++) {
      const { loss, grad } = D.lossAndGrad(w);
      if (!Number.isFinite(loss)) throw new DivergenceError(`GD (η = ${c.eta})`, t, "loss", loss);
      out.step.push(t);
      out.time.push(c.eta * t);
      out.loss.push(loss);
      if (t % c.tick === 0) {
        const s = measureOrDiverge(tracker, w, `GD (η = ${c.eta})`, t);
        out.ticks.sharpness.push(s);
        out.ticks.loss.push(loss);
        out.ticks.ws.push(w);
        bar.update(t, `S ${s.toFixed(2)}`);
        await ctx.live({});
      }
      if (t < c.steps) w = w.map((wi, i) => wi - c.eta * grad[i]);
    }
  } finally {
    problem.dispose();
  }
  bar.finish();
  return out;
});

export const gradientFlowRunTask = defineTask<GradientFlowRunConfig, FlowRun>("eos.flow-vs-gd.flow", async (c: GradientFlowRunConfig, ctx: TaskContext) => {
  checkTick(c);
  const problem = buildProblem({ data: c.data, net: c.net, loss: "half_sse" });
  const { D } = problem;
  const out: FlowRun = { time: [], sharpness: [], loss: [], rkSteps: [], ws: [] };
  const tracker = new SharpnessTracker(D, { tol: c.eigTol, seed: 1 });
  const flow = new GradientFlow(D, problem.w0, { alpha: c.alpha });
  const bar = ctx.progress("gradient flow", c.steps);
  try {
    for (let t = 0; t <= c.steps; t += c.tick) {
      const s = measureOrDiverge(tracker, flow.w, "gradient flow", t);
      out.time.push(flow.time);
      out.sharpness.push(s);
      out.loss.push(D.loss(flow.w));
      out.ws.push(Float64Array.from(flow.w));
      out.rkSteps.push(flow.rkSteps);
      if (t < c.steps) flow.advance(c.eta * c.tick, s);
      bar.update(t, `S ${s.toFixed(2)}, RK4 steps ${flow.rkSteps}`);
      await ctx.live({});
    }
  } finally {
    problem.dispose();
  }
  bar.finish();
  return out;
});
