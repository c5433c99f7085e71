/**
 * The `flowlab` command line, in process: help for the program and every command (-h and --help), --version,
 * aligned help within 100 columns, --list and --list --long, info's advice on the native backend, and every
 * flag documented in the README.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { COMMANDS } from "../src/cli";
import { flowlab } from "./cli-helpers";
import { usage, type FlagSpec } from "../src/cli/args";
import { nativeAdvice, NATIVE_PACKAGE } from "../src/cli/info";
import { columns, TERMINAL_WIDTH, textWidth, truncate, wrap } from "../src/cli/text";
import type { BackendInfo } from "../src/backend";

function assertFits(text: string, what: string): void {
  for (const line of text.split("\n")) assert.ok(textWidth(line) <= TERMINAL_WIDTH, `${what}: a line of ${textWidth(line)} columns: ${line}`);
}

const VERSION = (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;

test("flowlab --help: every command with its one-line summary, aligned; no command exits 2 with the help on stderr", async () => {
  for (const flag of ["--help", "-h", "help"]) {
    const r = await flowlab(flag);
    assert.equal(r.code, 0);
    const rows = r.out.split("\n").filter((l) => /^ {2}\S/.test(l));
    assert.deepEqual(rows.map((l) => l.trim().split(/\s+/)[0]), Object.keys(COMMANDS));
    const starts = rows.map((l, i) => l.indexOf(COMMANDS[Object.keys(COMMANDS)[i]].summary));
    assert.ok(starts.every((s) => s === starts[0] && s > 0), `summaries start in one column: ${starts.join(", ")}`);
    assertFits(r.out, flag);
  }
  const bare = await flowlab();
  assert.equal(bare.code, 2);
  assert.match(bare.err, /usage: flowlab <command>/);
  const unknown = await flowlab("figurs");
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command 'figurs'/);
});

test("flowlab --version prints the package version", async () => {
  for (const flag of ["--version", "-V", "version"]) {
    const r = await flowlab(flag);
    assert.equal(r.code, 0);
    assert.equal(r.out, `flowlab ${VERSION}`);
  }
});

test("every command takes -h and --help: summary, synopsis, every flag in one aligned column, within 100 columns", async () => {
  for (const [name, command] of Object.entries(COMMANDS)) {
    const { spec } = await command.load();
    for (const flag of ["-h", "--help"]) {
      const r = await flowlab(name, flag);
      assert.equal(r.code, 0, `flowlab ${name} ${flag}: ${r.err}`);
      assert.ok(r.out.startsWith(`flowlab ${name}: ${command.summary}\n`), r.out);
      assertFits(r.out, `flowlab ${name} ${flag}`);
      const rows = r.out.split("\n").filter((l) => /^ {2}(--|-h)/.test(l));
      assert.deepEqual(rows.map((l) => l.trim().split(/[ ,]/)[0]), [...Object.keys(spec).map((k) => `--${k}`), "-h"]);
      // Where the help text starts: after the flag and its placeholder, at the first run of 2+ spaces.
      const cols = rows.map((l) => (/^ {2}\S.*? {2,}(?=\S)/.exec(l)?.[0].length ?? -1));
      assert.ok(cols.every((c) => c === cols[0]), `flowlab ${name}: help texts start in one column (${cols.join(", ")})`);
    }
  }
  // -h after other flags, as typed in a hurry.
  assert.equal((await flowlab("figures", "--quick", "-h")).code, 0);
});

test("a usage error names the flag, prints the command's help and exits 2", async () => {
  const r = await flowlab("figures", "--bogus");
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown flag --bogus/);
  assert.match(r.err, /-h, --help +show this help/);
  const long = await flowlab("figures", "--long");
  assert.equal(long.code, 2);
  assert.match(long.err, /--long goes with --list/);
});

test("usage(): computed widths, wrapped help, placeholders", () => {
  const spec: Record<string, FlagSpec> = {
    a: { kind: "boolean", help: "short" },
    "much-longer-name": { kind: "string", arg: "DIR", help: "x ".repeat(80).trim(), required: true },
  };
  const text = usage("demo", "a demo", spec, { notes: ["examples:\n  flowlab demo --a"] });
  const lines = text.split("\n");
  const a = lines.find((l) => l.startsWith("  --a")) as string;
  const b = lines.find((l) => l.startsWith("  --much-longer-name DIR")) as string;
  assert.equal(a.indexOf("short"), b.indexOf("x"));
  assertFits(text, "usage");
  const continuation = lines[lines.indexOf(b) + 1];
  assert.equal(continuation.search(/\S/), b.indexOf("x"), "wrapped help continues under itself");
  assert.match(text, /\(required\)/);
  assert.ok(text.endsWith("examples:\n  flowlab demo --a"), "indented example lines are kept as written");
});

test("text helpers: truncate, wrap, columns", () => {
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abc", 4), "abc");
  assert.equal(truncate("ηλᵀ²x", 4), "ηλᵀ…", "code points, not UTF-16 units or bytes");
  assert.deepEqual(wrap("aa bb cc", 5), ["aa bb", "cc"]);
  assert.deepEqual(wrap("", 5), [""]);
  assert.deepEqual(columns([["a", "one"], ["bbb", "two"]]), ["a    one", "bbb  two"]);
});

test("figures --list fits 100 columns and names every experiment; --list --long adds titles in full and papers", async () => {
  const { listExperiments } = await import("../src/lab/registry");
  await import("../src/papers/index");
  const all = listExperiments();
  const short = await flowlab("figures", "--list");
  assert.equal(short.code, 0);
  assertFits(short.out, "--list");
  for (const e of all) assert.match(short.out, new RegExp(`^${e.id}\\*?\\s`, "m"));
  const long = await flowlab("figures", "--list", "--long");
  assert.equal(long.code, 0);
  assertFits(long.out, "--list --long");
  const flat = long.out.replace(/\s+/g, " ");
  for (const e of all) {
    assert.ok(flat.includes(e.title.replace(/\s+/g, " ")), `full title of ${e.id}`);
    assert.ok(flat.includes(e.paper.replace(/\s+/g, " ")), `paper of ${e.id}`);
    const why = e.unavailable?.();
    if (why) assert.ok(flat.includes(why), `why ${e.id} is skipped`);
  }
});

test("info: backend, threads and how to get the native backend", async () => {
  const r = await flowlab("info");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^threads +\d+ of \d+ core/m);
  assertFits(r.out, "info");
  const json = await flowlab("info", "--json");
  const info = JSON.parse(json.out) as { backend: string; threads: number; nativeAdvice: string | null; skipped: string[] };
  assert.ok(info.threads >= 1);
  if (info.backend === "native") assert.equal(info.nativeAdvice, null);
  else {
    assert.ok(info.nativeAdvice?.includes(`npm install ${NATIVE_PACKAGE}`), String(info.nativeAdvice));
    assert.ok(r.out.replace(/\s+/g, " ").includes(`npm install ${NATIVE_PACKAGE}`));
  }
});

test("nativeAdvice: not installed vs installed but not loading vs not tried", () => {
  const base: BackendInfo = { backend: "wasm", tfjsBackend: "wasm", tfjsVersion: "4.22.0", skipped: [], threads: 1, simd: true };
  const missing = nativeAdvice({ ...base, skipped: ["native: Cannot find module '@tensorflow/tfjs-node'"] }) as string;
  assert.match(missing, /not installed/);
  assert.match(missing, /npm install @tensorflow\/tfjs-node@4\.22\.0/);
  const broken = nativeAdvice({ ...base, skipped: ["native: libtensorflow.so.2: cannot open shared object file"] }) as string;
  assert.match(broken, /did not load \(libtensorflow\.so\.2: cannot open shared object file\)/);
  assert.match(nativeAdvice({ ...base, skipped: [] }) as string, /not tried/);
  assert.equal(nativeAdvice({ ...base, backend: "native" }), null);
});

test("the README documents every command and every flag", async () => {
  const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
  for (const [name, command] of Object.entries(COMMANDS)) {
    assert.match(readme, new RegExp(`flowlab ${name}\\b`), `README mentions flowlab ${name}`);
    const { spec } = await command.load();
    for (const flag of Object.keys(spec)) assert.ok(readme.includes(`--${flag}`), `README documents flowlab ${name} --${flag}`);
  }
  for (const env of ["FLOWLAB_REFERENCE", "FLOWLAB_BACKEND", "FLOWLAB_THREADS", "FLOWLAB_PROGRESS", "FLOWLAB_HEARTBEAT_S", "FLOWLAB_QUICK", "FLOWLAB_CIFAR10_URL"]) {
    assert.ok(readme.includes(env), `README documents ${env}`);
  }
});

test("every relative link in the README and notebooks/README.md names a file that exists (and a gallery section that exists)", () => {
  const root = join(__dirname, "..");
  const gallery = readFileSync(join(root, "figures", "README.md"), "utf8");
  // GitHub's heading anchors: lower case, spaces to '-', punctuation other than '-' and '_' dropped.
  const anchors = new Set([...gallery.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")));
  for (const doc of ["README.md", join("notebooks", "README.md")]) {
    const text = readFileSync(join(root, doc), "utf8");
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith("#"));
    if (doc === "README.md") assert.ok(links.length > 20, "the README links its notebooks and the gallery");
    for (const link of links) {
      const [path, anchor] = link.split("#");
      const target = join(root, dirname(doc), path);
      assert.ok(existsSync(target), `${doc} links to ${link}, which does not exist`);
      if (anchor !== undefined && target.endsWith(join("figures", "README.md"))) assert.ok(anchors.has(anchor), `${doc} links to ${link}: no such section in the gallery`);
    }
  }
});
