/**
 * Figure exports are the same bytes wherever they are rebuilt (issue 17). One small real figure (two panels,
 * legends, tick labels, panel titles with η and σ², one axis title typeset by MathJax) is exported to SVG, PNG, PDF and HTML by two browsers, each
 * with a fresh profile and its own fontconfig file: one sees only the DejaVu fonts, the other also sees another
 * font that fontconfig prefers for every family our style could fall back to (sans-serif, Arial, Helvetica,
 * Arimo). A control measures plain system-font text in both browsers to prove the two font setups really differ;
 * then every exported file must be byte-identical.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { FigureExporter, EXPORT_FORMATS, stripPdfDates, type ExportFormat } from "../src/plot/export";
import { composeFigure, curvesPanel } from "../src/plot/panels";
import { pdfInfo } from "../src/plot/lint";
import { SIZE_PRESETS } from "../src/plot/sizes";
import type { PlotlyFigure } from "../src/plot/figure";

const DEJAVU = "/usr/share/fonts/truetype/dejavu";
/** A font that is not DejaVu, present on this machine (the mathjax Debian package; node_modules/mathjax@3 ships woff only). */
const OTHER_FONT_CANDIDATES = [
  "/usr/share/javascript/mathjax/fonts/HTML-CSS/TeX/otf/MathJax_Main-Regular.otf",
  "/usr/share/fonts/opentype/mathjax/MathJax_Main-Regular.otf",
];

const work = mkdtempSync(join(tmpdir(), "flowlab-determinism-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A fontconfig file that sees only `dirs`; `prefer` is put first for the families our style and fallbacks name. */
function fontsConf(name: string, dirs: string[], prefer: string): string {
  const cache = join(work, `cache-${name}`);
  const aliases = ["sans-serif", "serif", "Arial", "Helvetica", "Liberation Sans", "Arimo"]
    .map((f) => `  <alias binding="strong"><family>${f}</family><prefer><family>${prefer}</family></prefer></alias>`)
    .join("\n");
  const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
${dirs.map((d) => `  <dir>${d}</dir>`).join("\n")}
  <cachedir>${cache}</cachedir>
${aliases}
</fontconfig>
`;
  const path = join(work, `${name}.conf`);
  writeFileSync(path, xml);
  return path;
}

function figure(): PlotlyFigure {
  const x = Array.from({ length: 60 }, (_, i) => i * 10);
  const loss = x.map((t) => Math.exp(-t / 200) + 0.02);
  const sharp = x.map((t) => 20 * (1 - Math.exp(-t / 150)));
  const sigma2 = x.map((t) => (t < 300 ? 0 : 0.4 * (1 - Math.exp(-(t - 300) / 80))));
  return composeFigure(
    [
      curvesPanel({
        title: "loss at η = 0.1",
        yTitle: "loss",
        logY: true,
        series: [
          { name: "GD", x, y: loss, process: "optimizer" },
          { name: "central flow", x, y: loss.map((v) => v * 0.9), process: "central" },
        ],
      }),
      curvesPanel({
        title: "sharpness and σ²",
        yTitle: "S(w), σ²",
        xTitle: "$t\\,\\eta$", // MathJax (its SVG ids are renumbered too)
        series: [
          { name: "sharpness", x, y: sharp, process: "optimizer" },
          { name: "σ² (×50)", x, y: sigma2.map((v) => 50 * v), process: "central" },
        ],
        thresholds: [{ x, y: 20, name: "2/η" }],
        legend: "bottom right",
      }),
    ],
    { size: "text" },
  );
}

const TITLE = "Determinism check: η = 0.1, σ²";

interface Rendered {
  files: Record<ExportFormat, Buffer>;
  /** Width in px of plain text set in Arial (a system-font lookup, no @font-face): the control. */
  systemTextWidth: number;
}

async function renderIn(fontconfigFile: string): Promise<Rendered> {
  const exporter = await FigureExporter.launch({ env: { FONTCONFIG_FILE: fontconfigFile } });
  try {
    const fig = figure();
    const files = {} as Record<ExportFormat, Buffer>;
    for (const f of EXPORT_FORMATS) files[f] = await exporter.render(fig, f, { size: "text", title: TITLE });
    const page = await exporter.newPage();
    await page.setContent(`<span id="s" style="font-family: Arial, sans-serif; font-size: 40px">sharpness σ² at η = 0.1 WWWiii</span>`);
    const systemTextWidth = await page.evaluate(() => (document.getElementById("s") as HTMLElement).getBoundingClientRect().width);
    await page.close();
    return { files, systemTextWidth };
  } finally {
    await exporter.close();
  }
}

let onlyDejavu: Rendered | null = null;
let otherFonts: Rendered | null = null;
let skip: string | null = null;

before(async () => {
  const other = OTHER_FONT_CANDIDATES.find((p) => existsSync(p));
  if (!existsSync(DEJAVU) || !other) {
    skip = `needs ${DEJAVU} and one of ${OTHER_FONT_CANDIDATES.join(", ")}`;
    return;
  }
  const otherDir = join(work, "other-fonts");
  mkdirSync(otherDir);
  copyFileSync(other, join(otherDir, basename(other)));
  onlyDejavu = await renderIn(fontsConf("dejavu", [DEJAVU], "DejaVu Sans"));
  otherFonts = await renderIn(fontsConf("other", [DEJAVU, otherDir], "MathJax_Main"));
});

test("control: the two font setups give system-font text different widths", (t) => {
  if (skip || !onlyDejavu || !otherFonts) return t.skip(skip ?? "not rendered");
  assert.notEqual(onlyDejavu.systemTextWidth, otherFonts.systemTextWidth, "the fontconfig files did not change which system font Chromium uses");
});

for (const format of EXPORT_FORMATS) {
  test(`${format}: the same bytes with only DejaVu visible and with another font preferred, each in a fresh profile`, (t) => {
    if (skip || !onlyDejavu || !otherFonts) return t.skip(skip ?? "not rendered");
    const a = onlyDejavu.files[format];
    const b = otherFonts.files[format];
    assert.ok(a.length > 1000, `${format}: ${a.length} bytes`);
    if (format === "svg" || format === "html") assert.equal(a.toString("utf8"), b.toString("utf8"));
    else assert.ok(a.equals(b), `${format}: ${a.length} vs ${b.length} bytes, first difference at byte ${a.findIndex((v, i) => v !== b[i])}`);
  });
}

test("stripPdfDates blanks both dates in place and leaves everything else", () => {
  const pdf = Buffer.from("1 0 obj\n<</Title (T)\n/CreationDate (D:20261130071552+00'00')\n/ModDate (D:20261130071552Z)>>\nendobj\n\xff\x00", "latin1");
  const out = stripPdfDates(pdf);
  assert.equal(out.length, pdf.length);
  assert.equal(out.toString("latin1"), pdf.toString("latin1").replace("/CreationDate (D:20261130071552+00'00')", " ".repeat(39)).replace("/ModDate (D:20261130071552Z)", " ".repeat(28)));
  const none = Buffer.from("<</Title (T)>>");
  assert.equal(stripPdfDates(none), none);
});

test("pdf: no creation dates, no /ID, and the page size, title and xref offsets still read back", (t) => {
  if (skip || !onlyDejavu) return t.skip(skip ?? "not rendered");
  const pdf = onlyDejavu.files.pdf;
  const text = pdf.toString("latin1");
  assert.doesNotMatch(text, /\/(CreationDate|ModDate|ID)\b/);
  assert.match(text, /\/Producer \(Skia/, "the Info dictionary is still there");
  const info = pdfInfo(pdf);
  assert.equal(info.title, TITLE);
  assert.ok(Math.abs(info.widthPt - SIZE_PRESETS.text.widthIn * 72) < 1, `page width ${info.widthPt} pt`);
  // The cross-reference table still points at its objects (the date rewrite kept every offset).
  const startxref = Number(/startxref\s+(\d+)/.exec(text.slice(-64))?.[1]);
  assert.ok(text.startsWith("xref", startxref), "startxref points at the xref table");
  const entries = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n/gm)].map((m) => Number(m[1]));
  assert.ok(entries.length > 3);
  for (const off of entries) assert.match(text.slice(off, off + 20), /^\d+ 0 obj/, `xref entry ${off} points at an object`);
});

test("html: no random ids", (t) => {
  if (skip || !onlyDejavu) return t.skip(skip ?? "not rendered");
  const html = onlyDejavu.files.html.toString("utf8");
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids, ["flowlab-figure-1"]);
});
