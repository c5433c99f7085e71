/**
 * The figure font ships with the project: Arimo from @fontsource/arimo (Apache-2.0), inlined as data URLs in
 * @font-face rules, so every export and notebook page renders with the same glyphs on every machine and no
 * system font is consulted. Only the subsets (latin, latin-ext, greek, …) whose unicode-range covers the
 * figure's text are inlined, which keeps an SVG small.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FONT_FAMILY } from "./style";

interface FontFace {
  weight: number;
  style: "normal" | "italic";
  file: string;
  ranges: [number, number][];
}

let faces: FontFace[] | null = null;
const dataUrls = new Map<string, string>();

/** Directory of the @fontsource/arimo package. */
export function fontPackageDir(): string {
  return dirname(require.resolve("@fontsource/arimo/package.json"));
}

function parseRanges(s: string): [number, number][] {
  return s.split(",").map((part) => {
    const [a, b] = part.trim().replace(/^U\+/i, "").split("-");
    const lo = parseInt(a, 16);
    return [lo, b === undefined ? lo : parseInt(b, 16)];
  });
}

/** The faces we use: weights 400 and 700, normal and italic (plotly's <b> and <i>), every subset. */
function allFaces(): FontFace[] {
  if (faces) return faces;
  const dir = fontPackageDir();
  const out: FontFace[] = [];
  for (const css of ["400.css", "400-italic.css", "700.css", "700-italic.css"]) {
    const text = readFileSync(join(dir, css), "utf8");
    for (const m of text.matchAll(/@font-face\s*{([^}]*)}/g)) {
      const body = m[1];
      const file = /url\(\.\/files\/([^)]+\.woff2)\)/.exec(body)?.[1];
      const weight = Number(/font-weight:\s*(\d+)/.exec(body)?.[1]);
      const style = /font-style:\s*italic/.test(body) ? "italic" : "normal";
      const range = /unicode-range:\s*([^;]+);/.exec(body)?.[1];
      if (!file || !range || !Number.isFinite(weight)) continue;
      out.push({ weight, style, file: join(dir, "files", file), ranges: parseRanges(range) });
    }
  }
  if (out.length === 0) throw new Error(`no @font-face rules found in ${dir}: is @fontsource/arimo installed?`);
  faces = out;
  return out;
}

function dataUrl(file: string): string {
  let url = dataUrls.get(file);
  if (!url) {
    url = `data:font/woff2;base64,${readFileSync(file).toString("base64")}`;
    dataUrls.set(file, url);
  }
  return url;
}

const covers = (f: FontFace, cp: number): boolean => f.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

/**
 * @font-face rules for Arimo with inlined font files. With `text`, only the subsets covering its characters
 * and only the weights/styles asked for (default: 400 normal; plus 700 and italic when `text` holds markup
 * that uses them); without `text`, latin and greek at every weight and style.
 */
export function fontFaceCss(text?: string, opts: { bold?: boolean; italic?: boolean } = {}): string {
  const all = allFaces();
  let chosen: FontFace[];
  if (text === undefined) {
    chosen = all.filter((f) => /-(latin|greek)-\d/.test(f.file));
  } else {
    const cps = new Set<number>();
    for (const ch of text) cps.add(ch.codePointAt(0) as number);
    const bold = opts.bold ?? /<b>|font-weight:\s*(bold|[6-9]00)/.test(text);
    const italic = opts.italic ?? /<i>|font-style:\s*italic/.test(text);
    chosen = all.filter((f) => (f.weight === 400 || bold) && (f.style === "normal" || italic) && [...cps].some((cp) => covers(f, cp)));
  }
  return chosen
    .map((f) => `@font-face{font-family:'${FONT_FAMILY}';font-style:${f.style};font-weight:${f.weight};font-display:block;src:url(${dataUrl(f.file)}) format('woff2');unicode-range:${f.ranges.map(([a, b]) => (a === b ? `U+${a.toString(16).toUpperCase()}` : `U+${a.toString(16).toUpperCase()}-${b.toString(16).toUpperCase()}`)).join(",")};}`)
    .join("\n");
}

/** Characters of `text` that no Arimo face covers (they would fall back to a system font). */
export function uncoveredChars(text: string): string[] {
  const all = allFaces();
  const out = new Set<string>();
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp > 0x20 && !all.some((f) => covers(f, cp))) out.add(ch);
  }
  return [...out];
}
