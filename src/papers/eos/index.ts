/**
 * Cohen et al. (2021), "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability":
 * the quadratic threshold, the Fig. 1 analogue, GD vs gradient flow, cross-entropy, momentum, and sweeps.
 */
export { eosQuadratic, type QuadraticConfig } from "./quadratic";
export { eosGd } from "./gd";
export { eosFlowVsGd, type FlowVsGdConfig } from "./flow-vs-gd";
export { eosCrossEntropy } from "./cross-entropy";
export { eosMomentum } from "./momentum";
export { eosSweepSize, eosSweepDepth, type SweepConfig } from "./sweeps";
export { runGroups, summarize, type TrainingConfig, type GroupConfig } from "./runs";

export { trainRuns, DivergenceError, type RunSpec, type RunTrace, type TrainOptions } from "./train";
export { SharpnessTracker, hessianOperator, type SharpnessOptions } from "./sharpness";
export { GradientFlow, type FlowOptions } from "./flow";
export { buildProblem, loadData, type ProblemConfig, type Problem } from "./problem";
export { edgeSummary, sharpnessAtLoss, type EdgeSummary } from "./metrics";
