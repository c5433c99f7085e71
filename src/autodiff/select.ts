/**
 * Choosing a derivative engine for an objective:
 *   f64   the fused float64 MLP engine (autodiff/f64): only for supervised MLP objectives (objective.supervised);
 *   tfjs  the generic tfjs engine (float32), for every objective.
 * `auto` (the default) takes f64 for MLP objectives up to F64_MAX_MULTIPLY_ADDS multiply-adds per forward pass,
 * where it is faster, and tfjs above (and for everything that is not an MLP). The environment variable
 * FLOWLAB_ENGINE (f64 | tfjs | auto) overrides the default; an explicit option overrides both.
 */
import { tfDerivatives, type Derivatives, type EngineName } from "./derivatives";
import { f64Derivatives } from "./f64/derivatives";
import type { Objective } from "../models/objective";

export const ENGINE_CHOICES = ["auto", "f64", "tfjs"] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/**
 * Largest forward pass (n · Σ_l in_l·out_l multiply-adds) the f64 engine is chosen for: the largest size the
 * engine-crossover rows of `npm run bench` measure (196-64-64-10 on 1000 digits, 1.7e7), where f64 with its
 * WebAssembly SIMD kernel took 139 ms for a gradient and 5 HVPs against tfjs-wasm's 738 ms (quiet 2-core machine;
 * f64 was 4.4–14× faster at every size there). Beyond it tfjs, which on tfjs-node (native, multi-threaded) may
 * win; re-measure before raising this.
 */
export const F64_MAX_MULTIPLY_ADDS = 2e7;

export interface EngineOptions {
  engine?: EngineChoice;
}

export function parseEngine(value: unknown, field = "engine"): EngineChoice {
  if (typeof value === "string" && (ENGINE_CHOICES as readonly string[]).includes(value)) return value as EngineChoice;
  throw new Error(`${field} must be one of ${ENGINE_CHOICES.join(", ")}; got ${JSON.stringify(value)}`);
}

/** The engine asked for: the option, else FLOWLAB_ENGINE, else auto. */
export function requestedEngine(options: EngineOptions = {}): EngineChoice {
  if (options.engine !== undefined) return parseEngine(options.engine, "engine option");
  const env = process.env.FLOWLAB_ENGINE;
  if (env !== undefined && env !== "") return parseEngine(env, "FLOWLAB_ENGINE");
  return "auto";
}

/** Multiply-adds of one forward pass of a supervised MLP objective, or null when it is not one. */
export function forwardMultiplyAdds(objective: Objective): number | null {
  const s = objective.supervised;
  if (!s) return null;
  const w = s.model.widths;
  let per = 0;
  for (let l = 0; l + 1 < w.length; l++) per += w[l] * w[l + 1];
  return s.data.n * per;
}

/** Which engine `derivatives` will use for this objective. */
export function resolveEngine(objective: Objective, options: EngineOptions = {}): EngineName {
  const choice = requestedEngine(options);
  const size = forwardMultiplyAdds(objective);
  if (choice === "f64") {
    if (size === null) throw new Error("engine f64 needs a supervised MLP objective (built by supervisedObjective); this objective is not one: use tfjs or auto");
    return "f64";
  }
  if (choice === "tfjs") return "tfjs";
  return size !== null && size <= F64_MAX_MULTIPLY_ADDS ? "f64" : "tfjs";
}

/** Derivatives of `objective` on the chosen engine (see the module comment). */
export function derivatives(objective: Objective, options: EngineOptions = {}): Derivatives {
  const engine = resolveEngine(objective, options);
  const s = objective.supervised;
  if (engine === "f64" && s) {
    return f64Derivatives({ widths: s.model.widths, activation: s.model.activation, bias: s.model.bias, loss: s.loss, X: s.data.X, Y: s.data.Y, n: s.data.n });
  }
  return tfDerivatives(objective);
}
