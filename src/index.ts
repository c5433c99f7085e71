/**
 * The flowlab library, as notebooks and other programs import it (notebooks: `from "../dist/index"`).
 * Each area adds its exports here.
 */
export { backendInfo, tf, type BackendInfo, type BackendName } from "./backend";
export { initBackend } from "./runtime";
export { Progress, setProgressSink, formatProgress, type ProgressEvent, type ProgressSink } from "./progress";
export { Rng } from "./random";
export { CancelledError, throwIfCancelled, isCancelled } from "./cancel";
export { VERSION } from "./version";
export * from "./lab";
import "./papers"; // registers every experiment
export * from "./plot";
export * from "./notebook"; // notebookSetup: the settings cell's session, Kernel → Interrupt stops runs
// The numerical core.
export * from "./autodiff/derivatives";
export { registerExactGradients, exactGradientKernels } from "./autodiff/gradients";
export * from "./params";
export * from "./models/mlp";
export * from "./models/activations";
export * from "./models/losses";
export * from "./models/init";
export * from "./models/objective";
export * from "./models/toy";
export * from "./data/index";
export * from "./curvature/index";
export * from "./optim/index";
export * from "./flows/index";
export { writeFileAtomic, writeJsonAtomic } from "./atomic";
