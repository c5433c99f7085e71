/**
 * Publication export: SVG, PDF and PNG (scale ≥ 2) through the system's headless Chromium driven by
 * playwright-core (never a downloaded browser), plus a standalone HTML page. One browser and one page with
 * plotly.js loaded serve many figures; `exportFigure` shares one exporter that closes itself when idle.
 */
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, extname, join, relative, sep } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import type { PlotlyFigure } from "./figure";
import { writeFileAtomic } from "../atomic";
import { figurePageHtml, plotlyBundlePath } from "./html";

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
}

/** A headless Chromium with fresh profile, for rendering many figures. Close it when done. */
export class FigureExporter {
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
      context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: CHROMIUM_FLAGS, offline: opts.offline ?? true, handleSIGINT: false });
    } catch (e) {
      rmSync(profileDir, { recursive: true, force: true });
      throw new Error(`could not start Chromium at ${executablePath}: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
    if (opts.offline ?? true) await context.route(/^(https?|wss?|ftp):/, (route) => route.abort());
    const page = context.pages()[0] ?? (await context.newPage());
    await page.setContent(`<!DOCTYPE html><html><head><style>html,body{margin:0;padding:0;background:#fff}</style></head><body><div id="fig"></div></body></html>`);
    await page.addScriptTag({ path: plotlyBundlePath() });
    return new FigureExporter(context, page, profileDir);
  }

  private async draw(fig: PlotlyFigure): Promise<{ width: number; height: number }> {
    const width = fig.layout.width ?? 700;
    const height = fig.layout.height ?? 450;
    await this.page.setViewportSize({ width: Math.ceil(width), height: Math.ceil(height) });
    await this.page.evaluate(async (f) => {
      const Plotly = (window as unknown as { Plotly: PlotlyInPage }).Plotly;
      const gd = document.getElementById("fig") as HTMLElement;
      Plotly.purge(gd);
      await Plotly.newPlot(gd, f.data, f.layout, { ...f.config, staticPlot: true, responsive: false });
    }, fig);
    return { width, height };
  }

  /** The figure's bytes in one format; `scale` multiplies PNG pixel dimensions (default 2, at least 1). */
  async render(fig: PlotlyFigure, format: ExportFormat, scale = 2): Promise<Buffer> {
    if (!EXPORT_FORMATS.includes(format)) throw new Error(`format '${String(format)}' is not one of ${EXPORT_FORMATS.join(", ")}`);
    if (format === "html") return Buffer.from(figurePageHtml([fig]));
    if (!(scale >= 1)) throw new Error(`scale must be ≥ 1, got ${scale}`);
    const { width, height } = await this.draw(fig);
    if (format === "pdf") {
      return this.page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: "1", margin: { top: "0", right: "0", bottom: "0", left: "0" } });
    }
    const url = await this.page.evaluate(
      async (o) => {
        const Plotly = (window as unknown as { Plotly: PlotlyInPage }).Plotly;
        return Plotly.toImage(document.getElementById("fig") as HTMLElement, o);
      },
      { format, width, height, scale: format === "png" ? scale : 1 },
    );
    const comma = url.indexOf(",");
    const header = url.slice(0, comma);
    const payload = url.slice(comma + 1);
    return header.endsWith(";base64") ? Buffer.from(payload, "base64") : Buffer.from(decodeURIComponent(payload), "utf8");
  }

  /** Writes `path` (format from its extension) atomically. HTML pages load plotly.js by a relative path. */
  async export(fig: PlotlyFigure, path: string, scale = 2): Promise<void> {
    const format = formatOf(path);
    const bytes = format === "html" ? Buffer.from(pageFor(fig, path)) : await this.render(fig, format, scale);
    writeFileAtomic(path, bytes);
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

/** A standalone page for `path`, loading plotly.js from node_modules by a relative URL (works offline, file://). */
function pageFor(fig: PlotlyFigure, path: string): string {
  const src = relative(dirname(path), plotlyBundlePath()).split(sep).join("/");
  const title = typeof fig.layout.title === "object" && fig.layout.title?.text ? fig.layout.title.text : "flowlab figure";
  return figurePageHtml([fig], { title, plotlySrc: src });
}

let shared: FigureExporter | null = null;
let launching: Promise<FigureExporter> | null = null;
let idleTimer: NodeJS.Timeout | null = null;
const IDLE_MS = 10_000;

/**
 * Writes one figure to `path` (.svg, .pdf, .png, .html), reusing one browser across calls; the browser
 * closes after 10 s without exports. Pass `{ exporter }` to manage the browser yourself.
 */
export async function exportFigure(fig: PlotlyFigure, path: string, opts: { scale?: number; exporter?: FigureExporter } = {}): Promise<void> {
  if (formatOf(path) === "html") {
    writeFileAtomic(path, pageFor(fig, path));
    return;
  }
  if (opts.exporter) return opts.exporter.export(fig, path, opts.scale);
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
    await shared.export(fig, path, opts.scale);
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
  const job = renderQueue.then(async () => {
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
      return await shared.render(fig, format, scale);
    } finally {
      idleTimer = setTimeout(() => void closeSharedExporter(), IDLE_MS);
    }
  });
  renderQueue = job.then(
    () => undefined,
    () => undefined,
  );
  return job;
}
let renderQueue: Promise<void> = Promise.resolve();
