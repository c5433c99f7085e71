/** Experiments as data: hashing, the results cache (hit, miss, corrupt, invalidation), claims, manifests, tables. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson, hashOf } from "../src/lab/hash";
import { ResultsCache, cacheHash, type CacheKey } from "../src/lab/cache";
import { claim, failing, formatClaimsTable } from "../src/lab/claims";
import { LAST_RUN_FILE, lastRuntimes, readLastRun, updateLastRun, updateManifest, updateReport, type ManifestEntry } from "../src/lab/manifest";
import { registerExperiment, getExperiment, listExperiments } from "../src/lab/registry";
import { runExperiment, resolveConfig } from "../src/lab/run";
import { tableToCsv, toTable, toDataFrame } from "../src/lab/tables";
import { demo } from "../src/papers/demo";
import type { Experiment, Tables } from "../src/lab/types";

const tmp = (): string => mkdtempSync(join(tmpdir(), "flowlab-report-"));

test("canonical JSON ignores key order and rejects values JSON would alter", () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  assert.equal(hashOf({ a: 1, b: 2 }), hashOf({ b: 2, a: 1 }));
  assert.notEqual(hashOf({ a: 1, b: 2 }), hashOf({ a: 1, b: 2.0000001 }));
  assert.equal(hashOf({ a: 1, b: undefined }), hashOf({ a: 1 }));
  assert.throws(() => canonicalJson({ lr: [0.1, NaN] }), /config\.lr\[1\] must be a finite number/);
  assert.throws(() => canonicalJson({ when: new Date(0) }), /config\.when must be plain data .* got a Date/);
});

test("cache: miss, then hit with every number intact, including NaN and ±Infinity", () => {
  const cache = new ResultsCache(tmp());
  const key: CacheKey = { experiment: "toy", version: "1.0.0", code: "c0de", config: { n: 3 } };
  assert.equal(cache.read(key).status, "miss");
  const tables: Tables = { t: { a: [0.1, NaN, Infinity, -Infinity, -0.5, 1e-300], b: [1, 2, 3, 4, 5, 6] } };
  cache.write(key, tables, { runtimeMs: 12, backend: "wasm" });
  const hit = cache.read(key);
  assert.equal(hit.status, "hit");
  if (hit.status !== "hit") return;
  assert.deepEqual(hit.entry.tables, tables);
  assert.equal(hit.entry.meta.runtimeMs, 12);
  assert.notEqual(cacheHash(key), cacheHash({ ...key, version: "1.0.1" }), "the library version is part of the key");
  assert.notEqual(cacheHash(key), cacheHash({ ...key, code: "c0df" }), "the code hash is part of the key");
});

test("cache: truncated, tampered or mislabelled entries are corrupt, not trusted", () => {
  const cache = new ResultsCache(tmp());
  const key: CacheKey = { experiment: "toy", version: "1.0.0", code: "c0de", config: { n: 3 } };
  const write = (): string => {
    cache.write(key, { t: { a: [1, 2, 3] } }, { runtimeMs: 1, backend: null });
    return cache.path("toy", cacheHash(key));
  };
  const path = write();
  const good = readFileSync(path, "utf8");
  const cases: [string, string, RegExp][] = [
    ["truncated", good.slice(0, good.length - 5), /JSON|checksum/],
    ["tampered body", good.replace("[1,2,3]", "[1,2,4]"), /checksum/],
    ["edited key", good.replace('"n":3', '"n":4'), /key does not match/],
    ["empty", "", /no header/],
    ["not JSON", "garbage\nmore garbage", /JSON/],
  ];
  for (const [what, text, reason] of cases) {
    writeFileSync(path, text);
    const r = cache.read(key);
    assert.equal(r.status, "corrupt", what);
    if (r.status === "corrupt") assert.match(r.reason, reason, what);
  }
});

interface ToyConfig {
  n: number;
  scale: number;
}

let toyRuns = 0;
const toy: Experiment<ToyConfig> = registerExperiment<ToyConfig>({
  id: "toy-report-test",
  title: "toy",
  paper: "none",
  configs: { quick: { n: 4, scale: 1 }, full: { n: 8, scale: 1 } },
  async run(c) {
    toyRuns++;
    return { line: { i: Array.from({ length: c.n }, (_, i) => i), y: Array.from({ length: c.n }, (_, i) => c.scale * i) } };
  },
  figures: [{ id: "toy-report-test", paperFigure: "test", title: "test figure", caption: () => "caption", size: "column", build: (t) => ({ data: [{ type: "scatter", x: t.line.i, y: t.line.y }], layout: {} }) }],
  claims: (t, c) => [claim("sum", "sum of y equals scale·n(n−1)/2", t.line.y.reduce((a, b) => a + b, 0), "<=", (c.scale * c.n * (c.n - 1)) / 2)],
});

test("runExperiment: rerun is a hit; a changed config field invalidates exactly that entry; corrupt is recomputed", async () => {
  const dir = tmp();
  toyRuns = 0;
  const first = await runExperiment(toy, { mode: "quick", cacheDir: dir });
  assert.equal(first.cache, "miss");
  assert.equal(toyRuns, 1);
  const again = await runExperiment("toy-report-test", { mode: "quick", cacheDir: dir });
  assert.equal(again.cache, "hit");
  assert.equal(toyRuns, 1, "a hit must not run");
  assert.deepEqual(again.tables, first.tables);
  assert.equal(again.hash, first.hash);

  const files = (): string[] => readdirSync(join(dir, "toy-report-test")).sort();
  const firstPath = join(dir, "toy-report-test", `${first.hash}.json`);
  const before = statSync(firstPath).mtimeMs;
  const changed = await runExperiment(toy, { mode: "quick", cacheDir: dir, config: { scale: 2 } });
  assert.equal(changed.cache, "miss");
  assert.equal(toyRuns, 2);
  assert.notEqual(changed.hash, first.hash);
  assert.deepEqual(changed.tables.line.y, [0, 2, 4, 6]);
  assert.deepEqual(files(), [`${changed.hash}.json`, `${first.hash}.json`].sort());
  assert.equal(statSync(firstPath).mtimeMs, before, "the other entry is untouched");
  assert.equal((await runExperiment(toy, { mode: "quick", cacheDir: dir })).cache, "hit", "the original entry still hits");
  assert.equal((await runExperiment(toy, { mode: "full", cacheDir: dir })).cache, "miss", "the full config is another entry");

  writeFileSync(firstPath, "{ broken");
  const repaired = await runExperiment(toy, { mode: "quick", cacheDir: dir });
  assert.equal(repaired.cache, "corrupt");
  assert.match(repaired.cacheNote ?? "", /recomputed/);
  assert.deepEqual(repaired.tables, first.tables);
  assert.equal((await runExperiment(toy, { mode: "quick", cacheDir: dir })).cache, "hit", "the recomputed entry was stored");

  const runsBefore = toyRuns;
  const off = await runExperiment(toy, { mode: "quick", cacheDir: dir, cache: false });
  assert.equal(off.cache, "off");
  assert.equal(toyRuns, runsBefore + 1);
});

test("config overrides must name a field and keep its kind", () => {
  assert.deepEqual(resolveConfig(toy, "quick", { n: 9 }), { n: 9, scale: 1 });
  assert.throws(() => resolveConfig(toy, "quick", { steps: 3 } as Partial<ToyConfig>), /unknown config field 'steps'; fields are n, scale/);
  assert.throws(() => resolveConfig(toy, "quick", { n: "9" } as unknown as Partial<ToyConfig>), /config\.n must be number, got string/);
  assert.throws(() => resolveConfig(toy, "medium" as "quick"), /mode 'medium' is not one of quick, full/);
});

test("registry: ids are unique and unknown ids list the known ones", () => {
  assert.equal(getExperiment("toy-report-test"), toy);
  assert.ok(listExperiments().some((e) => e.id === "demo"));
  assert.throws(() => registerExperiment({ ...toy }), /registered twice/);
  assert.throws(() => registerExperiment({ ...toy, id: "Bad Id" }), /must match/);
  assert.throws(() => getExperiment("nope"), /unknown experiment 'nope': registered ids are .*demo/);
});

test("claims: comparators, NaN fails, and the printed table", () => {
  assert.equal(claim("a", "s", 0.5, "<", 1).passed, true);
  assert.equal(claim("a", "s", 1, "<", 1).passed, false);
  assert.equal(claim("a", "s", 1, "<=", 1).passed, true);
  assert.equal(claim("a", "s", 2, ">", 1).passed, true);
  assert.equal(claim("a", "s", 1, ">=", 1.5).passed, false);
  assert.equal(claim("a", "s", NaN, "<=", 1).passed, false);
  assert.equal(claim("a", "s", NaN, ">=", -Infinity).passed, false);
  assert.throws(() => claim("a", "s", 1, "==" as "<", 1), /comparator '==' is not one of < <= > >=/);
  const text = formatClaimsTable([
    { experiment: "demo", ...claim("ok", "holds", 0.01, "<=", 0.1) },
    { experiment: "demo", ...claim("bad", "fails", 3, "<=", 0.1) },
  ]);
  assert.match(text, /^experiment\s+claim\s+measured/);
  assert.match(text, /demo\s+ok\s+0\.01\s+<=\s+0\.1\s+PASS\s+holds/);
  assert.match(text, /demo\s+bad\s+3\s+<=\s+0\.1\s+FAIL\s+fails/);
  assert.match(text, /1\/2 claims pass, 1 FAIL$/);
});

test("quickClaims 'reported': in quick mode a failing claim is shown as (fail) and fails nothing; in full mode it fails", async () => {
  const exp = registerExperiment<{ x: number }>({
    id: "smoke-claims-test",
    title: "smoke",
    paper: "none",
    configs: { quick: { x: 3 }, full: { x: 3 } },
    quickClaims: "reported",
    run: async (c) => ({ t: { x: [c.x] } }),
    figures: [{ id: "smoke-claims-test", paperFigure: "test", title: "test figure", caption: () => "caption", size: "column", build: () => ({ data: [], layout: {} }) }],
    claims: (t) => [claim("small", "x is small", t.t.x[0], "<=", 1), claim("positive", "x is positive", t.t.x[0], ">", 0)],
  });
  const quick = await runExperiment(exp, { mode: "quick", cache: false });
  assert.deepEqual(quick.claims.map((c) => [c.passed, c.enforced, failing(c)]), [[false, false, false], [true, false, false]]);
  const text = formatClaimsTable(quick.claims.map((c) => ({ experiment: exp.id, ...c })));
  assert.match(text, /small\s+3\s+<=\s+1\s+\(fail\)\s+x is small/);
  assert.match(text, /1\/2 claims pass, 1 \(fail\) not enforced: quick config, a smoke test$/);
  const dir = tmp();
  assert.equal(updateReport(dir, quick.claims.map((c) => ({ experiment: exp.id, ...c }))).passed, true);
  const full = await runExperiment(exp, { mode: "full", cache: false });
  assert.equal(full.claims.filter(failing).length, 1);
  assert.equal(updateReport(dir, full.claims.map((c) => ({ experiment: exp.id, ...c }))).passed, false);
});

test("demo: its claims pass on its own results and fail on wrong ones", async () => {
  const cacheDir = tmp();
  const r = await runExperiment(demo, { mode: "quick", cacheDir });
  assert.deepEqual(
    r.claims.map((c) => [c.id, c.passed]),
    [
      ["diverges-iff-unstable", true],
      ["error-rate", true],
    ],
  );
  const wrong: Tables = structuredClone(r.tables);
  wrong.sweep.diverged = wrong.sweep.diverged.map((d) => 1 - d);
  wrong.trajectory.err1[5] *= 1.01;
  const bad = demo.claims(wrong, r.config);
  assert.equal(bad[0].measured, r.config.sweepEtas.length);
  assert.deepEqual(
    bad.map((c) => c.passed),
    [false, false],
  );
  const t0 = Date.now();
  const warm = await runExperiment(demo, { mode: "quick", cacheDir });
  assert.equal(warm.cache, "hit");
  assert.ok(Date.now() - t0 < 2000, `a warm rerun took ${Date.now() - t0} ms`);
});

test("manifest and report: a subset run replaces its own entries and keeps the others", () => {
  const dir = tmp();
  const entry = (id: string, hash: string): ManifestEntry => ({
    id,
    experiment: id,
    title: id,
    paper: "p",
    paperFigure: "p, Fig. 1",
    caption: "c",
    size: "column",
    mode: "quick",
    configHash: hash,
    codeHash: "c",
    config: {},
    version: "0",
    engine: "auto",
    files: [`${id}.svg`],
  });
  updateManifest(dir, [entry("a", "1"), entry("b", "1")]);
  const m = updateManifest(dir, [entry("b", "2")]);
  assert.deepEqual(
    m.figures.map((e) => [e.id, e.configHash]),
    [
      ["a", "1"],
      ["b", "2"],
    ],
  );
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")), m);
  updateReport(dir, [{ experiment: "a", ...claim("x", "s", 1, "<", 0) }]);
  const r = updateReport(dir, [{ experiment: "b", ...claim("y", "s", 1, ">", 0) }]);
  assert.equal(r.passed, false, "a's failing claim is kept");
  const r2 = updateReport(dir, [{ experiment: "a", ...claim("x", "s", -1, "<", 0) }]);
  assert.equal(r2.passed, true);
  assert.deepEqual(
    r2.claims.map((c) => c.id),
    ["x", "y"],
  );
});

test("manifest, report and gallery hold nothing that changes per run; timings go to .last-run.json", async () => {
  const { writeGallery } = await import("../src/lab/gallery");
  const dir = tmp();
  const entry: ManifestEntry = { id: "a-fig", experiment: "a", title: "A", paper: "P", paperFigure: "P, Fig. 1", caption: "c", size: "text", mode: "full", configHash: "h", codeHash: "c", config: { lr: 0.1 }, version: "0", engine: "auto", files: ["a-fig.svg"] };
  const write = (): string[] => {
    const m = updateManifest(dir, [entry]);
    const r = updateReport(dir, [{ experiment: "a", ...claim("x", "s", -1, "<", 0) }]);
    writeGallery(dir, m, r);
    return ["manifest.json", "report.json", "README.md"].map((f) => readFileSync(join(dir, f), "utf8"));
  };
  const first = write();
  updateLastRun(dir, { a: { runtimeMs: 1234, cached: false, finishedAt: new Date().toISOString(), gitCommit: "abc" } });
  const second = write();
  updateLastRun(dir, { a: { runtimeMs: 5, cached: true, finishedAt: new Date(Date.now() + 1000).toISOString(), gitCommit: "def" } });
  assert.deepEqual(second, first, "an unchanged rerun rewrites the tracked files byte for byte");
  for (const text of first) assert.doesNotMatch(text, /generatedAt|runtimeMs|cached|gitCommit|finishedAt|\d{4}-\d\d-\d\dT\d\d:/);
  assert.deepEqual(Object.keys(JSON.parse(first[0]).figures[0]), ["id", "experiment", "title", "paper", "paperFigure", "caption", "size", "mode", "configHash", "codeHash", "config", "version", "engine", "files"]);
  // A subset run keeps the other experiments' timings.
  updateLastRun(dir, { b: { runtimeMs: 7, cached: false, finishedAt: "t", gitCommit: null } });
  assert.deepEqual([...lastRuntimes(dir)], [["a", 5], ["b", 7]]);
  assert.equal(readLastRun(dir).experiments.a.cached, true);
});

test("a manifest written before .last-run.json: its per-run fields move there, the rewrite drops them", () => {
  const dir = tmp();
  const legacy = { generatedAt: "2026-11-30T05:17:26.685Z", figures: [
    { id: "old-exp", title: "Old", paper: "P", mode: "full", configHash: "h", config: {}, version: "0.1.0", gitCommit: "1bd5", backend: "wasm", runtimeMs: 246410, cached: true, generatedAt: "2026-11-23T14:52:57.108Z", files: ["old-exp.svg"] },
  ] };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(legacy));
  assert.deepEqual([...lastRuntimes(dir)], [["old-exp", 246410]], "read from the old manifest before any rewrite");
  const m = updateManifest(dir, [{ id: "new-fig", experiment: "new", title: "N", paper: "P", paperFigure: "", caption: "", size: "column", mode: "full", configHash: "h", codeHash: "c", config: {}, version: "0", engine: "auto", files: [] }]);
  assert.deepEqual(m.figures.map((e) => e.id), ["new-fig", "old-exp"]);
  const written = readFileSync(join(dir, "manifest.json"), "utf8");
  assert.doesNotMatch(written, /generatedAt|runtimeMs|cached|gitCommit/);
  const last = JSON.parse(readFileSync(join(dir, LAST_RUN_FILE), "utf8"));
  assert.deepEqual(last.experiments["old-exp"], { runtimeMs: 246410, cached: true, finishedAt: "2026-11-23T14:52:57.108Z", gitCommit: "1bd5" });
});

test("tables: numeric columns of equal length, from DataFrames too, and CSV", () => {
  assert.throws(() => toTable({ a: [1, 2], b: [1] }, "t"), /t\.b has 1 rows, other columns have 2/);
  assert.throws(() => toTable({ a: [1, "x"] } as unknown as Record<string, number[]>, "t"), /t\.a\[1\] must be a number, got string x/);
  const df = toDataFrame({ step: [0, 1, 2], loss: [1, 0.5, NaN] });
  assert.deepEqual(df.shape, [3, 2]);
  assert.deepEqual(toTable(df), { step: [0, 1, 2], loss: [1, 0.5, NaN] });
  assert.equal(tableToCsv({ step: [0, 1], "a,b": [Infinity, 1e-20] }), 'step,"a,b"\n0,Infinity\n1,1e-20\n');
});

test("the gallery lists every figure with its image and claims, flagging failures", async () => {
  const { galleryMarkdown } = await import("../src/lab/gallery");
  const md = galleryMarkdown(
    {
      figures: [
        { id: "b-fig", experiment: "b-fig", paperFigure: "P, Fig. 2", caption: "B's caption", size: "text", title: "B", paper: "P", mode: "full", configHash: "h", codeHash: "c", config: {}, version: "0", engine: "auto", files: ["b-fig.png", "b-fig.svg"] },
        { id: "a-fig", experiment: "a-fig", paperFigure: "P, Fig. 1", caption: "", size: "column", title: "A", paper: "P", mode: "quick", configHash: "h", codeHash: "c", config: {}, version: "0", engine: null, files: ["a-fig.csv"] },
      ],
    },
    {
      passed: false,
      claims: [
        { experiment: "b-fig", id: "c1", statement: "x | y", measured: 0.5, comparator: "<", threshold: 1, passed: true },
        { experiment: "b-fig", id: "c2", statement: "z", measured: 2, comparator: "<", threshold: 1, passed: false },
      ],
    },
  );
  assert.ok(md.indexOf("## a-fig") < md.indexOf("## b-fig"), "sorted by id");
  assert.match(md, /\| \[b-fig\]\(#b-fig\) \| b-fig \| full \| 1\/2 pass \|/);
  assert.match(md, /<img src="b-fig\.png" width="648" alt="b-fig">/);
  assert.match(md, /reproduces P, Fig\. 2 \(text width\)/);
  assert.match(md, /B's caption/);
  assert.match(md, /\| x \\\| y \| 0\.5 \| < 1 \| PASS \|/);
  assert.match(md, /\| z \| 2 \| < 1 \| \*\*FAIL\*\* \|/);
});
