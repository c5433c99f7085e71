/**
 * Every experiment, registered on import. Paper folders add one line each (`import "./<paper>";`).
 */
import "./demo";
import "./corridors";
import "./central-flows";
import "./saxe";
import "./eos";

export { registerExperiment, listExperiments, getExperiment } from "./registry";
export { runExperiment, resolveConfig, defaultMode, type RunOptions, type ExperimentResult, type LiveSink } from "./run";
export { toTable, toTables, toDataFrame, tableToCsv, rowCount } from "./tables";
export type * from "./types";
export { COMPARATORS } from "./types";
