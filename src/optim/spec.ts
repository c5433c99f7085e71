/**
 * The one optimizer spec: a plain JSON-able description of an update rule, validated in one place and turned
 * into a rule by one builder. Problem files (data/problem.ts), the CLI and every experiment config use it.
 *
 *   { name: "gd", lr }                                            w' = w − ηg
 *   { name: "heavy_ball" | "nesterov", lr, beta }                 momentum GD (discrete only)
 *   { name: "rmsprop" | "scalar_rmsprop", lr, beta2, eps, biasCorrection }
 *
 * Each may add `precision: "float32"`: the discrete optimizer then stores its iterate and state in float32 between
 * steps, as float32 training does (storedInFloat32 in rule.ts says why that matters at the edge of stability);
 * the default is float64. The flows never step the rule, so it only changes discrete runs.
 *
 * Ranges: lr finite and > 0; beta in [0, 1); beta2 in (0, 1) (β₂ = 0 makes the flows' state ODE
 * dν/dt = (1 − β₂)/β₂ (E[g²] − ν) infinitely stiff); eps finite and ≥ 0.
 */
import { gd, momentum } from "./gd";
import { rmsprop } from "./rmsprop";
import { PRECISIONS, storedInFloat32, type Precision, type UpdateRule } from "./rule";

export const OPTIMIZERS = ["gd", "heavy_ball", "nesterov", "rmsprop", "scalar_rmsprop"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export type OptimizerSpec = (
  | { name: "gd"; lr: number }
  | { name: "heavy_ball" | "nesterov"; lr: number; beta: number }
  | { name: "rmsprop" | "scalar_rmsprop"; lr: number; beta2: number; eps: number; biasCorrection: boolean }
) & { precision?: Precision };

/** The fields each optimizer takes, in order (the last, precision, is optional). */
export const OPTIMIZER_FIELDS: Record<OptimizerName, readonly string[]> = {
  gd: ["name", "lr", "precision"],
  heavy_ball: ["name", "lr", "beta", "precision"],
  nesterov: ["name", "lr", "beta", "precision"],
  rmsprop: ["name", "lr", "beta2", "eps", "biasCorrection", "precision"],
  scalar_rmsprop: ["name", "lr", "beta2", "eps", "biasCorrection", "precision"],
};

/** How a value prints in an error: Infinity and NaN by name (JSON.stringify would say null). */
export function showValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * Where a field lives, for messages: `field("beta2")` → e.g. `x.json: field "optimizer.beta2"`. The default
 * names the argument of an API call.
 */
export type FieldNamer = (field?: string) => string;

const apiField: FieldNamer = (f) => (f ? `optimizer.${f}` : "optimizer");

/**
 * Checks a spec's ranges and types; throws an Error naming the field, the allowed range and the value.
 * Fields are read by their spec names (camelCase); `field` renames them for messages (a problem file says
 * `"optimizer.bias_correction"`).
 */
export function validateOptimizerSpec(spec: unknown, field: FieldNamer = apiField): OptimizerSpec {
  const fail = (f: string, what: string, got: unknown): never => {
    throw new Error(`${field(f)} must be ${what}, got ${showValue(got)}`);
  };
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new Error(`${field()} must be an object, got ${showValue(spec)}`);
  }
  const o = spec as Record<string, unknown>;
  const name = o.name;
  if (typeof name !== "string" || !(OPTIMIZERS as readonly string[]).includes(name)) fail("name", `one of ${OPTIMIZERS.join(", ")}`, name);
  const num = (f: string, ok: (x: number) => boolean, what: string): number => {
    const v = o[f];
    if (typeof v !== "number" || !ok(v)) fail(f, what, v);
    return v as number;
  };
  const lr = num("lr", (x) => Number.isFinite(x) && x > 0, "a finite number > 0");
  if (o.precision !== undefined && !(PRECISIONS as readonly unknown[]).includes(o.precision)) fail("precision", `one of ${PRECISIONS.join(", ")}`, o.precision);
  const precision = o.precision === undefined ? {} : { precision: o.precision as Precision };
  switch (name as OptimizerName) {
    case "gd":
      return { name: "gd", lr, ...precision };
    case "heavy_ball":
    case "nesterov":
      return { name: name as "heavy_ball" | "nesterov", lr, beta: num("beta", (x) => x >= 0 && x < 1, "in [0, 1)"), ...precision };
    case "rmsprop":
    case "scalar_rmsprop": {
      const beta2 = num("beta2", (x) => x > 0 && x < 1, "in (0, 1)");
      const eps = num("eps", (x) => Number.isFinite(x) && x >= 0, "a finite number ≥ 0");
      if (typeof o.biasCorrection !== "boolean") fail("biasCorrection", "true or false", o.biasCorrection);
      return { name: name as "rmsprop" | "scalar_rmsprop", lr, beta2, eps, biasCorrection: o.biasCorrection as boolean, ...precision };
    }
  }
}

/** The update rule a spec describes (validated first). */
export function ruleFromSpec(spec: OptimizerSpec, field?: FieldNamer): UpdateRule {
  const s = validateOptimizerSpec(spec, field);
  const rule = baseRule(s);
  return s.precision === "float32" ? storedInFloat32(rule) : rule;
}

function baseRule(s: OptimizerSpec): UpdateRule {
  switch (s.name) {
    case "gd":
      return gd(s.lr);
    case "heavy_ball":
    case "nesterov":
      return momentum(s.lr, s.beta, s.name);
    case "rmsprop":
    case "scalar_rmsprop":
      return rmsprop({ lr: s.lr, beta2: s.beta2, eps: s.eps, biasCorrection: s.biasCorrection, scalar: s.name === "scalar_rmsprop" });
  }
}
