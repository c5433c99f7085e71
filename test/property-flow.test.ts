/**
 * Property-based tests of `flowlab flow` (fast-check): generated malformed problem directories and option sets
 * each give a non-zero exit, a message naming the file or flag at fault, and no output files; generated valid
 * problems run and write a complete, rectangular set. In-process (the CLI's `run`) so that they stay fast.
 */
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { initBackend } from "../src/runtime";
import { writeNpy } from "../src/data/npy";
import { PROBLEM_ACTIVATIONS } from "../src/data/problem";
import { EXTRA_COLUMNS } from "../src/flows/output";
import { PROCESSES } from "../src/flows/index";
import { denseLayout } from "../src/params";
import { flowlabInProcess as flowlab, leftovers, SMALL, wave, writeSmallProblem, type SmallProblem } from "./hardening-helpers";

const tmp = mkdtempSync(join(tmpdir(), "flowlab-prop-"));
let n = 0;
before(() => initBackend());
after(() => rmSync(tmp, { recursive: true, force: true }));

const P = denseLayout(SMALL.widths, SMALL.bias).size; // 13
const D = SMALL.widths[0];

/** A fault in a problem directory or in the flags, and what the message must name. */
interface Fault {
  what: string;
  /** Edits the problem directory; returns extra flags (after the valid ones, so they override). */
  apply(dir: string, out: string): string[];
  names: RegExp;
}

const json = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, "problem.json"), "utf8")) as Record<string, unknown>;
const setJson = (dir: string, v: unknown): void => writeFileSync(join(dir, "problem.json"), JSON.stringify(v));
const fileFault = (what: string, names: RegExp, apply: (dir: string) => void): Fault => ({ what, names, apply: (dir) => (apply(dir), []) });
const flagFault = (what: string, names: RegExp, flags: (out: string) => string[]): Fault => ({ what, names, apply: (_dir, out) => flags(out) });

const notA = (allowed: readonly string[]): fc.Arbitrary<string> => fc.string({ maxLength: 8 }).filter((s) => !allowed.includes(s));
const badInt = fc.oneof(fc.constantFrom<unknown>(-1, 0.5, "3", null, true, [], {}), fc.integer({ max: -1 }));

const faults: fc.Arbitrary<Fault> = fc.oneof(
  fc.constantFrom("model", "loss", "optimizer", "steps", "k").map((f) => fileFault(`problem.json without ${f}`, new RegExp(`problem\\.json: missing field "${f}"`), (d) => setJson(d, { ...json(d), [f]: undefined }))),
  notA(["model", "loss", "optimizer", "steps", "k", "__proto__"]).map((f) => fileFault(`unknown field ${JSON.stringify(f)}`, /problem\.json: unknown field/, (d) => setJson(d, { ...json(d), [f]: 1 }))),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom<unknown>(0, -1, 1.5, "a", null)).map(([i, v]) =>
    fileFault(`widths[${i}] = ${JSON.stringify(v)}`, new RegExp(`problem\\.json: field "model\\.widths\\[${i}\\]"`), (d) => {
      const j = json(d) as { model: { widths: unknown[] } };
      j.model.widths[i] = v;
      setJson(d, j);
    }),
  ),
  notA(PROBLEM_ACTIVATIONS).map((a) => fileFault(`activation ${JSON.stringify(a)}`, /problem\.json: field "model\.activation" must be one of/, (d) => setJson(d, { ...json(d), model: { ...(json(d).model as object), activation: a } }))),
  notA(["mse", "half_sse", "sum_half_sse"]).map((l) => fileFault(`loss ${JSON.stringify(l)}`, /problem\.json: field "loss"/, (d) => setJson(d, { ...json(d), loss: l }))),
  badInt.map((v) => fileFault(`steps ${JSON.stringify(v)}`, /problem\.json: field "steps"/, (d) => setJson(d, { ...json(d), steps: v }))),
  fc.oneof(badInt, fc.constant(0), fc.integer({ min: P + 1, max: 10_000 })).map((v) => fileFault(`k ${JSON.stringify(v)}`, /problem\.json: field "k"/, (d) => setJson(d, { ...json(d), k: v }))),
  fc.constantFrom("0", "-0.1", '"0.1"', "null", "1e400", "-1e400").map((v) =>
    fileFault(`lr ${v}`, /problem\.json: field "optimizer\.lr"/, (d) => writeFileSync(join(d, "problem.json"), JSON.stringify(json(d)).replace('"lr":0.1', `"lr":${v}`))),
  ),
  fc.nat().map((cut) =>
    fileFault("truncated problem.json", /problem\.json: not valid JSON/, (d) => {
      const t = JSON.stringify(json(d));
      writeFileSync(join(d, "problem.json"), t.slice(0, cut % t.length));
    }),
  ),
  fc.constantFrom("problem.json", "X.npy", "y.npy", "w0.npy").map((f) => fileFault(`no ${f}`, new RegExp(`${f.replace(".", "\\.")}: `), (d) => unlinkSync(join(d, f)))),
  fc.tuple(fc.constantFrom("X.npy", "y.npy", "w0.npy"), fc.uint8Array({ maxLength: 64 })).map(([f, bytes]) =>
    fileFault(`garbage ${f}`, new RegExp(`${f.replace(".", "\\.")}: `), (d) => writeFileSync(join(d, f), bytes)),
  ),
  fc.constant(fileFault("X with no rows", /X\.npy: shape \(0, 2\) has no rows/, (d) => writeNpy(join(d, "X.npy"), new Float64Array(0), [0, D]))),
  fc.integer({ min: 1, max: 3 }).map((extra) => fileFault(`X with ${D + extra} columns`, /X\.npy: shape/, (d) => writeNpy(join(d, "X.npy"), wave(SMALL.n * (D + extra), 0), [SMALL.n, D + extra]))),
  fc.tuple(fc.constantFrom("X.npy", "y.npy", "w0.npy"), fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity)).map(([f, at, v]) =>
    fileFault(`${v} in ${f}`, new RegExp(`${f.replace(".", "\\.")}: entry \\[.*\\] is ${v}`), (d) => {
      const len = f === "X.npy" ? SMALL.n * D : f === "y.npy" ? SMALL.n : P;
      const data = wave(len, 0.7);
      data[at % len] = v;
      writeNpy(join(d, f), data, f === "X.npy" ? [SMALL.n, D] : [len]);
    }),
  ),
  fc.integer({ min: -12, max: 12 }).filter((delta) => delta !== 0).map((delta) =>
    fileFault(`w0 of length ${P + delta}`, new RegExp(`w0\\.npy: has ${P + delta} entries, but "model\\.widths" \\[2, 3, 1\\] with bias true in .*problem\\.json needs ${P}`), (d) =>
      writeNpy(join(d, "w0.npy"), wave(P + delta, 0), [P + delta]),
    ),
  ),
  fc.integer({ min: 1, max: 3 }).map((fewer) => fileFault(`y with ${SMALL.n - fewer} rows`, /y\.npy: shape/, (d) => writeNpy(join(d, "y.npy"), wave(SMALL.n - fewer, 0), [SMALL.n - fewer]))),
  // Flags.
  notA([...PROCESSES]).filter((s) => s.trim() !== "" && !s.includes(",") && !s.startsWith("--")).map((w) => flagFault(`--which ${JSON.stringify(w)}`, /--which: .* is not a process; allowed: discrete, stable, central/, () => ["--which", w])),
  fc.constantFrom("", ",", " , ").map((w) => flagFault(`--which ${JSON.stringify(w)}`, /--which: no process given/, () => ["--which", w])),
  fc.constantFrom(...PROCESSES).map((w) => flagFault(`--which ${w},${w}`, /--which: '.*' is given twice/, () => ["--which", `${w},${w}`])),
  fc.oneof(fc.constant(0), fc.integer({ min: P + 1, max: 100_000 })).map((k) => flagFault(`--k ${k}`, /--k: \d+ is out of range; the problem's model has 13 parameters/, () => ["--k", String(k)])),
  fc.constantFrom("", "-1", "1.5", "abc", "1e400", "0x", "0x10", " ").map((s) => flagFault(`--steps ${JSON.stringify(s)}`, /--steps must be a non-negative integer/, () => [`--steps=${s}`])),
  fc.stringMatching(/^[a-z][a-z-]{0,10}$/).filter((f) => !["problem", "which", "steps", "k", "out", "force", "help"].includes(f)).map((f) => flagFault(`--${f}`, /unknown flag --/, () => [`--${f}`, "1"])),
  fc.constant(flagFault("--out is a file", /--out .*: exists and is not a folder/, (out) => (writeFileSync(out, "keep"), []))),
  fc.constant(flagFault("--out holds other files", /--out .*: is a folder holding other files/, (out) => (mkdirSync(out), writeFileSync(join(out, "mine.txt"), "keep"), ["--force"]))),
);

test("property: every malformed problem directory or option set fails with a message naming the file or flag, and writes nothing", async () => {
  await fc.assert(
    fc.asyncProperty(faults, async (fault) => {
      const dir = join(tmp, `bad-${n}`);
      const out = join(tmp, `out-${n++}`);
      writeSmallProblem(dir);
      const extra = fault.apply(dir, out);
      const before_ = !existsSync(out) ? null : lstatSync(out).isDirectory() ? "dir" : readFileSync(out, "utf8");
      const r = await flowlab("flow", "--problem", dir, "--which", "stable", "--steps", "1", "--out", out, ...extra);
      assert.notEqual(r.status, 0, `${fault.what}: exit 0`);
      assert.match(r.stderr, fault.names, `${fault.what}: message does not name the file/flag:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${fault.what}: stack trace`);
      if (before_ === null) assert.ok(!existsSync(out), `${fault.what}: --out was created`);
      else if (before_ === "dir") assert.deepEqual(readdirSync(out), ["mine.txt"]);
      else assert.equal(readFileSync(out, "utf8"), before_);
      assert.deepEqual(leftovers(out), [], `${fault.what}: temporary folder left`);
    }),
    { numRuns: 150, seed: Number(process.env.FLOWLAB_PROPERTY_SEED ?? 16) },
  );
});

const validProblems: fc.Arbitrary<{ p: SmallProblem; which: string[] }> = fc
  .record({
    d: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
    out: fc.integer({ min: 1, max: 2 }),
    activation: fc.constantFrom(...PROBLEM_ACTIVATIONS),
    bias: fc.boolean(),
    n: fc.integer({ min: 1, max: 6 }),
    lr: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
    steps: fc.integer({ min: 0, max: 2 }),
    kWish: fc.integer({ min: 1, max: 2 }),
    which: fc.subarray([...PROCESSES], { minLength: 1 }),
  })
  .map(({ d, hidden, out, activation, bias, n: rows, lr, steps, kWish, which }) => {
    const widths = [d, ...hidden, out];
    const k = Math.min(kWish, denseLayout(widths, bias).size);
    return { p: { widths, activation, bias, loss: "mse", n: rows, lr, steps, k }, which };
  });

test("property: every valid small problem runs and writes a complete, rectangular set with run.json", async () => {
  await fc.assert(
    fc.asyncProperty(validProblems, async ({ p, which }) => {
      const dir = join(tmp, `good-${n}`);
      const out = join(tmp, `out-${n++}`, "nested");
      writeSmallProblem(dir, p);
      const r = await flowlab("flow", "--problem", dir, "--which", which.join(","), "--out", out);
      assert.equal(r.status, 0, `${JSON.stringify({ p, which })}: ${r.stderr}`);
      const expected = [...which.flatMap((w) => [`${w}.csv`, `w_final_${w}.npy`]), "run.json"].sort();
      assert.deepEqual(readdirSync(out).sort(), expected);
      for (const w of which as (typeof PROCESSES)[number][]) {
        const lines = readFileSync(join(out, `${w}.csv`), "utf8").trim().split("\n");
        const header = lines[0].split(",");
        assert.equal(header.length, 2 + p.k + EXTRA_COLUMNS[w].length);
        assert.equal(lines.length, 1 + p.steps, `${w}.csv: one row per unit of time`);
        for (const line of lines.slice(1)) assert.equal(line.split(",").length, header.length, `${w}.csv is ragged`);
      }
      const meta = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { options: { which: string[]; steps: number; k: number } };
      assert.deepEqual(meta.options, { which, steps: p.steps, k: p.k, sdcpPairs: "active", force: false });
      assert.deepEqual(leftovers(out), []);
    }),
    { numRuns: 12, seed: Number(process.env.FLOWLAB_PROPERTY_SEED ?? 16) },
  );
});
