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

/**
 * What a notebook's setup cell shows: plotly.js (`plotlyLoaderHtml`) and a note that only stays visible where
 * scripts do not run (an untrusted notebook, GitHub, nbviewer), saying how to get the interactive figures.
 */
export function notebookLoaderHtml(): string {
  const id = `flowlab-note-${randomBytes(6).toString("hex")}`;
  return `<div id="${id}" class="flowlab-static-note"><b>Static figures.</b> The figures below are images because this notebook's
scripts are not running here. For interactive plots (zoom, hover, toggle traces): trust the notebook (Jupyter
Notebook: File → Trust Notebook; JupyterLab: command palette → Trust Notebook; or <code>jupyter trust &lt;file&gt;.ipynb</code>)
and reload it, or run its cells.</div>
<script type="text/javascript">
(function () { var n = document.getElementById("${id}"); if (n) n.parentNode.removeChild(n); })();
</script>
${plotlyLoaderHtml()}`;
}

/** JSON safe to place inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A static rendering of a figure, shown where scripts do not run (untrusted notebooks, GitHub, nbviewer). */
export interface StaticImage {
  mime: "image/png" | "image/svg+xml";
  /** The image bytes, base64-encoded. */
  base64: string;
}

export interface FigureDivOptions {
  id?: string;
  /** Shown inside the div until plotly.js draws over it; kept where scripts never run. */
  staticImage?: StaticImage;
  /** A caption below the figure (plain text). */
  caption?: string;
}

const escapeHtml = (s: string): string => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The figure's designed size in px (its layout's, else plotly's default 700 × 450). */
export function figureAspect(fig: PlotlyFigure): { width: number; height: number } {
  const width = typeof fig.layout.width === "number" && fig.layout.width > 0 ? fig.layout.width : 700;
  const height = typeof fig.layout.height === "number" && fig.layout.height > 0 ? fig.layout.height : 450;
  return { width, height };
}

/**
 * A responsive div and the script drawing `fig` into it once plotly.js is available (waits up to 60 s). The
 * div is as wide as the output area (up to 1.5× the figure's designed width, at least that width when there
 * is room) with the height set by the figure's aspect ratio; plotly fills it (autosize) and follows resizes.
 * A static image inside the div, if given, is what shows when scripts do not run.
 */
export function figureDivHtml(fig: PlotlyFigure, opts: FigureDivOptions | string = {}): string {
  const o = typeof opts === "string" ? { id: opts } : opts;
  const id = o.id ?? `flowlab-${randomBytes(6).toString("hex")}`;
  const { width, height } = figureAspect(fig);
  const config = { displaylogo: false, ...fig.config, responsive: true };
  const layout = { ...fig.layout, autosize: true };
  delete layout.width;
  delete layout.height;
  const style = `width:100%;max-width:${Math.round(Math.max(1.5 * width, 900))}px;aspect-ratio:${Math.round(width)}/${Math.round(height)};`;
  const img = o.staticImage
    ? `<img class="flowlab-static" alt="figure (static image)" style="display:block;width:100%;height:auto" src="data:${o.staticImage.mime};base64,${o.staticImage.base64}">`
    : "";
  const caption = o.caption ? `\n<div class="flowlab-caption" style="max-width:${Math.round(Math.max(1.5 * width, 900))}px;font-size:90%;margin:4px 0 12px">${escapeHtml(o.caption)}</div>` : "";
  return `<div id="${id}" class="flowlab-figure" style="${style}">${img}</div>${caption}
<script type="text/javascript">
(function () {
  var fig = ${scriptJson({ data: fig.data, layout, config })};
  var tries = 0;
  function draw() {
    var gd = document.getElementById("${id}");
    if (!gd) return;
    if (window.Plotly) {
      var still = gd.querySelector("img.flowlab-static");
      if (still) gd.removeChild(still);
      window.Plotly.react(gd, fig.data, fig.layout, fig.config);
      return;
    }
    if (++tries > 1200) { if (!gd.querySelector("img.flowlab-static")) gd.textContent = "plotly.js did not load: run notebookSetup() (the first cell) again."; return; }
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
