/**
 * `flowlab kernel`: writes a Jupyter kernel spec that runs this project's tslab, so notebooks open in Jupyter
 * and VS Code without IPython. Default location: <project>/.jupyter/kernels/flowlab-tslab/ (put
 * <project>/.jupyter on JUPYTER_PATH); `--user` writes to the user's Jupyter data dir, found by every frontend.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { parseFlags, type FlagSpec } from "./args";
import { writeJsonAtomic } from "../atomic";
import { projectRoot } from "../lab/cache";

export const KERNEL_NAME = "flowlab-tslab";

export const spec: Record<string, FlagSpec> = {
  user: { kind: "boolean", help: "install for the user (Jupyter's user data dir) instead of <project>/.jupyter" },
  dir: { kind: "string", arg: "DIR", help: "Jupyter data dir to write kernels/<name>/ into" },
  name: { kind: "string", arg: "NAME", help: `kernel name (default ${KERNEL_NAME})` },
};

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
}

/** Jupyter's per-user data dir (what `jupyter --data-dir` prints). */
export function userJupyterDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "jupyter");
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

/** The project-local Jupyter data dir, for JUPYTER_PATH. */
export function projectJupyterDir(): string {
  return join(projectRoot(), ".jupyter");
}

/**
 * The kernel spec: this Node binary runs the project's tslab (absolute paths, so the kernel starts even where
 * `node` is not on the frontend's PATH, as with VS Code started from a desktop launcher).
 */
export function kernelSpec(): KernelSpec {
  const tslab = join(projectRoot(), "node_modules", "tslab", "bin", "tslab");
  if (!existsSync(tslab)) throw new Error(`tslab is not installed at ${tslab}; run npm install`);
  return { argv: [process.execPath, tslab, "kernel", "--config-path", "{connection_file}"], display_name: "flowlab (TypeScript)", language: "typescript" };
}

/** Writes <dataDir>/kernels/<name>/kernel.json; returns its path. */
export function writeKernelSpec(dataDir: string = projectJupyterDir(), name = KERNEL_NAME): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`kernel name '${name}' may contain only letters, digits, '.', '_', '-'`);
  const path = join(dataDir, "kernels", name, "kernel.json");
  writeJsonAtomic(path, kernelSpec());
  return path;
}

export async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, spec);
  const dataDir = (flags.dir as string | undefined) ?? (flags.user ? userJupyterDir() : projectJupyterDir());
  const path = writeKernelSpec(dataDir, (flags.name as string | undefined) ?? KERNEL_NAME);
  console.log(`wrote ${path}`);
  if (!flags.user && !flags.dir) {
    console.log(`open the notebooks with:\n  JUPYTER_PATH=${dataDir} jupyter notebook ${join(projectRoot(), "notebooks")}`);
    console.log(`(VS Code finds the kernel if JUPYTER_PATH is set where it starts, or after 'npx flowlab kernel --user')`);
  } else {
    console.log(`Jupyter and VS Code list it as "flowlab (TypeScript)"`);
  }
  return 0;
}
