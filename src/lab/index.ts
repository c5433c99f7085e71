/**
 * The experiment machinery: experiments as data (types), the registry, the one runner, tables, the results
 * cache, claims, figure manifests and the gallery. It knows nothing of any paper.
 */
export { registerExperiment, listExperiments, getExperiment } from "./registry";
export { runExperiment, resolveConfig, defaultMode, type RunOptions, type ExperimentResult } from "./run";
export { toTable, toTables, toDataFrame, tableToCsv, rowCount } from "./tables";
export type * from "./types";
export { COMPARATORS } from "./types";
export { ResultsCache, cacheHash, defaultResultsDir, projectRoot, type CacheKey, type CacheMeta, type CacheEntry, type CacheLookup } from "./cache";
export { claim, formatClaimsTable, type ClaimRow } from "./claims";
export { updateManifest, updateReport, gitCommit, type Manifest, type ManifestEntry, type Report } from "./manifest";
export { canonicalJson, hashOf, sha256 } from "./hash";
export { galleryMarkdown, writeGallery } from "./gallery";
export { trackRun, interruptActiveRuns, activeRunCount, type TrackedRun } from "./interrupt";
