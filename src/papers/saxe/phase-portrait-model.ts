/**
 * One mode of a three-layer linear net in the (a, b) plane (Saxe et al. 2014, Fig. 2): the field
 * τ(ȧ, ḃ) = (b(s − ab), a(s − ab)) has the hyperbola ab = s as its line of fixed points (the two branches are
 * the learned mode with either sign pattern) and the conserved quantity a² − b², so trajectories run along the
 * hyperbolas a² − b² = const until they meet ab = s.
 *
 * GD at rate λ on E = ½(s − ab)² breaks the conservation in a known way:
 *     a' = a + λ b r,  b' = b + λ a r  (r = s − ab)   ⇒   a'² − b'² = (a² − b²)(1 − λ² r²),
 * which makes a sharp check of the library's training path (a 1→1→1 linear mlp trained by `gd`).
 */
import { derivatives } from "../../autodiff/select";
import { integrate } from "../../flows/ode";
import { mlp, type Mlp } from "../../models/mlp";
import type { Dataset } from "../../models/objective";
import { gd } from "../../optim/gd";
import { modeField } from "./analytic";
import { summedSquaredError } from "./objective";
import { trainEnsemble } from "./train";

export interface PlanePath {
  t: number[];
  a: number[];
  b: number[];
}

/** RK4 path of the mode ODE from (a₀, b₀) over [0, duration] in `steps` steps (τ = 1/λ in iterations). */
export function modeOdePath(a0: number, b0: number, s: number, tau: number, duration: number, steps: number, recordEvery = 1): PlanePath {
  const path = integrate(modeField(s, tau), Float64Array.of(a0, b0), duration, steps, "rk4", recordEvery);
  return { t: path.t, a: path.y.map((y) => y[0]), b: path.y.map((y) => y[1]) };
}

/** The scalar net ŷ = x·a·b as a library model and its one-example data set (x = 1, y = s). */
export function scalarModeProblem(s: number): { model: Mlp; data: Dataset } {
  return {
    model: mlp({ widths: [1, 1, 1], activation: "identity", bias: false }),
    data: { X: Float32Array.of(1), Y: Float32Array.of(s), n: 1, d: 1, c: 1 },
  };
}

/** GD paths of the scalar net from several starts, all in one ensemble (tfjs float32 gradients). */
export async function gdModePaths(starts: [number, number][], s: number, lr: number, steps: number): Promise<PlanePath[]> {
  const { model, data } = scalarModeProblem(s);
  const objective = summedSquaredError(model, data);
  try {
    const paths: PlanePath[] = starts.map(() => ({ t: [], a: [], b: [] }));
    await trainEnsemble(
      derivatives(objective),
      starts.map(([a, b]) => Float64Array.of(a, b)),
      starts.map(() => gd(lr)),
      {
        steps,
        observe: (t, i, w) => {
          paths[i].t.push(t);
          paths[i].a.push(w[0]);
          paths[i].b.push(w[1]);
        },
      },
    );
    return paths;
  } finally {
    objective.dispose();
  }
}
