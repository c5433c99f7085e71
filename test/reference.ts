/**
 * Where the shared reference material is (float64 reference outputs the flow, eigs and npy tests compare
 * against): $FLOWLAB_REFERENCE, else shared/reference beside the clone (../shared/reference, the layout CI
 * clones into). Nothing else: when neither holds it, the tests that need it fail, saying how to provide it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The file whose presence identifies the reference folder. */
const MARKER = join("example-problem-tanh", "problem.json");

/** The candidates in order, with where each came from. */
export function referenceCandidates(env: NodeJS.ProcessEnv = process.env, projectRoot = join(__dirname, "..")): Array<{ dir: string; from: string }> {
  const out: Array<{ dir: string; from: string }> = [];
  if (env.FLOWLAB_REFERENCE) out.push({ dir: resolve(env.FLOWLAB_REFERENCE), from: "$FLOWLAB_REFERENCE" });
  out.push({ dir: resolve(projectRoot, "..", "shared", "reference"), from: "shared/reference beside the clone" });
  return out;
}

/** The reference folder, or an error saying where it was looked for and how to provide it. */
export function referenceDir(env: NodeJS.ProcessEnv = process.env, projectRoot = join(__dirname, "..")): string {
  const candidates = referenceCandidates(env, projectRoot);
  const found = candidates.find((c) => existsSync(join(c.dir, MARKER)));
  if (found) return found.dir;
  const tried = candidates.map((c) => `${c.dir} (${c.from})`).join(", ");
  throw new Error(
    `the shared reference (${MARKER}) is not in ${tried}. These tests compare against its float64 reference outputs: ` +
      `set FLOWLAB_REFERENCE=/path/to/shared/reference, or put shared/reference beside the clone (../shared/reference). See README, "Tests".`,
  );
}

/** The example problem with float64 reference outputs (<reference>/example-problem-tanh). */
export const EXAMPLE_PROBLEM = join(referenceDir(), "example-problem-tanh");

/** A reference CSV (header line, numeric rows) as columns. */
export function readCsv(path: string): Record<string, number[]> {
  const [header, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const cols = header.split(",");
  const out: Record<string, number[]> = Object.fromEntries(cols.map((c) => [c, [] as number[]]));
  for (const line of lines) line.split(",").forEach((v, i) => out[cols[i]].push(Number(v)));
  return out;
}
