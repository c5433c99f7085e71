/**
 * The one runtime initialization every entry point (CLI, lab runner, notebooks, tests, bench) awaits before
 * touching tensors: choose the tfjs backend (src/backend.ts) and register the gradients that stay exact under
 * nesting (src/autodiff/gradients.ts), without which HVPs and third derivatives are silently wrong. Idempotent.
 */
import { registerExactGradients } from "./autodiff/gradients";
import { selectBackend, type BackendInfo, type BackendName } from "./backend";

export async function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  registerExactGradients();
  return selectBackend(prefer);
}
