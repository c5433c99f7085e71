/**
 * Fixed-step integrators for autonomous ODEs dy/dt = f(y) on host float64 vectors.
 *   Euler:  y' = y + dt f(y)                                   (local error O(dt²))
 *   RK4:    y' = y + dt (k1 + 2k2 + 2k3 + k4)/6,                (local error O(dt⁵))
 *           k1 = f(y), k2 = f(y + dt k1/2), k3 = f(y + dt k2/2), k4 = f(y + dt k3)
 * RK4 is exact (to rounding) for a constant field, which is what makes "GD = gradient flow inside a corridor"
 * checkable to float precision.
 */
import { addScaled, type Vec } from "../linalg/vec";

export type { Vec };

/** The right-hand side f(y) of dy/dt = f(y). */
export type VectorField = (y: Vec) => Vec;

export function eulerStep(f: VectorField, y: Vec, dt: number): Vec {
  return addScaled(y, dt, f(y));
}

export function rk4Step(f: VectorField, y: Vec, dt: number): Vec {
  const k1 = f(y);
  const k2 = f(addScaled(y, dt / 2, k1));
  const k3 = f(addScaled(y, dt / 2, k2));
  const k4 = f(addScaled(y, dt, k3));
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i] + (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return out;
}

export type OdeMethod = "euler" | "rk4";

export interface OdePath {
  /** Times of the recorded states, t[0] = 0. */
  t: number[];
  /** States at those times (y[0] = y0). */
  y: Vec[];
}

/**
 * Integrates from y0 over [0, duration] in `steps` equal steps, recording every `recordEvery`-th state
 * (and always the first and last).
 */
export function integrate(f: VectorField, y0: Vec, duration: number, steps: number, method: OdeMethod = "rk4", recordEvery = 1): OdePath {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`steps must be a positive integer, got ${steps}`);
  if (!(Number.isFinite(duration) && duration >= 0)) throw new Error(`duration must be a non-negative finite number, got ${duration}`);
  if (!(Number.isInteger(recordEvery) && recordEvery >= 1)) throw new Error(`recordEvery must be a positive integer, got ${recordEvery}`);
  const dt = duration / steps;
  const step = method === "rk4" ? rk4Step : eulerStep;
  const path: OdePath = { t: [0], y: [Float64Array.from(y0)] };
  let y = Float64Array.from(y0);
  for (let n = 1; n <= steps; n++) {
    y = step(f, y, dt);
    if (n % recordEvery === 0 || n === steps) {
      path.t.push(n * dt);
      path.y.push(y);
    }
  }
  return path;
}
