/**
 * The three processes behind one signature, so callers loop over them alike:
 *     for (const name of PROCESSES) results[name] = FLOWS[name](problem, options);
 * (`ruleFromSpec`, re-exported from src/optim/spec, turns an optimizer spec into an update rule).
 */
import { CENTRAL, central } from "./central";
import { DISCRETE, discrete } from "./discrete";
import { STABLE, stable } from "./stable";
import type { FlowOptions, FlowProblem, FlowProcess, FlowResult, ProcessName } from "./types";

export * from "./types";
export { central, centralInit, centralStep, CENTRAL, type CentralOptions, type CentralSubstep } from "./central";
export { discrete, discreteInit, discreteStep, DISCRETE } from "./discrete";
export { stable, stableInit, stableStep, STABLE } from "./stable";
export { advance, flowResult, runFlow, type StepCallback } from "./run";
export { EigenTracker } from "../curvature/tracker";

export const FLOWS: Record<ProcessName, (problem: FlowProblem, options: FlowOptions) => FlowResult> = { discrete, stable, central };

/** The same processes as step functions (init/step over a carry), for chunked and branched runs. */
export const PROCESS_STEPS: Record<ProcessName, FlowProcess> = { discrete: DISCRETE, stable: STABLE, central: CENTRAL };

export { ruleFromSpec, validateOptimizerSpec, type OptimizerSpec } from "../optim/spec";
export * from "./predictions";
