/**
 * The notebooks in a real Jupyter UI: Debian's classic `jupyter-notebook` server on 127.0.0.1 (a free port, a
 * token, the project's tslab kernel registered in a temporary JUPYTER_PATH, fresh Jupyter dirs so no notebook is
 * trusted), driven by playwright-core with the system Chromium (never a downloaded one).
 *  1. a notebook's settings cell and one small experiment cell run from the keyboard, and the plot appears,
 *     no wider than the output area;
 *  2. Kernel → Interrupt (the toolbar button) on a long cell: the kernel's CPU use (from /proc/<pid>/stat)
 *     stops, the cell ends with one line, the next cell runs — skipped, saying so, only while
 *     `runExperiment` does not yet register its runs with trackRun() in this branch;
 *  3. the committed demo notebook opened untrusted shows its static figures and the note on trusting it.
 * Needs `npm run build` (the notebooks import ../dist/index). Skipped when jupyter-notebook or Chromium is absent.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_FLAGS, findChromium } from "../src/plot/export";
import { writeKernelSpec, KERNEL_NAME } from "../src/cli/kernel";
import { projectRoot } from "../src/lab/cache";
import { registerExperiment } from "../src/lab/registry";
import { runExperiment } from "../src/lab/run";
import { interruptActiveRuns } from "../src/lab/interrupt";
import { isCancelled } from "../src/cancel";
import type { Experiment, RunContext } from "../src/lab/types";

function missing(): string | false {
  if (spawnSync("jupyter-notebook", ["--version"], { stdio: "ignore" }).status !== 0) return "jupyter-notebook not installed (sudo apt-get install jupyter-notebook)";
  try {
    findChromium();
  } catch {
    return "no Chromium (sudo apt-get install chromium)";
  }
  if (!existsSync(join(projectRoot(), "dist", "index.js"))) return "dist/index.js is missing: run `npm run build` first";
  return false;
}
const skip = missing();

/** Whether runExperiment's loops stop on interruptActiveRuns() in this build (the lab branch makes them). */
async function runsHonourInterrupt(): Promise<boolean> {
  const probe = registerExperiment({
    id: `interrupt-probe-${randomBytes(3).toString("hex")}`,
    title: "probe",
    paper: "none",
    configs: { quick: { n: 5 }, full: { n: 5 } },
    async run(c: { n: number }, ctx: RunContext) {
      for (let i = 0; i < c.n; i++) {
        if (i === 1) interruptActiveRuns();
        ctx.progress("probe", c.n).update(i + 1);
        await ctx.live({ t: { y: [i] } });
      }
      return { t: { y: [c.n] } };
    },
    figure: () => ({ data: [], layout: {} }),
    figures: [{ id: "probe", paperFigure: "none", title: "probe", caption: () => "", size: "text", build: () => ({ data: [], layout: {} }) }],
    claims: () => [],
  } as unknown as Experiment<{ n: number }>);
  try {
    await runExperiment(probe, { mode: "quick", cache: false });
    return false;
  } catch (e) {
    return isCancelled(e);
  }
}

const work = mkdtempSync(join(tmpdir(), "flowlab-jupyter-ui-"));
const token = randomBytes(16).toString("hex");
let server: ChildProcess | null = null;
let serverLog = "";
let base = "";
let browser: Browser | null = null;

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

const code = (source: string): object => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source });

/** The test notebook: settings, a small experiment, a long run (a registered spin loop), a next cell. */
function testNotebook(): object {
  const spin = `import { registerExperiment, type Experiment } from "../dist/index";
const spinFigure = (t: { t: { x: number[] } }) => ({ data: [{ type: "scatter" as const, y: t.t.x }], layout: {} });
// The module that holds the experiment's code (for a code-aware cache key): this notebook, which imports the library.
const register = registerExperiment as unknown as (e: Experiment<{ steps: number }>, module?: string) => Experiment<{ steps: number }>;
const spin = register({
  id: "browser-test-spin", title: "spin", paper: "none",
  configs: { quick: { steps: 200000 }, full: { steps: 200000 } },
  async run(c: { steps: number }, ctx) {
    const bar = ctx.progress("spin", c.steps);
    const x: number[] = [];
    for (let i = 0; i < c.steps; i++) {
      const t = Date.now();
      let s = 0;
      while (Date.now() - t < 20) s += Math.sqrt(i + s); // 20 ms of work per step
      x.push(s);
      bar.update(i + 1);
      await ctx.live({ t: { x: x.slice(-50) } });
    }
    return { t: { x } };
  },
  figure: spinFigure,
  figures: [{ id: "spin", paperFigure: "none", title: "spin", caption: () => "", size: "text", build: spinFigure }],
  claims: () => [],
} as unknown as Experiment<{ steps: number }>, process.cwd() + "/ui-test.ipynb");
await lab.run(spin, { cache: false });`;
  return {
    cells: [
      code(`const settings = { mode: "quick" as "quick" | "full" };\nimport { notebookSetup } from "../dist/index";\nconst lab = notebookSetup({ mode: settings.mode });`),
      code(`const result = await lab.run("demo");`),
      code(spin),
      code(`console.log("next cell ran", 6 * 7);`),
    ],
    metadata: { kernelspec: { display_name: "flowlab (TypeScript)", language: "typescript", name: KERNEL_NAME } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

before(async () => {
  if (skip) return;
  // A served tree shaped like the project (notebooks/ beside dist/), outside it, with fresh Jupyter dirs.
  const root = join(work, "root");
  mkdirSync(join(root, "notebooks"), { recursive: true });
  symlinkSync(join(projectRoot(), "dist"), join(root, "dist"));
  symlinkSync(join(projectRoot(), "node_modules"), join(root, "node_modules"));
  writeFileSync(join(root, "notebooks", "ui-test.ipynb"), JSON.stringify(testNotebook(), null, 1));
  copyFileSync(join(projectRoot(), "notebooks", "demo.ipynb"), join(root, "notebooks", "demo-committed.ipynb"));
  const jupyterPath = join(work, "jupyter-path");
  writeKernelSpec(jupyterPath);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: jupyterPath,
    JUPYTER_CONFIG_DIR: join(work, "config"),
    JUPYTER_DATA_DIR: join(work, "data"),
    JUPYTER_RUNTIME_DIR: join(work, "runtime"),
    FLOWLAB_RESULTS: join(work, "results"),
    FLOWLAB_QUICK: "",
  };
  server = spawn("jupyter-notebook", ["--no-browser", "--ip=127.0.0.1", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`, `--notebook-dir=${root}`, ...(process.getuid?.() === 0 ? ["--allow-root"] : [])], { env, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout?.on("data", (b: Buffer) => (serverLog += b.toString()));
  server.stderr?.on("data", (b: Buffer) => (serverLog += b.toString()));
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(`${base}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 60_000 || server.exitCode !== null) throw new Error(`jupyter-notebook did not start:\n${serverLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_FLAGS, handleSIGINT: false });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server?.once("exit", r));
  }
  rmSync(work, { recursive: true, force: true });
});

async function openNotebook(name: string): Promise<{ page: Page; errors: string[] }> {
  if (!browser) throw new Error("no browser");
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  // Only the local server: anything else would be a network dependency of the notebook.
  await context.route(/^(https?|wss?):\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}/notebooks/notebooks/${name}?token=${token}`);
  await page.waitForFunction(() => document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null, null, { timeout: 90_000 });
  return { page, errors };
}

/** Runs cell i from the keyboard (click into it, Shift+Enter). */
async function runCell(page: Page, i: number): Promise<void> {
  await page.locator(".cell").nth(i).locator(".CodeMirror").click();
  await page.keyboard.press("Shift+Enter");
}

/** Waits until cell i is no longer running (its prompt is not "In [*]"). */
async function waitCellDone(page: Page, i: number, timeout: number): Promise<void> {
  await page.waitForFunction((k) => {
    const p = document.querySelectorAll(".cell")[k]?.querySelector(".input_prompt")?.textContent ?? "";
    return /In\s*\[\d+\]/.test(p);
  }, i, { timeout });
}

/** Waits until cell i's output matches `re` (iopub output may arrive after the cell's prompt is numbered). */
async function waitCellText(page: Page, i: number, re: RegExp, timeout = 30_000): Promise<string> {
  try {
    await page.waitForFunction(([k, src, flags]) => new RegExp(src, flags).test((document.querySelectorAll(".cell")[k]?.querySelector(".output_wrapper") as HTMLElement | null)?.innerText ?? ""), [i, re.source, re.flags] as const, { timeout });
  } catch {
    // fall through: the assertion below shows what the cell printed
  }
  const text = await cellText(page, i);
  assert.match(text, re);
  return text;
}

const cellText = (page: Page, i: number): Promise<string> => page.locator(".cell").nth(i).locator(".output_area").allInnerTexts().then((t) => t.join("\n"));

/** The tslab kernel's process id (the node process started with this server's kernel connection file). */
function kernelPid(): number {
  const runtime = join(work, "runtime");
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("tslab") && cmd.includes(runtime)) return Number(pid);
    } catch {
      // process gone
    }
  }
  throw new Error("tslab kernel process not found");
}

/** CPU seconds per second of a process over `ms` (utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms). */
async function cpuRate(pid: number, ms: number): Promise<number> {
  const ticks = (): number => {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of stat: utime, stime
  };
  const a = ticks();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  return (ticks() - a) / 100 / ((Date.now() - t0) / 1000);
}

let uiPage: Page | null = null;

test("Jupyter UI: the settings cell and an experiment cell run, and the plot appears within the output area", { skip, timeout: 240_000 }, async () => {
  const t0 = Date.now();
  const { page, errors } = await openNotebook("ui-test.ipynb");
  uiPage = page;
  const opened = Date.now() - t0;
  await runCell(page, 0);
  await waitCellDone(page, 0, 120_000);
  await waitCellText(page, 0, /mode: quick/);
  const t1 = Date.now();
  await runCell(page, 1);
  await page.waitForFunction(() => document.querySelectorAll(".cell")[1]?.querySelector(".flowlab-figure .main-svg") !== null, null, { timeout: 180_000 });
  await waitCellDone(page, 1, 60_000);
  const ran = Date.now() - t1;
  await waitCellText(page, 1, /demo \(quick\): computed in/);
  const fit = await page.evaluate(() => {
    const fig = document.querySelectorAll(".cell")[1].querySelector(".flowlab-figure") as HTMLElement;
    const area = fig.closest(".output_subarea") as HTMLElement;
    return { fig: fig.getBoundingClientRect().width, area: area.getBoundingClientRect().width, scroll: area.scrollWidth - area.clientWidth, height: fig.getBoundingClientRect().height };
  });
  assert.ok(fit.fig <= fit.area + 1 && fit.scroll <= 1, `figure ${fit.fig} px in an output area of ${fit.area} px (overflow ${fit.scroll} px)`);
  assert.ok(fit.height > 100, `figure height ${fit.height} px`);
  assert.deepEqual(errors, []);
  console.log(`# opened and kernel idle in ${(opened / 1000).toFixed(1)} s; demo cell (run + plot) in ${(ran / 1000).toFixed(1)} s; figure ${Math.round(fit.fig)}×${Math.round(fit.height)} px in a ${Math.round(fit.area)} px output area`);
});

test("Jupyter UI: Kernel → Interrupt stops a long run (kernel CPU falls to idle) and the next cell runs", { skip, timeout: 180_000 }, async (t) => {
  if (!(await runsHonourInterrupt())) {
    t.skip("runExperiment does not register its runs with trackRun() in this branch yet (the lab branch does); the interrupt is not honoured, so this part cannot pass");
    return;
  }
  const page = uiPage;
  assert.ok(page, "the first test opened the notebook");
  const pid = kernelPid();
  await runCell(page, 2);
  await page.waitForFunction(() => /spin \[/.test((document.querySelectorAll(".cell")[2] as HTMLElement | undefined)?.innerText ?? ""), null, { timeout: 60_000 });
  const busy = await cpuRate(pid, 2000);
  // On a loaded machine the kernel gets only its share of the cores: compare with its own use after the interrupt.
  assert.ok(busy > 0.05, `the kernel computes before the interrupt (${busy.toFixed(2)} CPU s/s)`);
  const t0 = Date.now();
  await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
  await waitCellDone(page, 2, 30_000);
  const stopped = Date.now() - t0;
  await page.waitForFunction(() => document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null, null, { timeout: 30_000 });
  const idle = await cpuRate(pid, 2000);
  const out = await waitCellText(page, 2, /interrupted/i);
  assert.ok(idle < 0.05 && idle < busy / 3, `the kernel's CPU use after the interrupt: ${idle.toFixed(3)} CPU s/s (before: ${busy.toFixed(3)})`);
  assert.doesNotMatch(out, /Interrupted asynchronously/, "the run stopped itself; tslab did not have to abandon it");
  const errorLines = out.split("\n").filter((l) => /^\s+at /.test(l));
  assert.deepEqual(errorLines, [], "one line, no stack trace");
  await runCell(page, 3);
  await waitCellDone(page, 3, 30_000);
  await waitCellText(page, 3, /next cell ran 42/);
  assert.equal(kernelPid(), pid, "the same kernel process");
  console.log(`# interrupt: cell ended ${(stopped / 1000).toFixed(1)} s after the click; kernel CPU ${busy.toFixed(2)} → ${idle.toFixed(2)} CPU s/s`);
});

test("Jupyter UI: the committed demo notebook, untrusted, shows its static figures and how to get interactive ones", { skip, timeout: 120_000 }, async () => {
  const { page } = await openNotebook("demo-committed.ipynb");
  assert.match(await page.locator("#notification_trusted").innerText(), /Not Trusted/);
  const images = await page.evaluate(() =>
    Array.from(document.querySelectorAll(".output_html img.flowlab-static")).map((img) => ({ w: (img as HTMLImageElement).naturalWidth, shown: (img as HTMLElement).getBoundingClientRect().width })),
  );
  assert.ok(images.length >= 1, "static images in the saved outputs");
  for (const im of images) assert.ok(im.w > 100 && im.shown > 100, `a drawn image (${JSON.stringify(im)})`);
  assert.equal(await page.locator(".flowlab-figure .main-svg").count(), 0, "no script ran: no interactive plot");
  assert.match(await page.locator(".output_html").first().innerText(), /Static figures\..*trust the notebook/s);
  console.log(`# untrusted demo notebook: ${images.length} static figures`);
});
