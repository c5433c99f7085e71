/**
 * The `Derivatives` interface on the float64 MLP engine. Counters count as the tfjs engine's do: losses, gradients,
 * HVPs and third vectors per vector, and one `call` per batched request (here a request is plain TypeScript, no
 * tfjs dispatch, so a call costs only its arithmetic).
 */
import { newCounters, type Derivatives, type Vec } from "../derivatives";
import { MlpEngine, type MlpLossProblem } from "./mlp";

function asF64(v: Vec): Float64Array {
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

export function f64Derivatives(problem: MlpLossProblem): Derivatives {
  const engine = new MlpEngine(problem);
  const counters = newCounters();
  const dim = engine.dim;
  const lossMany = (ws: Vec[]): Float64Array => {
    counters.losses += ws.length;
    counters.calls++;
    return Float64Array.from(ws, (w) => engine.loss(asF64(w)));
  };
  const gradMany = (ws: Vec[]): { losses: Float64Array; grads: Vec[] } => {
    counters.gradients += ws.length;
    counters.calls++;
    const losses = new Float64Array(ws.length);
    const grads = ws.map((w, i) => {
      const r = engine.lossAndGrad(asF64(w));
      losses[i] = r.loss;
      return r.grad;
    });
    return { losses, grads };
  };
  return {
    dim,
    counters,
    engine: "f64",
    dtype: "float64",
    loss: (w) => lossMany([w])[0],
    lossMany,
    lossAndGrad: (w) => {
      const { losses, grads } = gradMany([w]);
      return { loss: losses[0], grad: grads[0] };
    },
    gradMany,
    hvp: (w, vs) => {
      if (vs.length === 0) return [];
      counters.hvps += vs.length;
      counters.calls++;
      return engine.hvp(asF64(w), vs.map(asF64));
    },
    gradAndHvp: (w, vs) => {
      counters.gradients++;
      counters.hvps += vs.length;
      counters.calls++;
      const { loss, grad } = engine.lossAndGrad(asF64(w));
      return { loss, grad, hvps: vs.length === 0 ? [] : engine.hvp(asF64(w), vs.map(asF64)) };
    },
    third: (w, us, vs) => {
      if (us.length !== vs.length) throw new Error(`third(): ${us.length} u vectors but ${vs.length} v vectors`);
      if (us.length === 0) return [];
      counters.thirds += us.length;
      counters.calls++;
      return engine.third(asF64(w), us.map(asF64), vs.map(asF64));
    },
  };
}
