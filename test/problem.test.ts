import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { tfDerivatives } from "../src/autodiff/derivatives";
import { readNpy, writeNpy } from "../src/data/npy";
import { loadProblem, parseProblemSpec, problemObjective, saveProblem } from "../src/data/problem";
import { EXAMPLE_PROBLEM as EXAMPLE } from "./reference";
import { assertClose, setup } from "./helpers";

const tmp = mkdtempSync(join(tmpdir(), "flowlab-problem-"));
before(setup);
after(() => rmSync(tmp, { recursive: true, force: true }));

let copies = 0;
/** A writable copy of the example directory, optionally broken by `edit`. */
function brokenCopy(edit: (dir: string) => void): string {
  const dir = join(tmp, `copy${copies++}`);
  mkdirSync(dir);
  // Copy contents, not modes: the reference files are read-only.
  for (const f of ["problem.json", "X.npy", "y.npy", "w0.npy"]) writeFileSync(join(dir, f), readFileSync(join(EXAMPLE, f)));
  edit(dir);
  return dir;
}

function editJson(dir: string, f: (j: Record<string, Record<string, unknown>>) => void): void {
  const path = join(dir, "problem.json");
  const j = JSON.parse(readFileSync(path, "utf8")) as Record<string, Record<string, unknown>>;
  f(j);
  writeFileSync(path, JSON.stringify(j));
}

/** Asserts that loading throws an error naming both the file and the field. */
function rejects(dir: string, file: string, field: RegExp): void {
  assert.throws(
    () => loadProblem(dir),
    (e: Error) => {
      assert.ok(e.message.includes(join(dir, file)), `error should name ${file}: ${e.message}`);
      assert.match(e.message, field);
      return true;
    },
  );
}

test("loads the tanh example and its loss at w0 matches the float64 reference", () => {
  const p = loadProblem(EXAMPLE);
  assert.deepEqual(p.spec, {
    model: { type: "mlp", widths: [6, 12, 12, 1], activation: "tanh", bias: true },
    loss: "mse",
    optimizer: { name: "gd", lr: 0.15 },
    steps: 800,
    k: 3,
  });
  assert.equal(p.dir, EXAMPLE);
  assert.equal(p.w0.length, 253);
  assert.equal(p.model.numParams, 253);
  assert.deepEqual([p.data.n, p.data.d, p.data.c], [96, 6, 1]);
  const obj = problemObjective(p);
  const loss = tfDerivatives(obj).loss(p.w0);
  obj.dispose();
  // First row of reference/discrete.csv, computed in float64; ours is float32.
  assertClose(loss, 1.391805888106229, 1e-5, 0, "loss at w0");
});

test("save then load round-trips (float64 files, y as (n,))", () => {
  const p = loadProblem(EXAMPLE);
  const dir = join(tmp, "saved");
  saveProblem(dir, { ...p, spec: { ...p.spec, optimizer: { name: "rmsprop", lr: 0.01, beta2: 0.99, eps: 1e-8, bias_correction: true, scalar: false } } });
  assert.deepEqual(readNpy(join(dir, "y.npy")).shape, [96]);
  assert.equal(readNpy(join(dir, "X.npy")).dtype, "<f8");
  const q = loadProblem(dir);
  assert.deepEqual(Array.from(q.w0), Array.from(p.w0));
  assert.deepEqual(Array.from(q.data.X), Array.from(p.data.X));
  assert.deepEqual(Array.from(q.data.Y), Array.from(p.data.Y));
  assert.equal(q.spec.optimizer.name, "rmsprop");
});

test("broken problem.json: each error names the file and the field", () => {
  rejects(brokenCopy((d) => editJson(d, (j) => delete j.model.bias)), "problem.json", /missing field "model\.bias"/);
  rejects(brokenCopy((d) => editJson(d, (j) => (j.optimizer.momentum = 0.9))), "problem.json", /unknown field "optimizer\.momentum"/);
  rejects(brokenCopy((d) => editJson(d, (j) => ((j as Record<string, unknown>).seed = 1))), "problem.json", /unknown field "seed"/);
  rejects(brokenCopy((d) => editJson(d, (j) => (j.model.activation = "sigmoid"))), "problem.json", /"model\.activation" must be one of swish, tanh, relu, gelu, gelu_tanh, identity/);
  rejects(brokenCopy((d) => editJson(d, (j) => (j.optimizer.lr = -1))), "problem.json", /"optimizer\.lr" must be a finite number > 0, got -1/);
  // lr: 1e400 parses to Infinity: the message says so (JSON.stringify would say null).
  rejects(brokenCopy((d) => writeFileSync(join(d, "problem.json"), readFileSync(join(d, "problem.json"), "utf8").replace(/"lr":\s*[0-9.e+-]+/, '"lr": 1e400'))), "problem.json", /"optimizer\.lr" must be a finite number > 0, got Infinity/);
  rejects(brokenCopy((d) => editJson(d, (j) => (j.optimizer.name = "adam"))), "problem.json", /"optimizer\.name" must be one of gd, rmsprop/);
  rejects(brokenCopy((d) => editJson(d, (j) => (j.model.widths = [6, 12.5, 1] as unknown as Record<string, unknown>))), "problem.json", /"model\.widths\[1\]"/);
  rejects(brokenCopy((d) => writeFileSync(join(d, "problem.json"), "{")), "problem.json", /not valid JSON/);
});

test("broken arrays: wrong w0 length, NaN in X, wrong y shape, wrong X width", () => {
  rejects(brokenCopy((d) => writeNpy(join(d, "w0.npy"), new Float64Array(252), [252])), "w0.npy", /252 entries.*"model\.widths".*253/);
  rejects(
    brokenCopy((d) => {
      const X = readNpy(join(d, "X.npy"));
      X.data[5 * 6 + 2] = NaN;
      writeNpy(join(d, "X.npy"), X.data, X.shape);
    }),
    "X.npy",
    /entry \[5, 2\] is NaN/,
  );
  rejects(brokenCopy((d) => writeNpy(join(d, "y.npy"), new Float64Array(192), [96, 2])), "y.npy", /shape \(96, 2\) must be \(96,\).*"model\.widths"/);
  rejects(brokenCopy((d) => writeNpy(join(d, "y.npy"), new Float64Array(95), [95])), "y.npy", /shape \(95,\) must be \(96,\)/);
  rejects(brokenCopy((d) => writeNpy(join(d, "X.npy"), new Float64Array(96 * 5), [96, 5])), "X.npy", /shape \(96, 5\).*"model\.widths\[0\]"/);
  rejects(brokenCopy((d) => writeNpy(join(d, "w0.npy"), new Float64Array(253).fill(Infinity), [253])), "w0.npy", /entry \[0\] is Infinity/);
  // (n, 1) targets are unambiguous for one output, so they are accepted.
  assert.equal(loadProblem(brokenCopy((d) => writeNpy(join(d, "y.npy"), new Float64Array(96), [96, 1]))).data.c, 1);
});

test("parseProblemSpec uses the given file name and validates rmsprop fields", () => {
  const spec = {
    model: { type: "mlp", widths: [2, 3, 4], activation: "gelu_tanh", bias: false },
    loss: "cross_entropy",
    optimizer: { name: "rmsprop", lr: 0.1, beta2: 0.999, eps: 1e-8, bias_correction: false, scalar: true },
    steps: 0,
    k: 1,
  };
  assert.deepEqual(parseProblemSpec(spec, "x.json"), spec);
  assert.throws(() => parseProblemSpec({ ...spec, optimizer: { ...spec.optimizer, beta2: 1 } }, "x.json"), /^Error: x\.json: field "optimizer\.beta2" must be in \(0, 1\), got 1/);
  // β₂ = 0 fails here as it fails rmsprop() and every other spec (one validator, src/optim/spec.ts).
  assert.throws(() => parseProblemSpec({ ...spec, optimizer: { ...spec.optimizer, beta2: 0 } }, "x.json"), /^Error: x\.json: field "optimizer\.beta2" must be in \(0, 1\), got 0/);
  assert.throws(() => parseProblemSpec({ ...spec, optimizer: { ...spec.optimizer, eps: -1 } }, "x.json"), /^Error: x\.json: field "optimizer\.eps" must be a finite number ≥ 0, got -1/);
  assert.throws(() => parseProblemSpec({ ...spec, optimizer: { name: "rmsprop", lr: 0.1 } }, "x.json"), /x\.json: missing field "optimizer\.beta2"/);
  assert.throws(() => parseProblemSpec({ ...spec, loss: "l1" }, "x.json"), /x\.json: field "loss" must be one of mse/);
  assert.throws(() => parseProblemSpec({ ...spec, k: 0 }, "x.json"), /x\.json: field "k" must be an integer ≥ 1/);
  assert.throws(() => parseProblemSpec([], "x.json"), /x\.json: field "" must be an object/);
});
