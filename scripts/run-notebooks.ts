/**
 * `npm run notebooks [-- notebooks/x.ipynb ...]`: executes notebooks headless with Debian's
 * `jupyter nbconvert --execute` and the project's tslab kernel, storing outputs in place (atomically: a
 * notebook is replaced only when it ran through). `--quick` (or FLOWLAB_QUICK=1) runs the reduced-size configs
 * whatever the notebooks' settings cells say; otherwise each runs in the mode of its settings cell.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import { KERNEL_NAME, projectJupyterDir, writeKernelSpec } from "../src/cli/kernel";
import { projectRoot } from "../src/lab/cache";

export const JUPYTER_INSTALL_HINT = "sudo apt-get install jupyter-nbconvert python3-nbclient jupyter-client";

/** Whether `jupyter nbconvert` runs here. */
export function hasNbconvert(): boolean {
  const r = spawnSync("jupyter", ["nbconvert", "--version"], { stdio: "ignore" });
  return r.status === 0;
}

export interface ExecuteOptions {
  /** Where to write the executed notebook (default: replace the input). */
  output?: string;
  quick?: boolean;
  /** Per-cell timeout in seconds (default 3600). */
  timeoutS?: number;
  /** Extra environment for the kernel (e.g. FLOWLAB_RESULTS). */
  env?: Record<string, string>;
}

/** Runs one notebook; resolves with nbconvert's combined output, rejects with it if a cell fails. */
export function executeNotebook(notebook: string, opts: ExecuteOptions = {}): Promise<string> {
  const input = resolve(notebook);
  const output = resolve(opts.output ?? input);
  const tmp = join(dirname(output), `.${basename(output, ".ipynb")}.executing.ipynb`);
  writeKernelSpec(projectJupyterDir());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    JUPYTER_PATH: [projectJupyterDir(), process.env.JUPYTER_PATH].filter(Boolean).join(delimiter),
  };
  if (opts.quick) env.FLOWLAB_QUICK = "1";
  const args = [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
    `--ExecutePreprocessor.timeout=${opts.timeoutS ?? 3600}`,
    "--output-dir",
    dirname(tmp),
    "--output",
    basename(tmp),
    input,
  ];
  return new Promise((done, fail) => {
    // The kernel's working directory is the notebook's folder, so `../dist/index` resolves.
    const child = spawn("jupyter", args, { cwd: dirname(input), env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (b: Buffer) => (log += b.toString()));
    child.stderr.on("data", (b: Buffer) => (log += b.toString()));
    child.on("error", (e) => fail(new Error(`cannot run jupyter (${e.message}); install it with: ${JUPYTER_INSTALL_HINT}`)));
    child.on("close", (code) => {
      if (code === 0 && existsSync(tmp)) {
        renameSync(tmp, output);
        done(log);
      } else {
        rmSync(tmp, { force: true });
        fail(new Error(`${basename(input)} failed (jupyter exit ${code}):\n${log.split("\n").slice(-40).join("\n")}`));
      }
    });
  });
}

async function main(argv: string[]): Promise<number> {
  if (!hasNbconvert()) {
    console.error(`npm run notebooks: 'jupyter nbconvert' not found; install it with: ${JUPYTER_INSTALL_HINT}`);
    return 1;
  }
  const dir = join(projectRoot(), "notebooks");
  const quickFlag = argv.includes("--quick");
  const files = argv.filter((a) => a !== "--quick");
  const unknown = files.filter((a) => a.startsWith("-"));
  if (unknown.length > 0) {
    console.error(`npm run notebooks: unknown option ${unknown.join(", ")} (options: --quick; arguments: notebook files)`);
    return 2;
  }
  const notebooks = files.length > 0 ? files.map((p) => resolve(p)) : readdirSync(dir).filter((f) => f.endsWith(".ipynb") && !f.startsWith(".")).sort().map((f) => join(dir, f));
  const quick = quickFlag || ["1", "true", "yes"].includes((process.env.FLOWLAB_QUICK ?? "").toLowerCase());
  let failed = 0;
  for (const [i, nb] of notebooks.entries()) {
    const t0 = Date.now();
    process.stdout.write(`[${i + 1}/${notebooks.length}] ${basename(nb)}${quick ? " (quick)" : ""} ... `);
    try {
      await executeNotebook(nb, { quick });
      console.log(`ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed++;
      console.log("FAILED");
      console.error(e instanceof Error ? e.message : String(e));
    }
  }
  console.log(`${notebooks.length - failed}/${notebooks.length} notebooks ran; outputs stored in place`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
