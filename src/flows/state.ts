/** Arithmetic on plain optimizer states, for Euler steps of the flows and midpoint averages. */
import type { OptState } from "../optim/rule";

/** s + dt·ds (ds from `UpdateRule.stateRate`; null means the state does not move). */
export function eulerState(s: OptState, ds: OptState | null, dt: number): OptState {
  if (!ds) return s;
  return {
    step: s.step + dt * ds.step,
    nu: ds.nu.length === s.nu.length ? s.nu.map((v, i) => v + dt * ds.nu[i]) : s.nu,
    buf: ds.buf.length === s.buf.length ? s.buf.map((v, i) => v + dt * ds.buf[i]) : s.buf,
  };
}

/** (a + b)/2, with an empty buffer on one side taking the other's. */
export function averageState(a: OptState, b: OptState): OptState {
  const avg = (x: Float64Array, y: Float64Array): Float64Array =>
    x.length === 0 ? y : y.length === 0 ? x : x.map((v, i) => 0.5 * (v + y[i]));
  return { step: 0.5 * (a.step + b.step), nu: avg(a.nu, b.nu), buf: avg(a.buf, b.buf) };
}
