/**
 * Where the shared reference material is: FLOWLAB_REFERENCE, else ../shared/reference beside the project (the
 * layout CI clones into), else this workplace's /work/shared/reference (for clones made anywhere else here).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";

function referenceDir(): string {
  const candidates = [process.env.FLOWLAB_REFERENCE, join(__dirname, "..", "..", "shared", "reference"), "/work/shared/reference"].filter((p): p is string => !!p);
  const found = candidates.find((p) => existsSync(join(p, "example-problem-tanh", "problem.json")));
  if (!found) throw new Error(`the shared reference (example-problem-tanh) is in none of ${candidates.join(", ")}; set FLOWLAB_REFERENCE`);
  return found;
}

/** The example problem with float64 reference outputs (../shared/reference/example-problem-tanh). */
export const EXAMPLE_PROBLEM = join(referenceDir(), "example-problem-tanh");
