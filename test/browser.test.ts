/**
 * Figures render in a browser with networking disabled: the executed demo notebook converted to HTML
 * (jupyter nbconvert --to html) and a standalone figure page, opened in headless Chromium (one launch).
 * Every plot must render (plotly's `.main-svg` nodes) and the screenshots must not be blank; they are
 * kept in $TMPDIR/flowlab-browser-test/ for a look.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { CHROMIUM_FLAGS, exportFigure, findChromium } from "../src/plot/export";
import { runExperiment } from "../src/lab/run";
import { demo } from "../src/papers/demo";
import { executeNotebook, hasNbconvert, JUPYTER_INSTALL_HINT } from "../scripts/run-notebooks";
import { projectRoot } from "../src/lab/cache";

const shots = join(tmpdir(), "flowlab-browser-test");
const work = mkdtempSync(join(tmpdir(), "flowlab-browser-"));
let context: BrowserContext;
const blocked: string[] = [];

before(async () => {
  mkdirSync(shots, { recursive: true });
  const { chromium } = await import("playwright-core");
  context = await chromium.launchPersistentContext(join(work, "profile"), { executablePath: findChromium(), headless: true, args: CHROMIUM_FLAGS, offline: true });
  // Networking disabled: every request that leaves the machine is aborted (and recorded).
  await context.route(/^(https?|wss?|ftp):/, (route) => {
    blocked.push(route.request().url());
    return route.abort();
  });
});

after(async () => {
  await context?.close();
});

/** Opens a page, waits until `figures` plots have drawn, checks them and the screenshot. */
async function checkPage(file: string, figures: number, name: string): Promise<void> {
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction((n) => document.querySelectorAll(".flowlab-figure .main-svg").length >= n, figures, { timeout: 60_000 });
  const drawn = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".flowlab-figure")).map((div) => ({
      svgs: div.querySelectorAll(".main-svg").length,
      traces: div.querySelectorAll(".trace").length,
      width: div.getBoundingClientRect().width,
    })),
  );
  assert.equal(drawn.length, figures, `${name}: figure divs`);
  for (const [i, d] of drawn.entries()) {
    assert.ok(d.svgs >= 1 && d.traces >= 1 && d.width > 100, `${name}: figure ${i} rendered (${JSON.stringify(d)})`);
  }
  assert.deepEqual(errors, [], `${name}: no script errors`);
  const png = await page.screenshot({ fullPage: true });
  writeFileSync(join(shots, `${name}.png`), png);
  // Non-blank: decode the screenshot in the page and count pixels that are not white.
  const inked = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext("2d") as CanvasRenderingContext2D;
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 240 || px[i + 1] < 240 || px[i + 2] < 240) n++;
    return n / (img.width * img.height);
  }, png.toString("base64"));
  assert.ok(inked > 0.02, `${name}: screenshot is ${(inked * 100).toFixed(1)}% non-white`);
  await page.close();
}

test("a standalone figure page renders offline", async () => {
  const r = await runExperiment(demo, { mode: "quick", cacheDir: join(work, "results") });
  const file = join(work, "figures", "demo.html");
  await exportFigure(r.figure, file);
  await checkPage(file, 1, "figure-page");
});

test("the executed demo notebook, as HTML, renders every plot offline", { skip: hasNbconvert() ? false : `jupyter nbconvert not installed (${JUPYTER_INSTALL_HINT})` }, async () => {
  const nb = join(work, "demo.ipynb");
  await executeNotebook(join(projectRoot(), "notebooks", "demo.ipynb"), { output: nb, quick: true, timeoutS: 300, env: { FLOWLAB_RESULTS: join(work, "results") } });
  const conv = spawnSync("jupyter", ["nbconvert", "--to", "html", "--output-dir", work, nb], { encoding: "utf8" });
  assert.equal(conv.status, 0, conv.stderr);
  // The notebook shows the demo's figures, one hand-built panel, then the demo's figures again for the worked override.
  await checkPage(join(work, "demo.html"), 2 * demo.figures.length + 1, "notebook-html");
  // The template's CDN scripts (require.js, MathJax) are blocked; the plots must not need them.
  assert.ok(blocked.every((u) => !u.includes("plot.ly") && !u.includes("plotly")), `no plotly request left the machine: ${blocked.join(", ")}`);
});
