/**
 * `flowlab figures` on the demo (quick): every file written and valid (SVG, PDF, PNG at 2× the layout, HTML,
 * CSV, manifest, report), a warm rerun is instant, a failing claim or a missing browser gives exit status 1.
 * One browser launch for the whole file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/figures";
import { UsageError } from "../src/cli/args";
import { registerExperiment } from "../src/lab/registry";
import { claim } from "../src/lab/claims";
import { LAST_RUN_FILE, type LastRun, type Manifest, type Report } from "../src/lab/manifest";

process.env.FLOWLAB_RESULTS = mkdtempSync(join(tmpdir(), "flowlab-cli-results-"));
process.env.FLOWLAB_PROGRESS = "0";

/** Runs the command, capturing what it prints. */
async function figures(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = console.log;
  const error = console.error;
  let out = "";
  let err = "";
  console.log = (...a: unknown[]) => void (out += a.join(" ") + "\n");
  console.error = (...a: unknown[]) => void (err += a.join(" ") + "\n");
  try {
    return { code: await main(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

test("--list names the demo", async () => {
  const r = await figures(["--list"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^demo\s+GD on a 2-D quadratic/m);
});

test("--only demo --quick writes valid SVG, PDF, PNG (2×), HTML, CSV, manifest and report; a warm rerun is instant", async () => {
  const out = mkdtempSync(join(tmpdir(), "flowlab-figures-"));
  const r = await figures(["--only", "demo", "--quick", "--out", out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /demo\s+diverges-iff-unstable\s+0\s+<=\s+0\s+PASS/);
  assert.match(r.out, /2\/2 claims pass/);

  // One manifest entry per figure of the experiment, each with its own images and the experiment's tables.
  const manifest = readJson<Manifest>(join(out, "manifest.json"));
  const tables = ["demo.landscape.csv", "demo.sweep.csv", "demo.trajectory.csv"];
  assert.deepEqual(manifest.figures.map((e) => e.id), ["demo-error-rates", "demo-stability"]);
  for (const entry of manifest.figures) {
    assert.equal(entry.experiment, "demo");
    assert.equal(entry.mode, "quick");
    assert.equal(entry.size, "text");
    assert.ok(entry.caption.length > 40 && !/[_^]\{/.test(entry.caption), `a caption without raw TeX: ${entry.caption}`);
    assert.match(entry.configHash, /^[0-9a-f]{16}$/);
    assert.equal(entry.codeHash.length > 0 && entry.engine !== null, true, "code hash and engine recorded");
    assert.equal("backend" in entry, false, "the backend is per-run, not in the tracked manifest");
    assert.deepEqual([...entry.files].sort(), [...["html", "pdf", "png", "svg"].map((x) => `${entry.id}.${x}`), ...tables].sort());
    for (const f of entry.files) assert.ok(existsSync(join(out, f)), f);
  }
  const lastRun = readJson<LastRun>(join(out, LAST_RUN_FILE));
  assert.equal(lastRun.experiments.demo.cached, false, "per-run fields are in .last-run.json");
  assert.ok(lastRun.experiments.demo.runtimeMs >= 0);
  assert.ok(lastRun.experiments.demo.backend, "the backend recorded with the results is in .last-run.json");
  const report = readJson<Report>(join(out, "report.json"));
  assert.equal(report.passed, true);
  assert.deepEqual(
    report.claims.map((c) => [c.experiment, c.id, c.passed]),
    [
      ["demo", "diverges-iff-unstable", true],
      ["demo", "error-rate", true],
    ],
  );

  // Exports at the physical size of the figure's preset (text width, 6.75 in).
  const html = readFileSync(join(out, "demo-stability.html"), "utf8");
  assert.ok(!/<script[^>]*\ssrc=/.test(html) && html.includes("Plotly"), "the HTML page is self-contained (plotly inlined)");
  const svg = readFileSync(join(out, "demo-stability.svg"), "utf8");
  const [, wIn, hIn] = /^<svg width="([\d.]+)in" height="([\d.]+)in"/.exec(svg) ?? [];
  assert.equal(Number(wIn), 6.75, "SVG width in inches");
  assert.ok((svg.match(/class="scatterlayer/g) ?? []).length >= 1 && svg.includes("class=\"contour"), "traces and the contour are in the SVG");
  assert.ok(svg.includes("@font-face{font-family:'Arimo'"), "the font ships inside the SVG");

  const png = readFileSync(join(out, "demo-stability.png"));
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  assert.equal(png.subarray(12, 16).toString("ascii"), "IHDR");
  assert.equal(png.readUInt32BE(16), Math.round(6.75 * 300), "PNG width: 6.75 in at 300 dpi");
  assert.ok(Math.abs(png.readUInt32BE(20) - Number(hIn) * 300) <= 1, "PNG height: the SVG's at 300 dpi");

  const pdf = readFileSync(join(out, "demo-stability.pdf"));
  assert.equal(pdf.subarray(0, 5).toString("ascii"), "%PDF-");
  assert.match(pdf.subarray(pdf.length - 8).toString("latin1"), /%%EOF\s*$/);
  const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString("latin1"));
  assert.ok(box, "a MediaBox");
  assert.ok(Math.abs(Number(box[1]) - 6.75 * 72) < 0.5 && Math.abs(Number(box[2]) - Number(hIn) * 72) < 1, `one page of the figure's size: ${box[1]}×${box[2]} pt`);
  assert.equal((pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length, 1, "one page");

  const csv = readFileSync(join(out, "demo.sweep.csv"), "utf8").split("\n");
  assert.equal(csv[0], "eta,eta_lambda_max,growth,diverged,unstable");
  assert.equal(csv.length, 8 + 2, "header, 8 sweep rows, final newline");

  // Rerun with nothing changed (results from the cache, a new browser): every file the same bytes but the timings.
  const snapshot = (): Map<string, Buffer> => new Map(readdirSync(out).filter((f) => f !== LAST_RUN_FILE && !f.startsWith(".manifest")).map((f) => [f, readFileSync(join(out, f))]));
  const before = snapshot();
  const again = await figures(["--only", "demo", "--quick", "--out", out]);
  assert.equal(again.code, 0, again.err);
  const after = snapshot();
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [f, bytes] of before) assert.ok(bytes.equals(after.get(f) as Buffer), `${f} changed on an unchanged rerun`);

  // Warm rerun without the browser: the cached path alone.
  const t0 = Date.now();
  const warm = await figures(["--only", "demo", "--quick", "--out", out, "--formats", "csv,html"]);
  const ms = Date.now() - t0;
  assert.equal(warm.code, 0);
  assert.match(warm.out, /demo: results from cache/);
  assert.ok(ms < 2000, `warm rerun took ${ms} ms`);
  assert.equal(readJson<LastRun>(join(out, LAST_RUN_FILE)).experiments.demo.cached, true, "the results came from the cache");
});

registerExperiment<{ n: number }>({
  id: "failing-claim-test",
  title: "a claim that fails",
  paper: "none",
  configs: { quick: { n: 1 }, full: { n: 1 } },
  run: async (c) => ({ t: { x: [c.n] } }),
  figures: [{ id: "failing-claim-test", paperFigure: "test", title: "test figure", caption: () => "caption", size: "column", build: (t) => ({ data: [{ type: "scatter", y: t.t.x }], layout: {} }) }],
  claims: (t) => [claim("too-big", "x stays below 0.5", t.t.x[0], "<", 0.5)],
});

test("a failing claim makes the exit status 1 and is reported", async () => {
  const out = mkdtempSync(join(tmpdir(), "flowlab-figures-"));
  const r = await figures(["--only", "failing-claim-test", "--out", out, "--formats", "csv"]);
  assert.equal(r.code, 1);
  assert.match(r.out, /failing-claim-test\s+too-big\s+1\s+<\s+0\.5\s+FAIL/);
  assert.equal(readJson<Report>(join(out, "report.json")).passed, false);
});

test("no browser: CSV and report still written, a message says how to install one, exit status 1", async () => {
  const out = mkdtempSync(join(tmpdir(), "flowlab-figures-"));
  process.env.FLOWLAB_CHROMIUM = "/nonexistent/chromium";
  try {
    const r = await figures(["--only", "demo", "--quick", "--out", out, "--formats", "csv,png"]);
    assert.equal(r.code, 1);
    assert.match(r.err, /cannot export png: .*\n.*apt-get install chromium/);
    assert.ok(existsSync(join(out, "demo.sweep.csv")));
    assert.ok(!existsSync(join(out, "demo.png")));
  } finally {
    delete process.env.FLOWLAB_CHROMIUM;
  }
});

test("bad flags name the allowed values", async () => {
  await assert.rejects(() => figures(["--only", "nope"]), (e: Error) => e instanceof UsageError && /unknown experiment 'nope'; ids are .*demo/.test(e.message));
  await assert.rejects(() => figures(["--formats", "gif"]), /'gif' is not one of svg, pdf, png, html, csv/);
  await assert.rejects(() => figures(["--scale", "1"]), /--scale must be at least 2/);
});
