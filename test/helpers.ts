/** Shared test utilities: backend setup once per file, float64 finite differences, tolerant comparisons. */
import assert from "node:assert/strict";
import { initBackend } from "../src/runtime";

export async function setup(): Promise<void> {
  await initBackend();
}

/** Relative error ‖a − b‖ / max(‖b‖, floor). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  assert.equal(a.length, b.length, "length mismatch");
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), floor);
}

export function assertClose(actual: number, expected: number, rtol: number, atol = 0, what = "value"): void {
  const tol = atol + rtol * Math.abs(expected);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);
}

/** Central finite difference of a float64 function along v: (f(x + hv) − f(x − hv)) / 2h. */
export function fdDirectional(f: (x: Float64Array) => number, x: Float64Array, v: Float64Array, h = 1e-5): number {
  const xp = x.map((xi, i) => xi + h * v[i]);
  const xm = x.map((xi, i) => xi - h * v[i]);
  return (f(xp) - f(xm)) / (2 * h);
}
