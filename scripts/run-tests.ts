/**
 * Runs the test files with node's test runner, two files at a time (the machines have 2 cores and a test file
 * mostly keeps one busy):
 *   npm run unit        every test/*.test.ts (the full suite `npm test` ends with)
 *   npm run test:fast   the unit tests that need no browser, Jupyter, Redis or experiment run (< 1 min)
 * FLOWLAB_TEST_CONCURRENCY overrides the two.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Files of the fast target: maths, engines, data, optimizers, plotting and cache logic. */
const FAST = ["autodiff", "backend", "cli-data", "data", "eigs", "engine", "hessian", "linalg", "npy", "optim", "plot", "problem", "progress", "report", "saxe-analytic", "saxe-data", "saxe-sim", "sdcp", "tracker"];

const fast = process.argv.includes("--fast");
const dir = join(__dirname, "..", "test");
const all = readdirSync(dir).filter((f) => f.endsWith(".test.ts")).sort();
const files = fast ? FAST.map((name) => `${name}.test.ts`) : all;
const missing = files.filter((f) => !all.includes(f));
if (missing.length > 0) {
  console.error(`run-tests: no such test file: ${missing.join(", ")}`);
  process.exit(2);
}
const concurrency = process.env.FLOWLAB_TEST_CONCURRENCY ?? "2";
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...files.map((f) => join("test", f))], { stdio: "inherit", cwd: join(__dirname, "..") });
process.exit(result.status ?? 1);
