/**
 * The notebook session (notebookSetup's result) and the figure outputs: final figures are one MIME bundle with
 * the interactive HTML over a static PNG (drawn by the system Chromium) plus image/png; a rerun replaces the
 * experiment's claims instead of appending them; a cache hit reports its load time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeSharedExporter, findChromium } from "../src/plot/export";
import { setNotebookFrontend, show, type DisplaySlot, type MimeBundle } from "../src/plot/show";
import { figureDivHtml } from "../src/plot/html";
import { NotebookSession } from "../src/notebook/session";
import { registerExperiment } from "../src/lab/registry";
import { claim } from "../src/lab/claims";
import type { PlotlyFigure } from "../src/plot/figure";

interface Output {
  frames: MimeBundle[];
  metadata: Record<string, unknown>[];
}

function fakeTslab(): { outputs: Output[]; tslab: { display: DisplaySlot; newDisplay: () => DisplaySlot } } {
  const outputs: Output[] = [];
  const slot = (): DisplaySlot => {
    const out: Output = { frames: [], metadata: [] };
    outputs.push(out);
    const bundle = (data: MimeBundle, metadata: Record<string, unknown> = {}): void => {
      out.frames.push(data);
      out.metadata.push(metadata);
    };
    return { html: (s) => bundle({ "text/html": s }), text: (s) => bundle({ "text/plain": s }), bundle };
  };
  return { outputs, tslab: { display: slot(), newDisplay: slot } };
}

const fig: PlotlyFigure = { data: [{ type: "scatter", x: [0, 1, 2], y: [0, 1, 4] }], layout: { width: 600, height: 300, title: { text: "parabola" } } };

let chromium: string | false = false;
try {
  chromium = findChromium();
} catch {
  chromium = false;
}

test("figure HTML: responsive (width of the output area, height from the aspect), static image under the plot", () => {
  const html = figureDivHtml(fig, { id: "f", staticImage: { mime: "image/png", base64: "AAAA" } });
  assert.match(html, /<div id="f" class="flowlab-figure" style="width:100%;max-width:900px;aspect-ratio:600\/300;">/);
  assert.match(html, /<img class="flowlab-static"[^>]*src="data:image\/png;base64,AAAA">/);
  const json = JSON.parse(/var fig = (\{.*\});/.exec(html)?.[1] ?? "{}") as { layout: Record<string, unknown>; config: Record<string, unknown> };
  assert.equal(json.layout.autosize, true);
  assert.equal(json.layout.width, undefined, "plotly sizes the plot to the div");
  assert.equal(json.config.responsive, true);
  assert.match(html, /removeChild\(still\)/, "the static image goes once plotly draws");
  assert.match(figureDivHtml(fig, { caption: "η < 2/S <b>" }), /<div class="flowlab-caption"[^>]*>η &#60; 2\/S &#60;b&#62;<\/div>/, "an escaped caption below the plot");
});

test("show: a final figure becomes a bundle of interactive HTML over a static PNG, and image/png", { skip: chromium ? false : "no Chromium (sudo apt-get install chromium)", timeout: 120_000 }, async () => {
  const { outputs, tslab } = fakeTslab();
  setNotebookFrontend(tslab, { staticImages: true });
  try {
    await show(fig);
    const out = outputs.at(-1) as Output;
    assert.equal(out.frames.length, 2, "the interactive figure at once, then the bundle with its image");
    assert.deepEqual(Object.keys(out.frames[0]), ["text/html"]);
    const final = out.frames[1];
    assert.deepEqual(Object.keys(final).sort(), ["image/png", "text/html", "text/plain"]);
    const png = Buffer.from(final["image/png"], "base64");
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.equal(png.readUInt32BE(16), 600, "the figure's width");
    assert.ok(final["text/html"].includes(`src="data:image/png;base64,${final["image/png"]}"`), "the HTML holds the same image");
    assert.deepEqual(out.metadata[1], { "image/png": { width: 600, height: 300 } }, "shown at the figure's size");
    assert.equal(final["text/plain"], "<Figure: parabola>");
  } finally {
    setNotebookFrontend(null);
    await closeSharedExporter();
  }
});

test("session: a rerun replaces its experiment's claims; a cache hit reports its load time; overrides are marked", async () => {
  process.env.FLOWLAB_RESULTS = mkdtempSync(join(tmpdir(), "flowlab-session-"));
  const { outputs, tslab } = fakeTslab();
  setNotebookFrontend(tslab);
  const logged: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logged.push(a.join(" "));
  try {
    const exp = registerExperiment<{ n: number }>({
      id: "session-test",
      title: "session",
      paper: "none",
      configs: { quick: { n: 3 }, full: { n: 30 } },
      run: async (c) => ({ t: { y: Array.from({ length: c.n }, (_, i) => i * i) } }),
      figures: [{ id: "session-test", paperFigure: "none", title: "session", caption: () => "", size: "text", build: (t) => ({ data: [{ type: "scatter", y: t.t.y }], layout: {} }) }],
      claims: (t, c) => [claim("length", "one row per step", t.t.y.length, ">=", c.n), claim("last", "last is (n-1)²", t.t.y.at(-1) ?? NaN, "<=", (c.n - 1) ** 2)],
    });
    const lab = new NotebookSession("quick");
    await lab.run(exp);
    assert.match(logged.join("\n"), /session-test \(quick\): computed in \d+\.\d s on \S+, cached/);
    await lab.run(exp);
    assert.match(logged.at(-2) ?? "", /session-test \(quick\): loaded from cache in \d+\.\d s \(computed earlier in/);
    assert.equal(lab.claimRows().length, 2, "one set of rows per experiment after a rerun");
    await lab.run(exp, { config: { n: 5 } });
    assert.match(logged.join("\n"), /session-test \(quick, \{"n":5\}\): computed/);
    lab.claims();
    assert.deepEqual(lab.claimRows().map((r) => [r.experiment, r.id, r.measured]), [["session-test", "length", 3], ["session-test", "last", 4], ["session-test*", "length", 5], ["session-test*", "last", 16]], "an overridden run is its own entry");
    await lab.run(exp, { config: { n: 6 } });
    assert.equal(lab.claimRows().length, 4, "a rerun with other overrides replaces the overridden entry");
    lab.claims();
    assert.match(logged.at(-1) ?? "", /^\(the latest run of each of 2 experiments, quick mode; \* = config overridden\)$/);
    assert.match(logged.at(-2) ?? "", /4\/4 claims pass/);
    assert.ok(outputs.some((o) => o.frames.some((f) => (f["text/html"] ?? "").includes("flowlab-figure"))), "figures were shown");
  } finally {
    console.log = log;
    setNotebookFrontend(null);
    delete process.env.FLOWLAB_RESULTS;
  }
});
