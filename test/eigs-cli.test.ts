import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setup } from "./helpers";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { main } from "../src/cli/eigs";
import { loadProblem, problemObjective, saveProblem, type OptimizerJson } from "../src/data/problem";
import { EXAMPLE_PROBLEM as EXAMPLE } from "./reference";
import { symEig } from "../src/linalg/dense";

const ROOT = resolve(__dirname, "..");
const tmp = mkdtempSync(join(tmpdir(), "flowlab-eigs-"));

before(setup);
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `main` in-process and returns what it printed to stdout. */
async function runMain(t: TestContext, argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  t.mock.method(console, "log", (...xs: unknown[]) => lines.push(xs.join(" ")));
  const code = await main(argv);
  t.mock.restoreAll();
  return { code, out: lines.join("\n") };
}

test("acceptance: the tanh example's top-3 effective eigenvalues at w0 match the float64 reference", () => {
  const csv = readFileSync(join(EXAMPLE, "reference", "stable.csv"), "utf8").trim().split("\n");
  const header = csv[0].split(",");
  const row0 = csv[1].split(",").map(Number);
  assert.equal(row0[header.indexOf("step")], 0);
  const expected = [1, 2, 3].map((i) => row0[header.indexOf(`eig_${i}`)]);
  const r = cli("eigs", "--problem", EXAMPLE, "--k", "3", "--json");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 1, "exactly one JSON object");
  const out = JSON.parse(lines[0]) as { eigenvalues: number[]; hvps: number };
  assert.deepEqual(Object.keys(out), ["eigenvalues", "hvps"]);
  assert.equal(out.eigenvalues.length, 3);
  out.eigenvalues.forEach((v, i) => {
    const rel = Math.abs(v - expected[i]) / expected[i];
    assert.ok(rel < 1e-4, `eig_${i + 1} = ${v}, reference ${expected[i]} (rel ${rel.toExponential(2)})`);
  });
  assert.ok(Number.isInteger(out.hvps) && out.hvps > 0);
});

test("a bad problem directory is the loader's error naming file and field, exit code 1", () => {
  const dir = join(tmp, "bad");
  saveProblem(dir, loadProblem(EXAMPLE));
  const spec = JSON.parse(readFileSync(join(dir, "problem.json"), "utf8")) as { optimizer: { lr: number } };
  spec.optimizer.lr = -1;
  writeFileSync(join(dir, "problem.json"), JSON.stringify(spec));
  const r = cli("eigs", "--problem", dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /problem\.json: field "optimizer\.lr" must be a finite number > 0, got -1/);
  assert.equal(r.stdout, "");
  const missing = cli("eigs", "--problem", join(tmp, "nowhere"));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nowhere\/problem\.json: cannot read/);
});

/** The example problem with another optimizer, saved to a temp dir. */
function withOptimizer(name: string, optimizer: OptimizerJson): string {
  const p = loadProblem(EXAMPLE);
  const dir = join(tmp, name);
  saveProblem(dir, { ...p, spec: { ...p.spec, optimizer } });
  return dir;
}

/** Dense check: eigenvalues of P^{-1/2} H P^{-1/2} with H from hvp on every e_i and P from g(w0). */
function denseEffective(dir: string, P: (g: Float64Array) => Float64Array): Float64Array {
  const p = loadProblem(dir);
  const objective = problemObjective(p);
  const D = tfDerivatives(objective);
  const dim = D.dim;
  const s = P(D.lossAndGrad(p.w0).grad).map((x) => 1 / Math.sqrt(x));
  const cols = D.hvp(p.w0, Array.from({ length: dim }, (_, i) => Float64Array.from({ length: dim }, (_, j) => (i === j ? 1 : 0))));
  objective.dispose();
  return symEig(cols.map((col, i) => Array.from(col, (h, j) => 0.5 * (h + cols[j][i]) * s[i] * s[j]))).values;
}

test("RMSProp problems: P is the optimizer's after one update (diagonal ν̂ = g², scalar ν̂ = ‖g‖²)", async (t) => {
  const lr = 0.01;
  const eps = 1e-3;
  const base = { name: "rmsprop" as const, lr, beta2: 0.99, eps, bias_correction: true };
  const cases = [
    { name: "diag", scalar: false, P: (g: Float64Array) => g.map((x) => (Math.abs(x) + eps) / lr) },
    { name: "scalar", scalar: true, P: (g: Float64Array) => g.map(() => (Math.hypot(...g) + eps) / lr) },
  ];
  for (const c of cases) {
    const dir = withOptimizer(c.name, { ...base, scalar: c.scalar });
    const expected = denseEffective(dir, c.P);
    const { code, out } = await runMain(t, ["--problem", dir, "--k", "2", "--json"]);
    assert.equal(code, 0);
    const got = (JSON.parse(out) as { eigenvalues: number[] }).eigenvalues;
    got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5 * expected[i], `${c.name} eig_${i + 1}: ${v} vs dense ${expected[i]}`));
  }
});

test("text output lists eig_1..eig_k and the HVP count; --k 0 is a usage error", async (t) => {
  const { code, out } = await runMain(t, ["--problem", EXAMPLE, "--k", "2"]);
  assert.equal(code, 0);
  assert.match(out, /eig_1 {2}0\.54217\d+/);
  assert.match(out, /eig_2 {2}0\.13937\d+/);
  assert.doesNotMatch(out, /eig_3/);
  assert.match(out, /hvps \d+/);
  await assert.rejects(() => main(["--problem", EXAMPLE, "--k", "0"]), /--k must be an integer in \[1, 253\] \(the number of parameters\), got 0/);
  // k above the number of parameters: the same message as `flowlab flow` and the flows' own validation.
  await assert.rejects(() => main(["--problem", EXAMPLE, "--k", "1000"]), /--k must be an integer in \[1, 253\] \(the number of parameters\), got 1000/);
});
