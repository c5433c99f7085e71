/**
 * A 2-D loss with a straight corridor you can see (our construction; the paper's toy is not known to us):
 *
 *     E(x, y) = s·x + k·(−x)₊³ + e₀  +  (a/2)·[w(y − ω) + w(−y − ω)],     w(u) = u₊³ / (δ + u₊).
 *
 *  - The band |y| ≤ ω, x ≥ 0 is a corridor: E = s·x + e₀ is linear there, so H = 0 and H g = 0 exactly;
 *    gradient flow runs straight along −x at speed s and the loss falls linearly at rate s².
 *  - For x < 0 the cubic bends the corridor's floor into a bowl with minimum value 0 at
 *    x* = −√(s/3k) (e₀ = ⅔·s·√(s/3k)): the corridor ends in a valley of minima.
 *  - Outside the band the wall w is C² (w ~ u³/δ at the edge, ~u² far away, so the curvature across
 *    the band rises from 0 to a): gradient-flow paths curve towards the band, H g ≠ 0 there.
 * Every piece is C², so H is defined everywhere (its derivative jumps on the band's edges and at x = 0).
 */
import { tf } from "../../backend";
import { columns, vec2, type Sym2, type Toy2D, type Vec } from "./toy";

export interface CorridorToySpec {
  /** Slope s along the corridor (the gradient there is (s, 0)). */
  slope: number;
  /** Cubic coefficient k of the bowl that ends the corridor at x = 0. */
  bowl: number;
  /** Curvature a of the walls far from the band. */
  wall: number;
  /** Half-width ω of the band. */
  halfWidth: number;
  /** Softness δ of the wall's onset. */
  softness: number;
}

export const DEFAULT_CORRIDOR: CorridorToySpec = { slope: 1, bowl: 1 / 3, wall: 4, halfWidth: 1, softness: 1 };

/** w(u) = u₊³/(δ + u₊) and its first two derivatives (all 0 for u ≤ 0). */
function wall(u: number, d: number): [number, number, number] {
  if (u <= 0) return [0, 0, 0];
  const q = d + u;
  return [(u * u * u) / q, (3 * d * u * u + 2 * u * u * u) / (q * q), (6 * d * d * u + 6 * d * u * u + 2 * u * u * u) / (q * q * q)];
}

export interface CorridorToy extends Toy2D {
  readonly spec: CorridorToySpec;
  /** Minimizer's x (the valley of minima is x = xMin, |y| ≤ ω + any y where the wall is 0). */
  readonly xMin: number;
  /** True in the corridor |y| ≤ ω, x ≥ 0, where H = 0. */
  inCorridor(p: Vec): boolean;
}

export function corridorToy(spec: CorridorToySpec = DEFAULT_CORRIDOR): CorridorToy {
  const { slope: s, bowl: k, wall: a, halfWidth: om, softness: d } = spec;
  for (const [name, v] of Object.entries(spec)) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`corridor toy: ${name} must be positive, got ${v}`);
  }
  const r = Math.sqrt(s / (3 * k));
  const e0 = (2 / 3) * s * r;
  return {
    name: "corridor",
    spec,
    xMin: -r,
    inCorridor: (p) => p[0] >= 0 && Math.abs(p[1]) <= om,
    value: (p) => {
      const m = Math.max(-p[0], 0);
      return s * p[0] + k * m * m * m + e0 + (a / 2) * (wall(p[1] - om, d)[0] + wall(-p[1] - om, d)[0]);
    },
    grad: (p) => {
      const m = Math.max(-p[0], 0);
      return vec2(s - 3 * k * m * m, (a / 2) * (wall(p[1] - om, d)[1] - wall(-p[1] - om, d)[1]));
    },
    hessian: (p): Sym2 => {
      const m = Math.max(-p[0], 0);
      return { xx: 6 * k * m, xy: 0, yy: (a / 2) * (wall(p[1] - om, d)[2] + wall(-p[1] - om, d)[2]) };
    },
    tfValues: (W) => {
      const [x, y] = columns(W);
      const cube = (t: tf.Tensor): tf.Tensor => tf.mul(t, tf.mul(t, t));
      const w = (u: tf.Tensor): tf.Tensor => {
        const up = tf.relu(u);
        return tf.div(cube(up), tf.add(up, d));
      };
      const along = tf.add(tf.add(tf.mul(x, s), tf.mul(cube(tf.relu(tf.neg(x))), k)), e0);
      const across = tf.mul(tf.add(w(tf.sub(y, om)), w(tf.sub(tf.neg(y), om))), a / 2);
      return tf.add(along, across) as tf.Tensor1D;
    },
  };
}
