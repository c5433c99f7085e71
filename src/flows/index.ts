/**
 * The three processes behind one signature, so callers loop over them alike:
 *     for (const name of PROCESSES) results[name] = FLOWS[name](problem, options);
 * and `ruleFromSpec` turns a problem file's optimizer into an update rule.
 */
import type { OptimizerSpec } from "../data/problem";
import { gd } from "../optim/gd";
import { rmsprop } from "../optim/rmsprop";
import type { UpdateRule } from "../optim/rule";
import { central } from "./central";
import { discrete } from "./discrete";
import { stable } from "./stable";
import type { FlowOptions, FlowProblem, FlowResult, ProcessName } from "./types";

export * from "./types";
export { central, type CentralOptions, type CentralSubstep } from "./central";
export { discrete } from "./discrete";
export { stable } from "./stable";
export { EigenTracker } from "./tracker";

export const FLOWS: Record<ProcessName, (problem: FlowProblem, options: FlowOptions) => FlowResult> = { discrete, stable, central };

export function ruleFromSpec(spec: OptimizerSpec): UpdateRule {
  switch (spec.name) {
    case "gd":
      return gd(spec.lr);
    case "rmsprop":
      return rmsprop({ lr: spec.lr, beta2: spec.beta2, eps: spec.eps, biasCorrection: spec.bias_correction, scalar: spec.scalar });
  }
}
export * from "./predictions";
