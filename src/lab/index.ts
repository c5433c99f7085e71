/**
 * The experiment machinery: experiments as data (types), the registry, the one runner, tables, the results
 * cache, claims, figure manifests and the gallery. It knows nothing of any paper.
 */
export { registerExperiment, listExperiments, getExperiment } from "./registry";
export { runExperiment, resolveConfig, defaultMode, makeExecutor, experimentTask, type RunOptions, type ExperimentResult, type ExperimentTaskConfig } from "./run";
export { defineTask, getTask, listTaskKinds, taskKey, taskHash, TaskFailedError, type Task, type TaskKey, type TaskFailure } from "./task";
export { InProcessExecutor, type TaskExecutor, type TaskEvent, type TaskRequest, type TaskOutcome } from "./context";
export { moduleGraphHash, clearCodeHashes, type CodeHash } from "./codehash";
export { ProcessPool } from "./pool";
export { toTable, toTables, toDataFrame, tableToCsv, rowCount } from "./tables";
export type * from "./types";
export { COMPARATORS } from "./types";
export { ResultsCache, TaskCache, cacheHash, defaultResultsDir, projectRoot, type CacheKey, type CacheMeta, type CacheEntry, type CacheLookup } from "./cache";
export { claim, formatClaimsTable, type ClaimRow } from "./claims";
export { updateManifest, updateReport, updateLastRun, readLastRun, lastRuntimes, LAST_RUN_FILE, gitCommit, type Manifest, type ManifestEntry, type Report, type LastRun, type ExperimentRun } from "./manifest";
export { canonicalJson, hashOf, sha256 } from "./hash";
export { galleryMarkdown, writeGallery } from "./gallery";
export { trackRun, interruptActiveRuns, activeRunCount, type TrackedRun } from "./interrupt";
