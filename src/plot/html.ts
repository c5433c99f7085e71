/**
 * Figures as HTML, without internet: plotly.js always comes from the installed plotly.js-dist package.
 * Notebooks get the bundle once, gzipped and base64-encoded inside a script (≈2.6 MB instead of 10 MB), which
 * the browser inflates with DecompressionStream; each figure's script waits until `window.Plotly` exists, so
 * outputs may render in any order. Standalone pages reference the bundle by a relative path instead.
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { PlotlyFigure } from "./figure";
import { fontFaceCss } from "./fonts";
import { FONT_FAMILY } from "./style";

/** Absolute path of the plotly.js bundle this library draws with. */
export function plotlyBundlePath(): string {
  return require.resolve("plotly.js-dist/plotly.js");
}

let loaderCache: string | null = null;

/** A `<script>` defining window.Plotly from the embedded bundle (no-op if Plotly is already defined). */
export function plotlyLoaderHtml(): string {
  if (loaderCache) return loaderCache;
  const b64 = gzipSync(readFileSync(plotlyBundlePath()), { level: 6 }).toString("base64");
  loaderCache = `<script type="text/javascript">
(function () {
  if (window.Plotly || window.__flowlabPlotlyLoading) return;
  window.__flowlabPlotlyLoading = true;
  var b64 = "${b64}";
  var bin = atob(b64), bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (code) {
    var s = document.createElement("script");
    s.textContent = code;
    document.head.appendChild(s);
  });
})();
</script>`;
  return loaderCache;
}

/** JSON safe to place inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A div and the script drawing `fig` into it once plotly.js is available (waits up to 60 s). */
export function figureDivHtml(fig: PlotlyFigure, id = `flowlab-${randomBytes(6).toString("hex")}`): string {
  const config = { displaylogo: false, ...fig.config };
  return `<div id="${id}" class="flowlab-figure"></div>
<script type="text/javascript">
(function () {
  var fig = ${scriptJson({ data: fig.data, layout: fig.layout, config })};
  var tries = 0;
  function draw() {
    var gd = document.getElementById("${id}");
    if (!gd) return;
    if (window.Plotly) { window.Plotly.react(gd, fig.data, fig.layout, fig.config); return; }
    if (++tries > 1200) { gd.textContent = "plotly.js did not load: run notebookSetup() (the first cell) again."; return; }
    setTimeout(draw, 50);
  }
  draw();
})();
</script>`;
}

/**
 * A standalone HTML page of figures. `plotlySrc` is the script URL of plotly.js (e.g. a path relative to the
 * page); without it the bundle is embedded.
 */
export function figurePageHtml(figs: PlotlyFigure[], opts: { title?: string; plotlySrc?: string } = {}): string {
  const loader = opts.plotlySrc ? `<script type="text/javascript" src="${encodeURI(opts.plotlySrc)}"></script>` : plotlyLoaderHtml();
  const title = (opts.title ?? "flowlab figure").replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  // The shipped font (Arimo, inlined) and stable div ids: the same figures give the same page.
  const fonts = fontFaceCss(JSON.stringify(figs.map((f) => f.layout)) + JSON.stringify(figs.map((f) => f.data.map((t) => (t as { name?: string }).name))) + title);
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>${title}</title>
<style>${fonts}
body { margin: 16px; background: #fff; font-family: ${FONT_FAMILY}, sans-serif; } .flowlab-figure { margin-bottom: 24px; }</style>
${loader}
</head>
<body>
${figs.map((f, i) => figureDivHtml({ ...f, layout: { ...f.layout, font: { ...f.layout.font, family: FONT_FAMILY } } }, `flowlab-figure-${i + 1}`)).join("\n")}
</body>
</html>
`;
}
