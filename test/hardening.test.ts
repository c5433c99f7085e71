/**
 * Issue 16's probes as regression tests, one test per numbered item (the flows items — k > dim inside the
 * flows, huge learning rates, DivergenceError, w0 checks through the API — are tested beside the flows).
 * The CLI runs in-process through its own `run`; the signal test spawns a real process.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { initBackend } from "../src/runtime";
import { writeNpy } from "../src/data/npy";
import { loadProblem } from "../src/data/problem";
import { FLOWS } from "../src/flows/index";
import { flowCsv } from "../src/flows/output";
import { updateManifest, type ManifestEntry } from "../src/lab/manifest";
import { mlp } from "../src/models/mlp";
import { supervisedObjective } from "../src/models/objective";
import { flowlabInProcess as flowlab, leftovers, SMALL, writeSmallProblem } from "./hardening-helpers";

const tmp = mkdtempSync(join(tmpdir(), "flowlab-harden-"));
let n = 0;
/** A fresh small valid problem, optionally edited. */
function problem(edit?: (dir: string) => void, p = SMALL): string {
  const dir = join(tmp, `problem-${n++}`);
  writeSmallProblem(dir, p);
  edit?.(dir);
  return dir;
}
const fresh = (): string => join(tmp, `out-${n++}`);
const editJson = (dir: string, f: (text: string) => string): void => writeFileSync(join(dir, "problem.json"), f(readFileSync(join(dir, "problem.json"), "utf8")));

before(() => initBackend());
after(() => rmSync(tmp, { recursive: true, force: true }));

test("1. k larger than the number of parameters is refused before any work, and a CSV is never ragged", async () => {
  const dir = problem(); // 2→3→1 with bias: 13 parameters
  const out = fresh();
  let r = await flowlab("flow", "--problem", dir, "--k", "1000", "--out", out);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--k: 1000 is out of range; the problem's model has 13 parameters, so k must be in 1\.\.13/);
  r = await flowlab("flow", "--problem", problem((d) => editJson(d, (t) => t.replace(/"k": 1/, '"k": 14'))), "--out", out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /problem\.json: field "k" is 14, more eigenvalues than the model's 13 parameters; k must be in 1\.\.13/);
  assert.ok(!existsSync(out));
  assert.throws(
    () => flowCsv({ process: "stable", rows: [{ step: 0, loss: 1, eigs: [1, 2] }] } as unknown as Parameters<typeof flowCsv>[0], 3),
    /row 0 has 2 eigenvalues, fewer than k = 3; refusing to write a ragged CSV/,
  );
});

test("2. a run that fails at its second process leaves --out as the previous run left it; --force replaces it whole", async () => {
  const out = fresh();
  const first = await flowlab("flow", "--problem", problem(), "--which", "discrete,stable,central", "--out", out);
  assert.equal(first.status, 0, first.stderr);
  const before_ = readdirSync(out).sort();
  assert.deepEqual(before_, ["central.csv", "discrete.csv", "run.json", "stable.csv", "w_final_central.npy", "w_final_discrete.npy", "w_final_stable.npy"]);
  const runJson = readFileSync(join(out, "run.json"), "utf8");
  const meta = JSON.parse(runJson) as Record<string, Record<string, unknown>>;
  assert.match(String(meta.problem.sha256), /^[0-9a-f]{64}$/);
  assert.deepEqual(meta.options.which, ["discrete", "stable", "central"]);
  assert.ok(meta.flowlab.version && "gitCommit" in meta.flowlab && meta.engine.backend && meta.startedAt && meta.finishedAt);

  // Without --force an earlier run is refused, before any work.
  const other = problem(undefined, { ...SMALL, lr: 0.05 });
  let r = await flowlab("flow", "--problem", other, "--which", "stable", "--out", out);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--out .*: holds a previous run \(.*run\.json.*\); pass --force to replace it as a whole/);

  // With --force, the second process fails: nothing of the new run reaches --out.
  const central = FLOWS.central;
  FLOWS.central = () => {
    throw new Error("injected failure in the second process");
  };
  try {
    r = await flowlab("flow", "--problem", other, "--which", "stable,central", "--out", out, "--force");
  } finally {
    FLOWS.central = central;
  }
  assert.equal(r.status, 1);
  assert.match(r.stderr, /injected failure/);
  assert.deepEqual(readdirSync(out).sort(), before_);
  assert.equal(readFileSync(join(out, "run.json"), "utf8"), runJson, "the previous run is intact");
  assert.deepEqual(leftovers(out), []);

  // A complete --force run replaces the whole set: no discrete.csv of the earlier run beside the new stable.csv.
  r = await flowlab("flow", "--problem", other, "--which", "stable", "--out", out, "--force");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ["run.json", "stable.csv", "w_final_stable.npy"]);
  assert.deepEqual(leftovers(out), []);
});

test("3. --out is checked before the computation: a file, an unwritable place, /proc, a foreign folder", async () => {
  const dir = problem();
  const file = join(tmp, "a-file");
  writeFileSync(file, "x");
  let r = await flowlab("flow", "--problem", dir, "--out", file);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--out .*a-file: exists and is not a folder; give a folder path/);
  r = await flowlab("flow", "--problem", dir, "--out", join(file, "sub"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--out .*a-file\/sub: cannot be used: a part of the path is a file \(ENOTDIR\)/);
  if (process.platform === "linux") {
    for (const p of ["/proc/x", "/proc/x/y/z"]) {
      r = await flowlab("flow", "--problem", dir, "--out", p); // hung forever in mkdir({recursive}) before
      assert.equal(r.status, 1);
      assert.match(r.stderr, /--out \/proc\/x.*: cannot (create or )?write in \/proc.*: the folder does not accept new entries \(ENOENT\)/);
    }
  }
  const foreign = join(tmp, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "notes.txt"), "mine");
  r = await flowlab("flow", "--problem", dir, "--out", foreign, "--force");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is a folder holding other files \(notes\.txt\); refusing to replace it/);
  assert.equal(readFileSync(join(foreign, "notes.txt"), "utf8"), "mine");
  if (process.getuid?.() !== 0) {
    // Read-only parent (root ignores permission bits, so this part runs only as a normal user).
    const ro = join(tmp, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      r = await flowlab("flow", "--problem", dir, "--out", join(ro, "out"));
      assert.equal(r.status, 1);
      assert.match(r.stderr, /cannot (create or )?write in .*ro: permission denied \(EACCES\)/);
    } finally {
      chmodSync(ro, 0o755);
    }
  }
});

test("5. inputs that reached tfjs unchecked: zero rows, unknown activation or loss, NaN in X", async () => {
  const zero = problem((d) => {
    writeNpy(join(d, "X.npy"), new Float64Array(0), [0, 2]);
    writeNpy(join(d, "y.npy"), new Float64Array(0), [0]);
  });
  const r = await flowlab("flow", "--problem", zero, "--out", fresh());
  assert.equal(r.status, 1);
  assert.match(r.stderr, /X\.npy: shape \(0, 2\) has no rows; a problem needs at least one example \(n ≥ 1\)/);
  assert.throws(() => mlp({ widths: [2, 3, 1], activation: "sine" as never, bias: true }), /^Error: mlp\(\): spec\.activation must be one of identity, tanh, .*; got "sine"/);
  assert.throws(() => mlp({ widths: [2, 0, 1], activation: "tanh", bias: true }), /mlp\(\): spec\.widths\[1\] must be an integer ≥ 1; got 0/);
  const model = mlp({ widths: [2, 1], activation: "tanh", bias: true });
  const data = { X: new Float32Array([0.5, 1]), Y: new Float32Array([1]), n: 1, d: 2, c: 1 };
  assert.throws(() => supervisedObjective(model, "hinge" as never, data), /supervisedObjective\(\): loss must be one of mse, .*; got "hinge"/);
  assert.throws(() => supervisedObjective(model, "mse", { ...data, X: new Float32Array([0.5, NaN]) }), /supervisedObjective\(\): data\.X\[0, 1\] is NaN; every value must be finite/);
  assert.throws(() => supervisedObjective(model, "mse", { ...data, n: 0, X: new Float32Array(0), Y: new Float32Array(0) }), /data\.n must be an integer ≥ 1; got 0/);
  const nan = problem((d) => writeNpy(join(d, "X.npy"), Float64Array.from([1, 2, 3, NaN, 5, 6, 7, 8]), [4, 2]));
  const rn = await flowlab("flow", "--problem", nan, "--out", fresh());
  assert.equal(rn.status, 1);
  assert.match(rn.stderr, /X\.npy: entry \[1, 1\] is NaN; every value must be finite/);
  assert.doesNotMatch(rn.stderr, /learning rate|lr/);
});

test("6. smaller probes: cross_entropy with one output, lr 1e400, a BOM, --which '', corrupt and concurrent manifests", async () => {
  let r = await flowlab("flow", "--problem", problem((d) => editJson(d, (t) => t.replace('"mse"', '"cross_entropy"'))), "--out", fresh());
  assert.equal(r.status, 1);
  assert.match(r.stderr, /problem\.json: field "loss" is "cross_entropy", which needs at least 2 outputs, but the last of "model\.widths" is 1; use "mse"/);
  r = await flowlab("flow", "--problem", problem((d) => editJson(d, (t) => t.replace('"lr": 0.1', '"lr": 1e400'))), "--out", fresh());
  assert.equal(r.status, 1);
  assert.match(r.stderr, /problem\.json: field "optimizer\.lr" must be a finite number > 0, got Infinity/);
  const bom = problem((d) => editJson(d, (t) => `\ufeff${t}`));
  assert.equal(loadProblem(bom).spec.model.activation, "tanh");
  r = await flowlab("flow", "--problem", problem(), "--which", "", "--out", fresh());
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--which: no process given; allowed: discrete, stable, central/);

  // A corrupt manifest: kept aside, rebuilt from the figure files present, with a warning.
  const figs = join(tmp, "figures");
  mkdirSync(figs);
  for (const f of ["alpha.svg", "alpha.csv", "beta.curve.csv", "beta.html", "README.md"]) writeFileSync(join(figs, f), "x");
  writeFileSync(join(figs, "manifest.json"), '{"figures": [');
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
  let m;
  try {
    m = updateManifest(figs, [entry("gamma")]);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(m.figures.map((e) => [e.id, e.files, e.rebuiltFromFiles ?? false]), [
    ["alpha", ["alpha.csv", "alpha.svg"], true],
    ["beta", ["beta.curve.csv", "beta.html"], true],
    ["gamma", ["gamma.svg"], false],
  ]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /manifest\.json is corrupt \(.*\); kept it as .*manifest\.json\.corrupt-.* and rebuilt the manifest from the 2 figure\(s\)/);
  assert.equal(readdirSync(figs).filter((f) => f.startsWith("manifest.json.corrupt-")).length, 1);
});

function entry(id: string): ManifestEntry {
  return { id, experiment: id, title: id, paper: "p", paperFigure: "", caption: "", size: "text", mode: "quick", configHash: "h", codeHash: "c", config: {}, version: "0", engine: "auto", files: [`${id}.svg`] };
}

test("6. two processes updating one manifest concurrently lose no entry (lock file)", async () => {
  const dir = join(tmp, "concurrent");
  mkdirSync(dir);
  const go = join(dir, "go");
  const worker = join(tmp, "manifest-worker.ts");
  writeFileSync(
    worker,
    `import { existsSync, writeFileSync } from "node:fs";
import { updateManifest } from ${JSON.stringify(join(__dirname, "..", "src", "lab", "manifest"))};
const [dir, go, who] = process.argv.slice(2);
const wait = () => new Promise((r) => setTimeout(r, 5));
(async () => {
  writeFileSync(go + "-ready-" + who, "");
  while (!existsSync(go)) await wait();
  for (let i = 0; i < 60; i++) {
    updateManifest(dir, [{ id: who + "-" + i, experiment: who + "-" + i, title: "", paper: "", paperFigure: "", caption: "", size: "text", mode: "quick", configHash: "", codeHash: "", config: {}, version: "", engine: null, files: [] }]);
    await wait();
  }
})();
`,
  );
  const start = (who: string): Promise<number | null> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", worker, dir, go, who], { stdio: ["ignore", "ignore", "inherit"] });
      child.on("exit", resolve);
    });
  const a = start("a");
  const b = start("b");
  // Both start updating at once: each says it is ready after its (slow) start-up, then waits for "go".
  for (let i = 0; i < 1200 && !(existsSync(`${go}-ready-a`) && existsSync(`${go}-ready-b`)); i++) await new Promise((r) => setTimeout(r, 50));
  writeFileSync(go, "");
  assert.deepEqual(await Promise.all([a, b]), [0, 0]);
  const ids = (JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { figures: { id: string }[] }).figures.map((e) => e.id);
  assert.equal(ids.length, 120, `entries lost: ${120 - ids.length}`);
  assert.ok(!existsSync(join(dir, ".manifest.lock")), "lock released");
});

test("2. SIGINT or SIGTERM during the computation: --out keeps the previous run; the next run clears the leftovers", { skip: process.platform === "win32" }, async () => {
  const out = fresh();
  const dir = problem(undefined, { ...SMALL, widths: [2, 16, 16, 1], n: 64, steps: 100000 });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "src", "cli.ts"), "flow", "--problem", dir, "--which", "central", "--out", out], {
      stdio: "ignore",
      env: { ...process.env, FLOWLAB_PROGRESS: "0" },
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, sig) => resolve(sig ?? code)));
    // The staging folder appears once every check has passed and the computation starts.
    for (let i = 0; i < 1200 && leftovers(out).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(leftovers(out).length, 1, "the run started");
    await new Promise((r) => setTimeout(r, 300));
    child.kill(signal);
    assert.equal(await exited, signal);
    assert.ok(!existsSync(out), "no partial set in --out");
  }
  // The next run on the same --out removes the dead runs' temporary folders.
  const r = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "..", "src", "cli.ts"), "flow", "--problem", problem(), "--which", "stable", "--out", out], {
    encoding: "utf8",
    env: { ...process.env, FLOWLAB_PROGRESS: "0" },
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(leftovers(out), []);
  assert.deepEqual(readdirSync(out).sort(), ["run.json", "stable.csv", "w_final_stable.npy"]);
});
