/**
 * The figure linter: checks exported figures the way a journal's production editor would, from Chromium's own
 * layout of the SVG placed at its final physical size (getBoundingClientRect of every text element, px → pt at
 * 96 px per inch):
 *   text-size      no text below 7 pt (axis titles below 8 pt; sub/superscripts such as the exponent of
 *                  10⁻² below 5 pt, they are set at 70% of their text)
 *   text-overlap   no two text boxes overlapping
 *   text-outside   no text outside the page
 *   legend-duplicate  no legend entry repeated within one legend
 *   legend-covers-data  no legend box over more than LEGEND_COVER_PX screen px of drawn curves or markers
 *                     (faint context below opacity 0.5 excepted)
 *   trace-unlabeled   every trace named in a legend, labelled directly, or marked deliberately unlabeled
 *                     (meta.unlabeled; landscapes such as contours and heat maps are exempt)
 *   subplot-empty  no subplot without anything drawn
 *   svg-size / pdf-size / pdf-title  the files have the preset's physical size and the figure's title
 * One browser page lints any number of SVGs.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import type { PlotlyFigure } from "./figure";
import { MIN_PT, PX_PER_INCH, SIZE_PRESETS, type FigureSize } from "./sizes";

export type ViolationKind = "text-size" | "text-overlap" | "text-outside" | "raw-math" | "legend-duplicate" | "legend-covers-data" | "trace-unlabeled" | "subplot-empty" | "svg-size" | "pdf-size" | "pdf-title";

export interface Violation {
  figure: string;
  kind: ViolationKind;
  detail: string;
}

export interface LintItem {
  /** Figure id (for messages). */
  id: string;
  /** The exported SVG. */
  svg: string;
  /** The final size; the SVG is placed at this width (default: its own declared width). */
  size?: FigureSize;
  /** The figure's JSON (for trace labels); omitted, that check is skipped. */
  figure?: PlotlyFigure;
}

interface TextBox {
  text: string;
  cls: string;
  pt: number;
  /** Smallest sub/superscript inside the text (e.g. the exponent of 10⁻²), or null. */
  scriptPt: number | null;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

interface Measured {
  pageW: number;
  pageH: number;
  declaredWidthIn: number | null;
  texts: TextBox[];
  legends: string[][];
  emptySubplots: string[];
  /** Per legend (named by its first entry): screen px of drawn curves (opacity ≥ 0.5) under its box. */
  covered: { legend: string; px: number }[];
}

/** Lays the SVG out in the page at `widthPx` CSS px and measures it (runs in the browser). */
async function measure(page: Page, svg: string, widthPx: number | null): Promise<Measured> {
  return page.evaluate(
    ({ svg, widthPx }) => {
      const host = document.getElementById("lint") as HTMLElement;
      host.innerHTML = svg;
      const root = host.querySelector("svg") as SVGSVGElement;
      const declared = root.getAttribute("width") ?? "";
      const declaredWidthIn = /in$/.test(declared) ? parseFloat(declared) : /^[\d.]+(px)?$/.test(declared) ? parseFloat(declared) / 96 : null;
      const vb = root.viewBox.baseVal;
      const vbW = vb && vb.width > 0 ? vb.width : parseFloat(declared) || root.getBoundingClientRect().width;
      const vbH = vb && vb.height > 0 ? vb.height : parseFloat(root.getAttribute("height") ?? "") || root.getBoundingClientRect().height;
      if (!(vb && vb.width > 0)) root.setAttribute("viewBox", `0 0 ${vbW} ${vbH}`);
      const w = widthPx ?? (declaredWidthIn ? declaredWidthIn * 96 : vbW);
      root.setAttribute("width", `${w}px`);
      root.setAttribute("height", `${(w * vbH) / vbW}px`);
      const page = root.getBoundingClientRect();
      const scale = page.width / vbW;
      const texts: { text: string; cls: string; pt: number; scriptPt: number | null; x0: number; y0: number; x1: number; y1: number }[] = [];
      root.querySelectorAll("text").forEach((t) => {
        const s = (t.textContent ?? "").replace(/\u200b/g, "").trim();
        if (!s) return;
        if (getComputedStyle(t).visibility === "hidden" || getComputedStyle(t).display === "none" || t.closest("[display=none]")) return;
        const r = t.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) return;
        // The element's font, and separately the smallest sub/superscript (plotly's <sup>/<sub>: 70% tspans).
        const px = parseFloat(getComputedStyle(t).fontSize);
        let scriptPx = Infinity;
        t.querySelectorAll("tspan").forEach((sp) => {
          const spx = parseFloat(getComputedStyle(sp).fontSize);
          if ((sp.textContent ?? "").trim() && spx < px) scriptPx = Math.min(scriptPx, spx);
        });
        const cls = t.getAttribute("class") ?? (t.closest("[class]") as Element | null)?.getAttribute("class") ?? "";
        texts.push({ text: s, cls, pt: px * scale * 0.75, scriptPt: Number.isFinite(scriptPx) ? scriptPx * scale * 0.75 : null, x0: r.left - page.left, y0: r.top - page.top, x1: r.right - page.left, y1: r.bottom - page.top });
      });
      const legends: string[][] = [];
      // Plotly's legends are g.legend, g.legend2, … with entries text.legendtext, text.legend2text, ….
      const legendGroups = Array.from(root.querySelectorAll("g[class^='legend']"))
        .filter((g) => /^legend\d*$/.test(g.getAttribute("class") ?? ""))
        .map((g) => ({ g, entries: Array.from(g.querySelectorAll("text[class^='legend']")).filter((t) => /^legend\d*text$/.test(t.getAttribute("class") ?? "")) }))
        .filter((l) => l.entries.length > 0);
      legendGroups.forEach((l) => {
        legends.push(l.entries.map((t) => (t.textContent ?? "").trim()));
      });
      const emptySubplots: string[] = [];
      root.querySelectorAll(".cartesianlayer > g.subplot").forEach((g) => {
        // Plotly's static SVG draws a subplot's traces in .overplot > g.<xy id>; interactive pages in g.plot.
        const sub = (g.getAttribute("class") ?? "").replace("subplot", "").trim();
        const plots = [g.querySelector("g.plot"), ...Array.from(root.querySelectorAll(".overplot > g")).filter((o) => o.getAttribute("class") === sub)].filter((e): e is Element => e !== null);
        const drawn = plots.length > 0 ? plots.flatMap((plot) => Array.from(plot.querySelectorAll("path, image, rect"))).filter((e) => (e.tagName !== "path" || ((e.getAttribute("d") ?? "").length > 4 && e.getAttribute("d") !== "M0,0Z")) && getComputedStyle(e).visibility !== "hidden") : [];
        if (drawn.length === 0) emptySubplots.push((g.getAttribute("class") ?? "").replace("subplot", "").trim());
      });
      // Curves under legends: sample every drawn line every 2 px (and every marker's centre) and count the samples
      // inside each legend's box. Faint context (raw curves drawn at opacity < 0.5) is not counted.
      const covered: { legend: string; px: number }[] = [];
      const boxes = legendGroups.map((l) => ({ first: (l.entries[0].textContent ?? "").trim(), r: ((l.g.querySelector("rect.bg") ?? l.g) as Element).getBoundingClientRect() }));
      if (boxes.length > 0) {
        const hits = boxes.map(() => 0);
        // Plain loops and no named helpers here: this runs in the page, where tsx's __name helper is undefined.
        const samples: { x: number; y: number }[] = [];
        root.querySelectorAll(".scatterlayer g.trace path.js-line, .scatterlayer g.trace path.point").forEach((el) => {
          let opacity = parseFloat(getComputedStyle(el).strokeOpacity || "1");
          for (let n: Element | null = el; n && n !== root; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity || "1");
          if (opacity < 0.5 || getComputedStyle(el).visibility === "hidden") return;
          // Only what is drawn: a curve running off its axes is clipped to the subplot (its clip-path rectangle, in
          // the user space of the element that references it).
          let clip = { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
          const owner = el.closest("[clip-path]");
          const ref = /url\(["']?#([^"')]+)["']?\)/.exec(owner?.getAttribute("clip-path") ?? "");
          const rect = ref ? root.querySelector(`[id="${ref[1]}"] rect`) : null;
          const cm = owner ? (owner as SVGGraphicsElement).getScreenCTM() : null;
          if (rect && cm) {
            const x = parseFloat(rect.getAttribute("x") ?? "0");
            const y = parseFloat(rect.getAttribute("y") ?? "0");
            const w = parseFloat(rect.getAttribute("width") ?? "0");
            const h = parseFloat(rect.getAttribute("height") ?? "0");
            clip = { left: cm.a * x + cm.e, top: cm.d * y + cm.f, right: cm.a * (x + w) + cm.e, bottom: cm.d * (y + h) + cm.f };
          }
          if (el.classList.contains("point")) {
            const r = el.getBoundingClientRect();
            const p = { x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2 };
            if (p.x >= clip.left && p.x <= clip.right && p.y >= clip.top && p.y <= clip.bottom) samples.push(p);
            return;
          }
          const path = el as SVGPathElement;
          const m = path.getScreenCTM();
          const length = path.getTotalLength();
          if (!m || !(length > 0)) return;
          const step = 2 / Math.max(1e-9, Math.hypot(m.a, m.b)); // 2 screen px in path units
          for (let l = 0; l <= length; l += step) {
            const q = path.getPointAtLength(l);
            const p = { x: m.a * q.x + m.c * q.y + m.e, y: m.b * q.x + m.d * q.y + m.f };
            if (p.x >= clip.left && p.x <= clip.right && p.y >= clip.top && p.y <= clip.bottom) samples.push(p);
          }
        });
        for (const p of samples) {
          boxes.forEach((b, i) => {
            if (p.x > b.r.left + 1 && p.x < b.r.right - 1 && p.y > b.r.top + 1 && p.y < b.r.bottom - 1) hits[i] += 2;
          });
        }
        boxes.forEach((b, i) => {
          if (hits[i] > 0) covered.push({ legend: b.first, px: hits[i] });
        });
      }
      host.innerHTML = "";
      return { pageW: page.width, pageH: page.height, declaredWidthIn, texts, legends, emptySubplots, covered };
    },
    { svg, widthPx },
  );
}

const RAW_MATH = /[_^{}]/;

/** Screen px of curve a legend may cover before it counts as hiding data (at 96 px per inch: 1/4 in). */
export const LEGEND_COVER_PX = 24;

const isAxisTitle = (cls: string): boolean => /(^|\s)[xy]\d*title(\s|$)/.test(cls);

/** Violations from measured boxes (pure; exported for tests). */
export function textViolations(id: string, m: Measured): Violation[] {
  const out: Violation[] = [];
  const tol = 0.5;
  for (const t of m.texts) {
    const min = isAxisTitle(t.cls) ? MIN_PT.axisTitle : MIN_PT.text;
    if (t.pt < min - 1e-6) out.push({ figure: id, kind: "text-size", detail: `"${t.text.slice(0, 40)}" is ${t.pt.toFixed(1)} pt (< ${min} pt${isAxisTitle(t.cls) ? ", axis title" : ""})` });
    else if (t.scriptPt !== null && t.scriptPt < MIN_PT.script - 1e-6) out.push({ figure: id, kind: "text-size", detail: `a sub/superscript of "${t.text.slice(0, 40)}" is ${t.scriptPt.toFixed(1)} pt (< ${MIN_PT.script} pt)` });
    if (t.x0 < -tol || t.y0 < -tol || t.x1 > m.pageW + tol || t.y1 > m.pageH + tol) out.push({ figure: id, kind: "text-outside", detail: `"${t.text.slice(0, 40)}" extends outside the page` });
    // TeX-like markup printed as is (E_{t+1}, λ_max, e^{2t}): maths must be typeset or written in Unicode.
    if (RAW_MATH.test(t.text)) out.push({ figure: id, kind: "raw-math", detail: `"${t.text.slice(0, 40)}" shows raw maths markup (_ ^ { })` });
  }
  for (let i = 0; i < m.texts.length; i++) {
    for (let j = i + 1; j < m.texts.length; j++) {
      const a = m.texts[i];
      const b = m.texts[j];
      const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
      const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
      // Overlap of more than a pixel in both directions (text boxes include some leading).
      if (w > 1 && h > 1.5) out.push({ figure: id, kind: "text-overlap", detail: `"${a.text.slice(0, 30)}" overlaps "${b.text.slice(0, 30)}"` });
    }
  }
  for (const entries of m.legends) {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e)) out.push({ figure: id, kind: "legend-duplicate", detail: `legend entry "${e}" appears twice in one legend` });
      seen.add(e);
    }
  }
  for (const s of m.emptySubplots) out.push({ figure: id, kind: "subplot-empty", detail: `subplot ${s} draws nothing` });
  // A legend may graze a curve (a few px at its edge), not hide a stretch of it.
  for (const c of m.covered) if (c.px > LEGEND_COVER_PX) out.push({ figure: id, kind: "legend-covers-data", detail: `the legend starting "${c.legend.slice(0, 30)}" hides ${c.px} px of curves` });
  return out;
}

const FIELD_TYPES = new Set(["contour", "heatmap", "histogram2d", "histogram2dcontour", "surface", "image"]);

/** Every trace named in a legend, labelled directly, or marked deliberately unlabeled (pure). */
export function traceViolations(id: string, fig: PlotlyFigure): Violation[] {
  const out: Violation[] = [];
  type T = { type?: string; name?: string; showlegend?: boolean; legendgroup?: string; meta?: { unlabeled?: boolean; directLabel?: boolean }; visible?: unknown };
  const traces = fig.data as T[];
  const labelled = (t: T): boolean => t.showlegend !== false && typeof t.name === "string" && t.name.trim() !== "" && !/^trace \d+$/.test(t.name);
  traces.forEach((t, i) => {
    if (t.visible === false || FIELD_TYPES.has(t.type ?? "scatter")) return;
    if (labelled(t) || t.meta?.unlabeled || t.meta?.directLabel) return;
    // The same series named in a legend elsewhere in the figure (e.g. in another panel).
    if (t.name && traces.some((u) => u !== t && labelled(u) && u.name === t.name)) return;
    out.push({ figure: id, kind: "trace-unlabeled", detail: `trace ${i}${t.name ? ` "${t.name}"` : ""} has no legend entry, no direct label and is not marked unlabeled` });
  });
  return out;
}

/** Lints SVGs in one page; the page needs nothing loaded. */
export async function lintSvgs(page: Page, items: LintItem[]): Promise<Violation[]> {
  await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0}</style></head><body><div id="lint"></div></body></html>`);
  await page.setViewportSize({ width: 1400, height: 1000 });
  const out: Violation[] = [];
  for (const it of items) {
    const target = it.size ? SIZE_PRESETS[it.size].widthIn : null;
    const m = await measure(page, it.svg, target ? target * PX_PER_INCH : null);
    if (target !== null && (m.declaredWidthIn === null || Math.abs(m.declaredWidthIn - target) > 0.01)) {
      out.push({ figure: it.id, kind: "svg-size", detail: `the SVG is ${m.declaredWidthIn?.toFixed(2) ?? "?"} in wide, its size '${it.size}' is ${target} in` });
    }
    out.push(...textViolations(it.id, m));
    if (it.figure) out.push(...traceViolations(it.id, it.figure));
  }
  return out;
}

/** PDF page size (MediaBox, pt) and /Title of a Chromium-written PDF. */
export function pdfInfo(bytes: Buffer): { widthPt: number; heightPt: number; title: string | null } {
  const text = bytes.toString("latin1");
  const box = /\/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]/.exec(text);
  if (!box) throw new Error("pdfInfo: no /MediaBox found");
  let title: string | null = null;
  const lit = /\/Title\s*\(((?:\\.|[^\\)])*)\)/.exec(text);
  const hex = /\/Title\s*<([0-9A-Fa-f\s]*)>/.exec(text);
  if (lit) {
    const raw = lit[1].replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, c: string) => (/^[0-7]+$/.test(c) ? String.fromCharCode(parseInt(c, 8)) : ({ n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" } as Record<string, string>)[c] ?? c));
    title = raw.startsWith("\u00fe\u00ff") ? Buffer.from(raw.slice(2), "latin1").swap16().toString("utf16le") : raw;
  } else if (hex) {
    const b = Buffer.from(hex[1].replace(/\s/g, ""), "hex");
    title = b[0] === 0xfe && b[1] === 0xff ? Buffer.from(b.subarray(2)).swap16().toString("utf16le") : b.toString("latin1");
  }
  return { widthPt: Number(box[3]) - Number(box[1]), heightPt: Number(box[4]) - Number(box[2]), title };
}

/** Page size and title of a PDF against the figure's size and title. */
export function pdfViolations(id: string, path: string, size: FigureSize | undefined, title: string, svgAspect: number | null): Violation[] {
  const out: Violation[] = [];
  const info = pdfInfo(readFileSync(path));
  if (size) {
    const w = SIZE_PRESETS[size].widthIn * 72;
    if (Math.abs(info.widthPt - w) > 1) out.push({ figure: id, kind: "pdf-size", detail: `page is ${(info.widthPt / 72).toFixed(2)} in wide, '${size}' is ${SIZE_PRESETS[size].widthIn} in` });
    if (svgAspect && Math.abs(info.heightPt - w * svgAspect) > 2) out.push({ figure: id, kind: "pdf-size", detail: `page height ${(info.heightPt / 72).toFixed(2)} in, the figure's is ${((w * svgAspect) / 72).toFixed(2)} in` });
  }
  if (info.title !== title) out.push({ figure: id, kind: "pdf-title", detail: `PDF /Title is ${JSON.stringify(info.title)}, expected ${JSON.stringify(title)}` });
  return out;
}

/** The figure JSON embedded in an exported HTML page (null if none). */
export function figureFromHtml(html: string): PlotlyFigure | null {
  const m = /var fig = (\{[\s\S]*?\});\n/.exec(html);
  if (!m) return null;
  return JSON.parse(m[1]) as PlotlyFigure;
}

/** A count per violation kind. */
export function summarize(violations: Violation[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of violations) out[v.kind] = (out[v.kind] ?? 0) + 1;
  return out;
}

interface ManifestLike {
  figures: { id: string; title: string; size?: FigureSize; files: string[] }[];
}

/**
 * Lints every figure of a figures/ folder's manifest.json: its SVG at the figure's size, its trace labels from the
 * HTML page's JSON, and its PDF's page size and title. `legacy: true` also lints entries without a size (exported
 * before size presets existed, placed at text width, 6.75 in); by default they are only counted in `legacy`, so a
 * folder part-way through regeneration is judged on what the sized pipeline produced.
 */
export async function lintFigureDir(page: Page, dir: string, options: { legacy?: boolean } = {}): Promise<{ figures: number; violations: Violation[]; legacy: string[] }> {
  const { join } = await import("node:path");
  const { existsSync } = await import("node:fs");
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as ManifestLike;
  const items: LintItem[] = [];
  const pdfs: Violation[] = [];
  const legacy: string[] = [];
  for (const f of manifest.figures) {
    if (f.size === undefined && options.legacy !== true) {
      legacy.push(f.id);
      continue;
    }
    const svgFile = f.files.find((x) => x === `${f.id}.svg`) ?? f.files.find((x) => x.endsWith(".svg"));
    if (!svgFile || !existsSync(join(dir, svgFile))) continue;
    const svg = readFileSync(join(dir, svgFile), "utf8");
    const htmlFile = f.files.find((x) => x.endsWith(".html"));
    const figure = htmlFile && existsSync(join(dir, htmlFile)) ? figureFromHtml(readFileSync(join(dir, htmlFile), "utf8")) ?? undefined : undefined;
    const size = f.size ?? "text";
    items.push({ id: f.id, svg, size, figure });
    const pdfFile = f.files.find((x) => x.endsWith(".pdf"));
    if (pdfFile && existsSync(join(dir, pdfFile))) {
      const vb = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg) ?? /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
      pdfs.push(...pdfViolations(f.id, join(dir, pdfFile), size, f.title, vb ? Number(vb[2]) / Number(vb[1]) : null));
    }
  }
  return { figures: items.length, violations: [...(await lintSvgs(page, items)), ...pdfs], legacy };
}
