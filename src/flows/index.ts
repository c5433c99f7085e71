/**
 * The three processes behind one signature, so callers loop over them alike:
 *     for (const name of PROCESSES) results[name] = FLOWS[name](problem, options);
 * (`ruleFromSpec`, re-exported from src/optim/spec, turns an optimizer spec into an update rule).
 */
import { central } from "./central";
import { discrete } from "./discrete";
import { stable } from "./stable";
import type { FlowOptions, FlowProblem, FlowResult, ProcessName } from "./types";

export * from "./types";
export { central, type CentralOptions, type CentralSubstep } from "./central";
export { discrete } from "./discrete";
export { stable } from "./stable";
export { EigenTracker } from "../curvature/tracker";

export const FLOWS: Record<ProcessName, (problem: FlowProblem, options: FlowOptions) => FlowResult> = { discrete, stable, central };

export { ruleFromSpec, validateOptimizerSpec, type OptimizerSpec } from "../optim/spec";
export * from "./predictions";
