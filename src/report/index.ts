/** Results cache, claims, figure manifests. */
export { ResultsCache, cacheHash, defaultResultsDir, projectRoot, type CacheKey, type CacheMeta, type CacheEntry, type CacheLookup } from "./cache";
export { claim, formatClaimsTable, type ClaimRow } from "./claims";
export { updateManifest, updateReport, gitCommit, type Manifest, type ManifestEntry, type Report } from "./manifest";
export { canonicalJson, hashOf, sha256 } from "./hash";
export { writeFileAtomic, writeJsonAtomic } from "../atomic";
export { galleryMarkdown, writeGallery } from "./gallery";
