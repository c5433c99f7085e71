/** The plot module without a browser: smoothing, panels and layout, HTML, notebook display, live redraws. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { gaussianSmooth } from "../src/plot/smoothing";
import { composeFigure, contourPanel, curvesPanel, gridFromColumns, lossPanel, thresholdTrace, verticalLine } from "../src/plot/panels";
import { PROCESS_STYLE } from "../src/plot/style";
import { figureDivHtml, plotlyBundlePath, plotlyLoaderHtml } from "../src/plot/html";
import { findChromium, formatOf } from "../src/plot/export";
import { FRAMES_PER_TURN, liveFigure, notebookProgressSink, setupNotebookDisplay, setNotebookFrontend, show, showLive, type DisplaySlot } from "../src/plot/show";
import { Progress, setProgressSink } from "../src/progress";
import { registerExperiment } from "../src/lab/registry";
import { runExperiment } from "../src/lab/run";
import type { PlotlyFigure } from "../src/lab/types";
import { assertClose } from "./helpers";

test("gaussianSmooth: constants and lines stay put, edges are renormalized, NaN points are skipped", () => {
  gaussianSmooth([3, 3, 3, 3, 3], 2).forEach((v, i) => assertClose(v, 3, 1e-15, 0, `constant point ${i}`));
  const line = Array.from({ length: 50 }, (_, i) => 2 * i + 1);
  const s = gaussianSmooth(line, 3);
  for (let i = 12; i < 38; i++) assertClose(s[i], line[i], 1e-12, 1e-12, `interior point ${i}`);
  assert.ok(s[0] > line[0], "at the left edge only right neighbours exist, so the smoothed value is pulled up");
  assert.deepEqual(gaussianSmooth([1, 2, 3], 0), [1, 2, 3]);
  const withGap = gaussianSmooth([1, NaN, 1, 1], 1);
  withGap.forEach((v, i) => assertClose(v, 1, 1e-12, 0, `gap point ${i}`));
  // A zig-zag (like loss at the edge of stability) smooths to its mean.
  const zig = Array.from({ length: 200 }, (_, i) => 5 + (i % 2 === 0 ? 1 : -1));
  assertClose(gaussianSmooth(zig, 4)[100], 5, 1e-4); // truncation at 4σ leaves ~1e-5 of the zig-zag
  // log: the geometric trend of an exponential is kept exactly in the interior.
  const geo = Array.from({ length: 60 }, (_, i) => Math.exp(-0.1 * i));
  assertClose(gaussianSmooth(geo, 3, { log: true })[30], geo[30], 1e-12);
  assert.ok(gaussianSmooth(geo, 3)[30] > geo[30] * 1.001, "smoothing without log overestimates a convex decay");
  assert.throws(() => gaussianSmooth([1], -1), /sigma must be a finite number ≥ 0, got -1/);
});

test("composeFigure: a grid of independent axes, titles, remapped shapes, one legend entry per name", () => {
  const x = [0, 1, 2, 3];
  const a = lossPanel({ title: "loss", series: [{ name: "GD", x, y: [4, 3, 2, 1], process: "discrete" }], smoothSigma: 1 });
  const b = curvesPanel({ title: "sharpness", series: [{ name: "GD", x, y: [1, 2, 3, 4], process: "discrete" }], thresholds: [{ x, y: 2, name: "2/η" }] });
  b.shapes = [verticalLine(1.5)];
  const c = curvesPanel({ series: [{ name: "central", x, y: [1, 1, 1, 1], process: "central" }], logY: true });
  const fig = composeFigure([a, b, c], { cols: 2, title: "t" });
  const L = fig.layout as Record<string, { domain?: number[]; anchor?: string; type?: string }>;
  const domains = ["xaxis", "xaxis2", "xaxis3"].map((k) => L[k].domain as number[]);
  assert.deepEqual(
    domains.map((d) => d[0] === 0),
    [true, false, true],
    "panels 1 and 3 start the rows",
  );
  assert.ok(domains[0][1] < domains[1][0], "columns do not overlap");
  assert.ok((L.yaxis3.domain as number[])[1] < (L.yaxis.domain as number[])[0], "rows do not overlap");
  for (const d of [...domains, L.yaxis.domain, L.yaxis3.domain] as number[][]) assert.ok(d[0] >= 0 && d[1] <= 1 && d[0] < d[1]);
  assert.equal(L.yaxis.type, "log", "losses default to a log axis");
  assert.equal(L.yaxis3.type, "log");
  assert.equal(L.xaxis2.anchor, "y2");
  const traces = fig.data as { xaxis?: string; yaxis?: string; name?: string; showlegend?: boolean; opacity?: number; line?: { color?: string; dash?: string } }[];
  assert.deepEqual(
    traces.map((t) => t.xaxis),
    ["x", "x", "x2", "x2", "x3"],
  );
  assert.equal(traces[0].opacity, 0.3, "the raw loss is faint under its smoothed version");
  assert.equal(traces[1].line?.color, PROCESS_STYLE.discrete.color);
  const shownGD = traces.filter((t) => t.name === "GD" && t.showlegend);
  assert.equal(shownGD.length, 1, "a name appears once in the legend");
  assert.equal(traces[3].line?.dash, "dash", "thresholds are dashed");
  assert.deepEqual(fig.layout.shapes?.[0]?.xref, "x2");
  assert.deepEqual(fig.layout.shapes?.[0]?.yref, "y2 domain");
  assert.deepEqual(
    fig.layout.annotations?.map((an) => an.text),
    ["loss", "sharpness"],
  );
  assert.throws(() => composeFigure([]), /panels must not be empty/);
});

test("thresholds, grids and contours", () => {
  const t = thresholdTrace([3, 1, 2], 4) as { x: number[]; y: number[] };
  assert.deepEqual([t.x, t.y], [
    [1, 3],
    [4, 4],
  ]);
  const varying = thresholdTrace([0, 1], [2, 1]) as { y: number[] };
  assert.deepEqual(varying.y, [2, 1]);
  const g = gridFromColumns([1, 0, 1, 0], [0, 0, 1, 1], [10, 0, 11, 1]);
  assert.deepEqual(g, { x: [0, 1], y: [0, 1], z: [
    [0, 10],
    [1, 11],
  ] });
  const p = contourPanel({ ...g, logZ: true, trajectories: [{ name: "GD", x: [0, 1], y: [0, 1] }] });
  assert.equal((p.traces[0] as { type: string }).type, "contour");
  assert.deepEqual((p.traces[0] as { z: number[][] }).z, [
    [NaN, 1],
    [0, Math.log10(11)],
  ], "log10 z, with 0 a hole (NaN)");
  assert.equal((p.traces[1] as { mode: string }).mode, "lines+markers");
});

test("HTML: the embedded plotly.js is the installed bundle; figure JSON cannot close its script", () => {
  const loader = plotlyLoaderHtml();
  const b64 = /var b64 = "([A-Za-z0-9+/=]+)"/.exec(loader)?.[1] ?? "";
  assert.ok(gunzipSync(Buffer.from(b64, "base64")).equals(readFileSync(plotlyBundlePath())), "the loader inflates to plotly.js-dist's bundle");
  assert.ok(loader.length < 3_000_000, `loader is ${loader.length} bytes`);
  assert.ok(!/https?:\/\//.test(loader.replace(b64, "")), "no network URL in the loader");
  const html = figureDivHtml({ data: [{ type: "scatter", name: "</script><b>x", x: [1], y: [2] }], layout: {} }, "fig1");
  assert.equal(html.match(/<\/script>/g)?.length, 1, "only the script's own end tag");
  assert.match(html, /<div id="fig1"/);
  assert.match(html, /\\u003c\/script>\\u003cb>x/);
});

test("export: formats come from the extension; a missing browser says how to install one", () => {
  assert.equal(formatOf("/a/b.PDF"), "pdf");
  assert.throws(() => formatOf("fig.jpg"), /extension must be one of \.svg, \.pdf, \.png, \.html/);
  assert.throws(() => findChromium({ PATH: "/nonexistent" }, []), /no Chromium found.*\n.*apt-get install chromium/);
  assert.throws(() => findChromium({ FLOWLAB_CHROMIUM: "/nonexistent/chrome" }), /FLOWLAB_CHROMIUM=\/nonexistent\/chrome is not an executable file.\n.*apt-get install chromium/);
});

/** A stand-in for tslab recording what each output area shows. */
function fakeTslab() {
  const outputs: { kind: string; content: string[] }[] = [];
  const slot = (): DisplaySlot => {
    const out = { kind: "", content: [] as string[] };
    outputs.push(out);
    return {
      html: (s) => (out.kind = "html", out.content.push(s)),
      text: (s) => (out.kind = "text", out.content.push(s)),
    };
  };
  return { outputs, tslab: { display: slot(), newDisplay: slot } };
}

const tinyFigure = (y: number): PlotlyFigure => ({ data: [{ type: "scatter", x: [0, 1], y: [0, y] }], layout: {} });

test("show: plotly.js is embedded once per kernel; live figures redraw one output", () => {
  const { outputs, tslab } = fakeTslab();
  setNotebookFrontend(tslab);
  try {
    show(tinyFigure(1));
    show(tinyFigure(2));
    const loaders = outputs.flatMap((o) => o.content).filter((c) => c.includes("__flowlabPlotlyLoading"));
    assert.equal(loaders.length, 1, "the bundle goes into the notebook once");
    assert.ok(outputs[0].content[0].includes("__flowlabPlotlyLoading"), "before the first figure");
    const figureOutputs = outputs.filter((o) => o.content.some((c) => c.includes("flowlab-figure")));
    assert.equal(figureOutputs.length, 2);
    const h = showLive(tinyFigure(3));
    h.update(tinyFigure(4));
    const last = outputs[outputs.length - 1];
    assert.equal(last.content.length, 2, "update redraws the same output");
    assert.match(last.content[1], /"y":\[0,4\]/);
    const live = liveFigure();
    const n = outputs.length;
    live(tinyFigure(5), false);
    live(tinyFigure(6), false);
    live(tinyFigure(7), true);
    assert.equal(outputs.length, n + 1, "a live figure is one output");
    assert.match(outputs[n].content[2], /"y":\[0,7\]/);
  } finally {
    setNotebookFrontend(null);
  }
});

test("notebook outputs: a synchronous burst sends at most FRAMES_PER_TURN intermediate frames per event-loop turn; final frames always go out", async () => {
  // zeromq (tslab's transport) throws EBUSY and the kernel dies past 512 sends without a turn of the event loop.
  const { outputs, tslab } = fakeTslab();
  setNotebookFrontend(tslab);
  try {
    await new Promise((r) => setImmediate(r));
    const live = liveFigure();
    const sink = notebookProgressSink();
    for (let i = 0; i < 1000; i++) {
      live(tinyFigure(i), false);
      sink({ label: "run", done: i, total: 1000, elapsedMs: i, finished: false });
    }
    live(tinyFigure(1000), true);
    sink({ label: "run", done: 1000, total: 1000, elapsedMs: 1000, finished: true });
    const sent = outputs.reduce((n, o) => n + o.content.length, 0);
    assert.ok(sent <= FRAMES_PER_TURN + 3, `${sent} outputs sent in one turn of the event loop`);
    const figure = outputs.find((o) => o.content.some((c) => c.includes("flowlab-figure")));
    assert.match(figure?.content.at(-1) ?? "", /"y":\[0,1000\]/, "the final frame is drawn");
    const line = outputs.find((o) => o.kind === "text");
    assert.match(line?.content.at(-1) ?? "", /1000\/1000/, "the progress line ends at its final state");
    await new Promise((r) => setImmediate(r));
    const before = figure?.content.length ?? 0;
    live(tinyFigure(1001), false);
    assert.equal(figure?.content.length, before + 1, "the budget is renewed once the event loop turns");
  } finally {
    setNotebookFrontend(null);
  }
});

test("notebook progress: one live line per bar, left at its final state", () => {
  const { outputs, tslab } = fakeTslab();
  setNotebookFrontend(tslab);
  try {
    setupNotebookDisplay({ tslab });
    const bar = new Progress("train", 3, 0);
    bar.update(1);
    bar.update(2, "loss 0.5");
    bar.finish("done");
    new Progress("train", 2, 0).finish();
    const lines = outputs.filter((o) => o.kind === "text");
    assert.equal(lines.length, 2, "a finished bar's line stays; the next bar gets its own");
    assert.equal(lines[0].content.length, 3);
    assert.match(lines[0].content[2], /^train \[#+\] 3\/3 .*done$/);
  } finally {
    setProgressSink(null);
    setNotebookFrontend(null);
  }
  assert.throws(() => notebookProgressSink()({ label: "x", done: 0, total: 1, elapsedMs: 0, finished: false }), /Not ready|tslab/);
});

test("runExperiment sends live frames from partial tables, then the final figure", async () => {
  const frames: [number, boolean][] = [];
  const exp = registerExperiment<{ n: number }>({
    id: "live-plot-test",
    title: "live",
    paper: "none",
    configs: { quick: { n: 3 }, full: { n: 3 } },
    async run(c, ctx) {
      const y: number[] = [];
      for (let i = 0; i < c.n; i++) {
        y.push(i);
        await ctx.live({ t: { y: y.slice() } });
      }
      return { t: { y } };
    },
    figure: (t) => ({ data: [{ type: "scatter", y: t.t.y }], layout: {} }),
    claims: () => [],
  });
  await runExperiment(exp, { mode: "quick", cache: false, liveIntervalMs: 0, live: (f, final) => frames.push([(f.data[0] as { y: number[] }).y.length, final]) });
  assert.deepEqual(frames, [
    [1, false],
    [2, false],
    [3, false],
    [3, true],
  ]);
});
