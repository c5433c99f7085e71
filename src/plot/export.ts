/**
 * Publication export through the system's headless Chromium driven by playwright-core (never a downloaded
 * browser). Every file has the figure's final physical size: SVG width/height in inches, PDF page size in
 * inches with the figure's title as /Title, PNG at 300 dpi (pHYs set). Text is set in Arimo, inlined from
 * @fontsource/arimo through @font-face (fonts.ts), so no system font is consulted. Element ids in the SVG are
 * renumbered and the PDF's creation dates removed, so the same figure gives the same bytes in every run and
 * with any set of system fonts (test/render-determinism.test.ts). Maths written as $…$ is typeset by MathJax 3
 * from node_modules/mathjax (plotly.js 4 supports MathJax 3 and 4 in SVG text). HTML pages are self-contained.
 * One browser serves many figures; `exportFigure` shares one exporter that closes itself when idle.
 */
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, extname, join, resolve } from "node:path";
import { crc32 } from "node:zlib";
import type { BrowserContext, Page } from "playwright-core";
import type { PlotlyFigure } from "./figure";
import { writeFileAtomic } from "../atomic";
import { figurePageHtml, plotlyBundlePath } from "./html";
import { fontFaceCss } from "./fonts";
import { FONT_FAMILY } from "./style";
import { PX_PER_INCH, SIZE_PRESETS, type FigureSize } from "./sizes";

export const EXPORT_FORMATS = ["svg", "pdf", "png", "html"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The flags the issue asks for: headless, no sandbox, no GPU, no background traffic; a fresh profile is added. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export class BrowserNotFoundError extends Error {}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const INSTALL_HINT = "Install one with:  sudo apt-get install chromium\nor point FLOWLAB_CHROMIUM at a Chrome/Chromium binary. (`flowlab figures --formats csv,html` needs no browser.)";

/** FLOWLAB_CHROMIUM, else /usr/bin/chromium, else chromium / chromium-browser / google-chrome on PATH. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, fixed: string[] = ["/usr/bin/chromium"]): string {
  const explicit = env.FLOWLAB_CHROMIUM;
  if (explicit) {
    if (isExecutable(explicit)) return explicit;
    throw new BrowserNotFoundError(`FLOWLAB_CHROMIUM=${explicit} is not an executable file.\n${INSTALL_HINT}`);
  }
  const names = ["chromium", "chromium-browser", "google-chrome"];
  const candidates = [...fixed, ...(env.PATH ?? "").split(delimiter).filter(Boolean).flatMap((d) => names.map((n) => join(d, n)))];
  const found = candidates.find(isExecutable);
  if (found) return found;
  throw new BrowserNotFoundError(`no Chromium found to export figures (looked for FLOWLAB_CHROMIUM, ${fixed.join(", ") || "-"}, and ${names.join(", ")} on PATH).\n${INSTALL_HINT}`);
}

interface PlotlyInPage {
  newPlot(gd: HTMLElement, data: unknown, layout: unknown, config: unknown): Promise<unknown>;
  toImage(gd: HTMLElement, opts: { format: string; width: number; height: number; scale?: number }): Promise<string>;
  purge(gd: HTMLElement): void;
}

export interface LaunchOptions {
  executablePath?: string;
  /** Block every network request (default true): figures never need the network. */
  offline?: boolean;
  /**
   * Variables added to the browser's environment (on top of this process's), e.g. FONTCONFIG_FILE to choose
   * which system fonts Chromium sees (the determinism test hides or adds fonts this way).
   */
  env?: Readonly<Record<string, string>>;
}

export interface ExportOptions {
  /** The final size; the figure is scaled to its width (default: the layout's own size at 96 px per inch). */
  size?: FigureSize;
  /** Title metadata (PDF /Title, HTML <title>, SVG <title>); default the layout's title or "flowlab figure". */
  title?: string;
  /** PNG pixels per layout pixel (default 300 dpi: 3.125). */
  scale?: number;
  exporter?: FigureExporter;
}

/** PNG resolution by default. */
export const PNG_DPI = 300;

/** Path of MathJax 3's TeX-to-SVG bundle in node_modules. */
export function mathjaxBundlePath(): string {
  return require.resolve("mathjax/es5/tex-svg.js");
}

/** True if any text of the figure holds $…$ maths (plotly typesets whole strings that start and end with $). */
export function usesMath(fig: PlotlyFigure): boolean {
  return /"\$[^"]*\$"/.test(JSON.stringify(fig));
}

function titleOf(fig: PlotlyFigure, opts: ExportOptions): string {
  const t = fig.layout.title;
  return opts.title ?? (typeof t === "object" && t?.text ? t.text : typeof t === "string" ? t : "flowlab figure");
}

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The figure with the shipped font everywhere (figures may name other families; the export never uses them). */
function withFont(fig: PlotlyFigure): PlotlyFigure {
  const json = JSON.stringify(fig).replace(/"family":"[^"]*"/g, `"family":"${FONT_FAMILY}"`);
  const f = JSON.parse(json) as PlotlyFigure;
  f.layout = { ...f.layout, font: { ...f.layout.font, family: FONT_FAMILY } };
  // Stable trace uids (plotly would draw random ones into clip-path ids).
  f.data = f.data.map((t, i) => ({ ...t, uid: (t as { uid?: string }).uid ?? `t${i}` }));
  return f;
}

/**
 * Plotly's SVG made deterministic and physical: ids renumbered in order of appearance (plotly draws random
 * ones), the inlined Arimo faces the text needs, width/height in inches with the layout size as viewBox, and a
 * <title>.
 */
export function finishSvg(svg: string, widthPx: number, heightPx: number, widthIn: number, title: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!ids.has(m[1])) ids.set(m[1], `f${ids.size}`);
  let out = svg.replace(/(\sid=")([^"]+)(")/g, (_, a: string, id: string, b: string) => a + (ids.get(id) ?? id) + b);
  out = out.replace(/url\((['"]?)#([^'")]+)\1\)/g, (all, q: string, id: string) => (ids.has(id) ? `url(${q}#${ids.get(id)}${q})` : all));
  out = out.replace(/(href=")#([^"]+)"/g, (all, a: string, id: string) => (ids.has(id) ? `${a}#${ids.get(id)}"` : all));
  const heightIn = (widthIn * heightPx) / widthPx;
  const text = out.replace(/<style[\s\S]*?<\/style>/g, "").replace(/<[^>]*>/g, " ") + title;
  const open = /<svg\b[^>]*>/.exec(out);
  if (!open) throw new Error("finishSvg: no <svg> element in plotly's output");
  let tag = open[0].replace(/\swidth="[^"]*"/, "").replace(/\sheight="[^"]*"/, "").replace(/\sviewBox="[^"]*"/, "");
  tag = tag.replace(/^<svg/, `<svg width="${+widthIn.toFixed(4)}in" height="${+heightIn.toFixed(4)}in" viewBox="0 0 ${widthPx} ${heightPx}"`);
  // MathJax's nested <svg>s are sized in ex: the root's font-family makes that Arimo's ex in every viewer.
  const style = `<title>${escapeXml(title)}</title><style>${fontFaceCss(text, { bold: /font-weight:\s*bold|<b>/.test(out), italic: /font-style:\s*italic/.test(out) })}\nsvg{font-family:'${FONT_FAMILY}'}</style>`;
  return out.slice(0, open.index) + tag + style + out.slice(open.index + open[0].length);
}

/** Inserts a pHYs chunk (pixels per metre) after IHDR, so the PNG carries its resolution. */
export function setPngDpi(png: Buffer, dpi: number): Buffer {
  const sig = 8;
  const ihdrEnd = sig + 8 + png.readUInt32BE(sig) + 4;
  const ppm = Math.round(dpi / 0.0254);
  const data = Buffer.alloc(9);
  data.writeUInt32BE(ppm, 0);
  data.writeUInt32BE(ppm, 4);
  data.writeUInt8(1, 8);
  const type = Buffer.from("pHYs", "ascii");
  const chunk = Buffer.alloc(12 + 9);
  chunk.writeUInt32BE(9, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0, 17);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

/**
 * Chromium's PDF without its /CreationDate and /ModDate (the only bytes that change between two exports of the
 * same figure; Skia writes no /ID). Each entry is overwritten with spaces of the same length, which a PDF
 * dictionary allows between tokens, so every byte offset in the xref table stays valid.
 */
export function stripPdfDates(pdf: Buffer): Buffer {
  const text = pdf.toString("latin1"); // one char per byte: the round trip is lossless
  const out = text.replace(/\/(?:CreationDate|ModDate)\s*\(D:[0-9+\-Z']*\)/g, (m) => " ".repeat(m.length));
  return out === text ? pdf : Buffer.from(out, "latin1");
}

// The page font is Arimo too, also inside every plot (plotly's stylesheet sets 'Open Sans', verdana, arial there, and
// toImage redraws in a plot of its own outside #fig): MathJax's SVG is sized in ex of the surrounding font, where
// plotly typesets it and where it measures it to place it, so a system font there moves maths between machines.
const BLANK_PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0;background:#fff;font-family:'${FONT_FAMILY}'}.js-plotly-plot .plotly,.js-plotly-plot .plotly div{font-family:'${FONT_FAMILY}'!important}</style></head><body><div id="fig"></div></body></html>`;

/** A headless Chromium with fresh profile, for rendering many figures. Close it when done. */
export class FigureExporter {
  private mathjaxLoaded = false;
  private printPage: Page | null = null;

  private constructor(
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly profileDir: string,
  ) {}

  static async launch(opts: LaunchOptions = {}): Promise<FigureExporter> {
    const executablePath = opts.executablePath ?? findChromium();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when exporting
    const { chromium } = require("playwright-core") as typeof import("playwright-core");
    const profileDir = mkdtempSync(join(tmpdir(), "flowlab-chromium-"));
    let context: BrowserContext;
    try {
      // handleSIGINT false: playwright's own SIGINT handler would exit the process (130): a notebook kernel that drew
      // a figure would die on Kernel → Interrupt. Callers decide what an interrupt means.
      context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: CHROMIUM_FLAGS, offline: opts.offline ?? true, handleSIGINT: false, ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) });
    } catch (e) {
      rmSync(profileDir, { recursive: true, force: true });
      throw new Error(`could not start Chromium at ${executablePath}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
    if (opts.offline ?? true) await context.route(/^(https?|wss?|ftp):/, (route) => route.abort());
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setContent(BLANK_PAGE);
    // Every face of the shipped font, loaded before plotly measures any text.
    await page.addStyleTag({ content: fontFaceCss() });
    await page.evaluate(async () => {
      const loads: Promise<unknown>[] = [];
      document.fonts.forEach((f) => void loads.push(f.load()));
      await Promise.all(loads);
    });
    await page.addScriptTag({ path: plotlyBundlePath() });
    return new FigureExporter(context, page, profileDir);
  }

  /** Another page of the same browser (the figure linter measures SVGs there). */
  newPage(): Promise<Page> {
    return this.context.newPage();
  }

  private async loadMathjax(): Promise<void> {
    if (this.mathjaxLoaded) return;
    await this.page.evaluate(() => {
      (window as unknown as { MathJax: object }).MathJax = { startup: { typeset: false }, svg: { fontCache: "local" } };
    });
    await this.page.addScriptTag({ path: mathjaxBundlePath() });
    await this.page.waitForFunction(() => {
      const mj = (window as unknown as { MathJax?: { startup?: { promise?: Promise<void> }; version?: string } }).MathJax;
      return mj?.version !== undefined && mj.startup?.promise !== undefined;
    });
    await this.page.evaluate(() => (window as unknown as { MathJax: { startup: { promise: Promise<void> } } }).MathJax.startup.promise);
    this.mathjaxLoaded = true;
  }

  /** The figure as a finished SVG (see finishSvg) and its layout size in px. */
  async svg(fig: PlotlyFigure, opts: ExportOptions = {}): Promise<{ svg: string; width: number; height: number; widthIn: number }> {
    const f = withFont(fig);
    const width = Math.round(f.layout.width ?? 700);
    const height = Math.round(f.layout.height ?? 450);
    if (usesMath(f)) await this.loadMathjax();
    await this.page.setViewportSize({ width, height });
    const url = await this.page.evaluate(async (o) => {
      const Plotly = (window as unknown as { Plotly: PlotlyInPage }).Plotly;
      const gd = document.getElementById("fig") as HTMLElement;
      Plotly.purge(gd);
      await Plotly.newPlot(gd, o.f.data, { ...o.f.layout, width: o.width, height: o.height }, { ...o.f.config, staticPlot: true, responsive: false });
      return Plotly.toImage(gd, { format: "svg", width: o.width, height: o.height, scale: 1 });
    }, { f, width, height });
    const comma = url.indexOf(",");
    const raw = url.slice(0, comma).endsWith(";base64") ? Buffer.from(url.slice(comma + 1), "base64").toString("utf8") : decodeURIComponent(url.slice(comma + 1));
    const widthIn = opts.size ? SIZE_PRESETS[opts.size].widthIn : width / PX_PER_INCH;
    return { svg: finishSvg(raw, width, height, widthIn, titleOf(fig, opts)), width, height, widthIn };
  }

  private async printer(): Promise<Page> {
    this.printPage ??= await this.context.newPage();
    return this.printPage;
  }

  /** The figure's bytes in one format. */
  async render(fig: PlotlyFigure, format: ExportFormat, opts: ExportOptions | number = {}): Promise<Buffer> {
    const o: ExportOptions = typeof opts === "number" ? { scale: opts } : opts;
    if (!EXPORT_FORMATS.includes(format)) throw new Error(`format '${String(format)}' is not one of ${EXPORT_FORMATS.join(", ")}`);
    if (format === "html") return Buffer.from(figurePageHtml([fig], { title: titleOf(fig, o) }));
    const { svg, width, height, widthIn } = await this.svg(fig, o);
    if (format === "svg") return Buffer.from(svg, "utf8");
    const heightIn = (widthIn * height) / width;
    const page = await this.printer();
    if (format === "pdf") {
      // The finished SVG, inline, on a page of exactly its size; the document title becomes the PDF /Title.
      await showSvg(page, svg, `@page{size:${widthIn}in ${heightIn}in;margin:0}svg{display:block}`, titleOf(fig, o));
      return stripPdfDates(await page.pdf({ width: `${widthIn}in`, height: `${heightIn}in`, printBackground: true, pageRanges: "1", margin: { top: "0", right: "0", bottom: "0", left: "0" } }));
    }
    const scale = o.scale ?? PNG_DPI / PX_PER_INCH;
    if (!(scale >= 1)) throw new Error(`scale must be ≥ 1, got ${scale}`);
    const pxW = Math.round(widthIn * PX_PER_INCH * scale);
    const pxH = Math.round(heightIn * PX_PER_INCH * scale);
    // The SVG inline in a page of its pixel size, screenshotted once the document's fonts have loaded. (Drawing it
    // as an <img> onto a canvas raced the image's own @font-face loads: with font-display: block the text of some
    // figures came out invisible.)
    await page.setViewportSize({ width: pxW, height: pxH });
    await showSvg(page, svg, `html,body{overflow:hidden}svg{display:block;width:${pxW}px;height:${pxH}px}`);
    const png = await page.screenshot({ type: "png", clip: { x: 0, y: 0, width: pxW, height: pxH }, animations: "disabled", caret: "hide" });
    return setPngDpi(png, pxW / widthIn);
  }

  /** Writes `path` (format from its extension) atomically; returns the absolute path. */
  async export(fig: PlotlyFigure, path: string, opts: ExportOptions | number = {}): Promise<string> {
    const o: ExportOptions = typeof opts === "number" ? { scale: opts } : opts;
    const abs = resolve(process.cwd(), path);
    writeFileAtomic(abs, await this.render(fig, formatOf(abs), o));
    return abs;
  }

  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }
}

export function formatOf(path: string): ExportFormat {
  const ext = extname(path).slice(1).toLowerCase() as ExportFormat;
  if (!EXPORT_FORMATS.includes(ext)) throw new Error(`cannot export to '${path}': the extension must be one of ${EXPORT_FORMATS.map((f) => "." + f).join(", ")}`);
  return ext;
}

let shared: FigureExporter | null = null;
let launching: Promise<FigureExporter> | null = null;
let idleTimer: NodeJS.Timeout | null = null;
const IDLE_MS = 10_000;

/**
 * Writes one figure to `path` (.svg, .pdf, .png, .html; relative paths are resolved against the current
 * directory) and returns the absolute path written. Reuses one browser across calls; it closes after 10 s
 * without exports. Pass `{ exporter }` to manage the browser yourself, `{ size }` for the final size.
 */
export async function exportFigure(fig: PlotlyFigure, path: string, opts: ExportOptions = {}): Promise<string> {
  const abs = resolve(process.cwd(), path);
  if (formatOf(abs) === "html") {
    writeFileAtomic(abs, figurePageHtml([fig], { title: titleOf(fig, opts) }));
    return abs;
  }
  if (opts.exporter) return opts.exporter.export(fig, abs, opts);
  return withSharedExporter((e) => e.export(fig, abs, opts));
}

/** Runs `use` on the browser `exportFigure` shares: launched once, closed after IDLE_MS without use. */
async function withSharedExporter<T>(use: (e: FigureExporter) => Promise<T>): Promise<T> {
  if (idleTimer) clearTimeout(idleTimer);
  if (!shared) {
    launching ??= FigureExporter.launch();
    try {
      shared = await launching;
    } finally {
      launching = null;
    }
  }
  try {
    return await use(shared);
  } finally {
    idleTimer = setTimeout(() => void closeSharedExporter(), IDLE_MS);
  }
}

/** Closes the browser `exportFigure` keeps (scripts call this to exit promptly). */
export async function closeSharedExporter(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  const e = shared;
  shared = null;
  if (e) await e.close();
}

/**
 * The figure's bytes in one format, drawn by the browser `exportFigure` shares (a notebook's static fallback
 * images). Calls are serialized: the shared exporter draws one figure at a time.
 */
export function renderFigure(fig: PlotlyFigure, format: Exclude<ExportFormat, "html">, scale = 2): Promise<Buffer> {
  const job = renderQueue.then(() => withSharedExporter((e) => e.render(fig, format, scale)));
  renderQueue = job.then(
    () => undefined,
    () => undefined,
  );
  return job;
}
let renderQueue: Promise<void> = Promise.resolve();

/** `svg` inline on a white page styled by `css` (and titled), once every font face of the page has loaded. */
async function showSvg(page: Page, svg: string, css: string, title?: string): Promise<void> {
  const head = title === undefined ? "" : `<title>${escapeXml(title)}</title>`;
  await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8">${head}<style>html,body{margin:0;padding:0;background:#fff}${css}</style></head><body>${svg}</body></html>`);
  await page.evaluate(async () => {
    const loads: Promise<unknown>[] = [];
    document.fonts.forEach((f) => void loads.push(f.load()));
    await Promise.all(loads);
    await document.fonts.ready;
  });
}
