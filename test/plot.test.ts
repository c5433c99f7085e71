/** The plot module without a browser: smoothing, panels and layout, HTML, notebook display, live redraws. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { gaussianSmooth } from "../src/linalg/smoothing";
import { composeFigure, contourPanel, curvesPanel, gridFromColumns, lossPanel, thresholdTrace, verticalLine } from "../src/plot/panels";
import { PROCESS_STYLE } from "../src/plot/style";
import { CVD_MATRICES, PROCESS_COLORS, ROLE, deltaE, simulateCvd, sweepColor } from "../src/plot/palette";
import { SIZE_PRESETS, sizeWidthPx, PT_PER_PX, MIN_PT } from "../src/plot/sizes";
import { logRangeWithRoom } from "../src/plot/ranges";
import { finishSvg, setPngDpi, usesMath } from "../src/plot/export";
import { fontFaceCss, uncoveredChars } from "../src/plot/fonts";
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
  assert.equal(traces[3].line?.dash, "dot", "thresholds are dotted");
  assert.deepEqual(fig.layout.shapes?.[0]?.xref, "x2");
  assert.deepEqual(fig.layout.shapes?.[0]?.yref, "y2 domain");
  assert.deepEqual(
    fig.layout.annotations?.map((an) => an.text),
    ["loss", "sharpness"],
  );
  assert.throws(() => composeFigure([]), /panels must not be empty/);
});

test("palette: process colours stay apart under simulated deuteranopia and protanopia; the sweep scale avoids them", () => {
  // Machado et al. 2009 (severity 1): pure white and black are fixed points; red and green collapse for deuteranopes.
  assert.equal(simulateCvd("#FFFFFF", "deuteranopia"), "#FFFFFF");
  assert.equal(simulateCvd("#000000", "protanopia"), "#000000");
  assert.ok(deltaE(simulateCvd("#FF0000", "deuteranopia"), simulateCvd("#00A000", "deuteranopia")) < deltaE("#FF0000", "#00A000") / 2, "red vs green loses most of its difference");
  assert.ok(Math.abs(deltaE("#FFFFFF", "#000000") - 100) < 0.01, "ΔE white–black is 100");
  assert.ok(PROCESS_COLORS.length >= 6);
  for (const kind of ["none", ...Object.keys(CVD_MATRICES)] as ("none" | keyof typeof CVD_MATRICES)[]) {
    const see = (c: string): string => (kind === "none" ? c : simulateCvd(c, kind));
    for (let i = 0; i < PROCESS_COLORS.length; i++) {
      for (let j = i + 1; j < PROCESS_COLORS.length; j++) {
        const d = deltaE(see(PROCESS_COLORS[i]), see(PROCESS_COLORS[j]));
        assert.ok(d >= 15, `${kind}: ${PROCESS_COLORS[i]} vs ${PROCESS_COLORS[j]} ΔE = ${d.toFixed(1)} < 15`);
      }
    }
    const sweep = Array.from({ length: 6 }, (_, i) => sweepColor(i, 6));
    for (const s of sweep) {
      for (const c of [ROLE.central.color, ROLE.gradientFlow.color, ROLE.prediction.color, ROLE.ablated.color, ROLE.threshold.color]) {
        const d = deltaE(see(s), see(c));
        assert.ok(d >= 10, `${kind}: sweep ${s} vs process ${c} ΔE = ${d.toFixed(1)} < 10`);
      }
    }
    for (let i = 0; i + 1 < sweep.length; i++) assert.ok(deltaE(see(sweep[i]), see(sweep[i + 1])) >= 8, `${kind}: adjacent sweep colours distinct`);
  }
  // Lightness is monotone along the sweep, so its order reads in grey.
  assert.equal(sweepColor(0, 3), "#8FC97E");
  assert.throws(() => sweepColor(3, 3), /i must be an integer in \[0, 2\]/);
  // Predictions are thinner and dashed; the central flow heavier than the optimizer.
  assert.ok(ROLE.prediction.width < ROLE.optimizer.width && ROLE.prediction.dash !== "solid");
  assert.ok(ROLE.central.width > ROLE.optimizer.width);
  for (const r of Object.values(ROLE)) assert.ok(r.width * PT_PER_PX >= MIN_PT.line, "lines ≥ 0.75 pt");
});

test("sized figures: the preset's width, ≤ 4 panels, one legend per panel inside it, predictions under measured curves, ranges from the data", () => {
  const x = [1, 2, 3, 4];
  const a = curvesPanel({ series: [{ name: "prediction", x, y: [1e-40, 1e-30, 1e-20, 1e-10], process: "prediction" }, { name: "GD", x, y: [1, 0.5, 0.2, 0.1], process: "discrete" }], logY: true });
  const b = curvesPanel({ series: [{ name: "GD", x, y: [1, 2, 3, 4], process: "discrete" }], thresholds: [{ x, y: 2 }], legend: undefined });
  const fig = composeFigure([a, b], { size: "column" });
  assert.equal(fig.layout.width, sizeWidthPx("column"));
  assert.equal(fig.layout.width, 312);
  assert.equal(fig.layout.title, undefined, "no title inside the image");
  const L = fig.layout as Record<string, { x?: number; xref?: string; range?: number[]; dtick?: number; domain?: number[] }>;
  assert.ok(L.legend && L.legend2, "each panel has its own legend");
  assert.ok((L.legend.x as number) <= (L.xaxis.domain as number[])[1] && (L.legend.x as number) >= (L.xaxis.domain as number[])[0], "legend inside its panel");
  const t = fig.data as { name?: string; legend?: string; meta?: { role?: string } }[];
  assert.deepEqual(t.map((d) => d.name), ["prediction", "GD", "2/η", "GD"], "the prediction is drawn first, under GD");
  assert.deepEqual(t.map((d) => d.legend), ["legend", "legend", "legend2", "legend2"]);
  const yr = L.yaxis.range as number[];
  assert.ok(yr[0] > -2 && yr[1] < 0.2, `the y range follows GD (1 … 0.1), not the prediction: ${yr}`);
  assert.equal(L.yaxis.dtick, 1, "decade ticks");
  assert.throws(() => composeFigure([a, a, a, a, a], { size: "text" }), /at most 4 panels/);
  assert.equal(SIZE_PRESETS.text.font.tick * PT_PER_PX >= MIN_PT.text, true);
  assert.equal(SIZE_PRESETS.column.font.axisTitle * PT_PER_PX >= MIN_PT.axisTitle, true);
});

test("export helpers: deterministic SVG ids, physical size, inlined font subsets, PNG dpi, maths detection", () => {
  const raw = '<svg class="main-svg" width="312" height="200" xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="clip8a1b2cxyplot"><rect/></clipPath></defs><g clip-path="url(#clip8a1b2cxyplot)"><text>η = 0.1</text></g><use xlink:href="#clip8a1b2cxyplot"/></svg>';
  const out = finishSvg(raw, 312, 200, 3.25, "A & B");
  assert.match(out, /^<svg width="3.25in" height="2.0833in" viewBox="0 0 312 200"/);
  assert.match(out, /id="f0"/);
  assert.match(out, /url\(#f0\)/);
  assert.match(out, /href="#f0"/);
  assert.ok(!out.includes("8a1b2c"), "random ids are gone");
  assert.match(out, /<title>A &#38; B<\/title>/);
  assert.match(out, /font-family:'Arimo'/);
  assert.match(out, /unicode-range:U\+370/, "the Greek subset is inlined for η");
  assert.equal(finishSvg(raw, 312, 200, 3.25, "A & B"), out, "same input, same bytes");
  assert.ok(!fontFaceCss("abc").includes("U+370"), "Latin text needs no Greek subset");
  assert.deepEqual(uncoveredChars("ab η"), []);
  // A 1×1 PNG gets a pHYs chunk of 300 dpi (11811 px/m).
  const png1 = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64");
  const withDpi = setPngDpi(png1, 300);
  const at = withDpi.indexOf("pHYs");
  assert.ok(at > 0);
  assert.equal(withDpi.readUInt32BE(at + 4), 11811);
  assert.equal(usesMath({ data: [], layout: { title: { text: "$\\sigma^2$" } } }), true);
  assert.equal(usesMath({ data: [], layout: { title: { text: "cost: 5 $" } } }), false);
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
    figures: [{ id: "live-plot-test", paperFigure: "test", title: "test figure", caption: () => "caption", size: "column", build: (t) => ({ data: [{ type: "scatter", y: t.t.y }], layout: {} }) }],
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

test("an unplaced legend goes to the corner that hides the least data", async () => {
  const { emptiestCorner } = await import("../src/plot/panels");
  const x = Array.from({ length: 50 }, (_, i) => i / 49);
  const legend = { names: ["a curve"], fontPx: 10, widthPx: 300, heightPx: 200 };
  const axes = (log = false): [object, object] => [{ type: "linear" }, { type: log ? "log" : "linear" }];
  const rising = { type: "scatter" as const, mode: "lines" as const, x, y: x };
  const falling = { type: "scatter" as const, mode: "lines" as const, x, y: x.map((v) => 1 - v) };
  assert.equal(emptiestCorner([rising], ...axes(), legend), "top left", "a rising line leaves the top left free");
  assert.equal(emptiestCorner([falling], ...axes(), legend), "top right", "a falling line: top right (first of the free corners)");
  const highAtTop = { type: "scatter" as const, mode: "lines" as const, x, y: x.map((v) => (v > 0.6 ? 1 : 0.95)) };
  const lowAtLeft = { type: "scatter" as const, mode: "markers" as const, x: [0, 0.05, 0.1], y: [0, 0.02, 0.04] };
  assert.equal(emptiestCorner([highAtTop, lowAtLeft], ...axes(), legend), "bottom right");
  const decay = { type: "scatter" as const, mode: "lines" as const, x, y: x.map((v) => 10 ** (-8 * v)) };
  assert.equal(emptiestCorner([decay], ...axes(true), legend), "top right", "log axes are read in decades");
});

test("a threshold's label goes where the curves leave it room: right end above, else below, else further left", async () => {
  const { thresholdLabelPlace } = await import("../src/plot/panels");
  const x = Array.from({ length: 101 }, (_, i) => i);
  const line = thresholdTrace([0, 100], 2, "2/η");
  const label = { text: "threshold", fontPx: 10, widthPx: 300, heightPx: 200 };
  const axes: [object, object] = [{ type: "linear", range: [0, 100] }, { type: "linear", range: [0, 4] }];
  const curve = (f: (s: number) => number) => ({ type: "scatter" as const, mode: "lines" as const, x, y: x.map(f) });
  // Nothing near the line: its right end, above.
  assert.deepEqual(thresholdLabelPlace([curve(() => 0.5), line], line, ...axes, label), { at: 1, yanchor: "bottom" });
  // Sharpness hovering just above 2/η: below the line.
  assert.deepEqual(thresholdLabelPlace([curve(() => 2.1), line], line, ...axes, label), { at: 1, yanchor: "top" });
  // Hovering across the line on the right, far below it on the left: the label moves left.
  const place = thresholdLabelPlace([curve((s) => (s > 40 ? 2 + 0.15 * Math.sin(s) : 0.5)), line], line, ...axes, label);
  assert.ok(place.at < 0.6, `label right edge at ${place.at} of the line`);
});

test("logRangeWithRoom: the data's log10 range widened below and above by shares of its span", () => {
  // Non-positive and non-finite values are left out; 1e-3 … 1 spans 3 decades.
  assert.deepEqual(logRangeWithRoom([1e-3, 1, 0, -2, Number.NaN, Infinity], { below: 1, above: 0 }), [-6, 0]);
  const [lo, hi] = logRangeWithRoom([10, 100]) ?? [NaN, NaN];
  assert.ok(Math.abs(lo - (1 - 0.03)) < 1e-12 && Math.abs(hi - (2 + 0.05)) < 1e-12, `${lo}, ${hi}`);
  // A flat series still gets minSpan decades of room.
  assert.deepEqual(logRangeWithRoom([1, 1], { below: 1, above: 1, minSpan: 2 }), [-2, 2]);
  assert.equal(logRangeWithRoom([0, -1, Number.NaN]), undefined);
});
