/** The notebook side of flowlab: the settings cell's session and the kernel-interrupt hook. */
export { notebookSetup, NotebookSession, runStatusLine, type NotebookOptions, type NotebookRunOptions } from "./session";
export { hookKernelInterrupt, type InterruptHook, type InterruptHookOptions, type SignalSource } from "./interrupt";
