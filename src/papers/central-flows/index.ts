/**
 * Central flows (Cohen, Damian et al., 2024): the Part I–III figures on small MLPs, registered on import.
 * See notebooks/central-flows-{gd,scalar-rmsprop,rmsprop}.ipynb and /work/shared/reference/central-flows.md.
 */
export { cfGdQuadratic, cfPreconditionedQuadratic, gdOnParabola, generalizedEigs, type ParabolaConfig, type PreconditionedConfig } from "./quadratics";
export { cfGdCentral, cfGdMnist, edgeClaims, type GdCentralConfig } from "./gd-central";
export * from "./measures";
export { runComparison, comparisonTable, comparisonColumns, type ComparisonConfig, type Comparison } from "./compare";
export { runTrace, type Trace, type TraceOptions } from "./trace";
export { buildTask, makeRule, taskLabel, GAUSSIAN_MLP, type TaskSpec, type DataSpec, type OptimizerConfig, type Task } from "./setup";
export { cfGdMulti, cfSrmsMulti, sigmaRank, type GdMultiConfig } from "./gd-multi";
export { cfGdVariants, type GdVariantsConfig, type VariantRun } from "./gd-variants";
export { cfSrmsOnset, srmsClaims, type SrmsOnsetConfig } from "./srms-onset";
export { cfSrmsRates, type SrmsRatesConfig } from "./srms-rates";
export { scalarStationaryFlow, stationaryNu, type StationaryOptions, type StationaryRow, type StationaryResult } from "./scalar-stationary";
export { cfSrmsBeta2, stepSizeShare, type SrmsBeta2Config } from "./srms-beta2";
export { cfRmsCentral, type RmsCentralConfig } from "./rms-central";
export { frozenNuFlow, stateSdcp, edgeAt, type NuFlowOptions, type NuFlowResult, type Edge } from "./nu-flow";
export { ablatedFlow, type AblatedOptions, type AblatedRow, type AblatedResult } from "./ablated";
export { cfRmsStationary, type RmsStationaryConfig } from "./rms-stationary";
export { cfRmsAccel, type RmsAccelConfig } from "./rms-accel";
