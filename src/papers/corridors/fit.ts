/** Least-squares fits used by the claims: a line y ≈ slope·x + intercept with its R², and log-log slopes. */

export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination 1 − SS_res/SS_tot (1 when y is constant and fitted exactly). */
  r2: number;
}

export function lineFit(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  if (n !== y.length || n < 2) throw new Error(`lineFit needs two equal-length series of ≥ 2 points, got ${n} and ${y.length}`);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0) throw new Error("lineFit: x is constant");
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (let i = 0; i < n; i++) ssRes += (y[i] - slope * x[i] - intercept) ** 2;
  return { slope, intercept, r2: syy === 0 ? (ssRes === 0 ? 1 : 0) : 1 - ssRes / syy };
}

/** Slope of log y against log x (the exponent p of y ∝ xᵖ). */
export function logLogSlope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return lineFit(Array.from(x, Math.log), Array.from(y, Math.log)).slope;
}
