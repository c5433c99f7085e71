#!/usr/bin/env node
/**
 * The `flowlab` command: one subcommand per module in src/cli/, loaded on demand. The table below is the one
 * place each command's one-line summary lives, so `flowlab --help` needs no module loaded.
 */
import { UsageError, usage, wantsHelp, type FlagSpec, type UsageExtras } from "./cli/args";
import { columns } from "./cli/text";
import { VERSION } from "./version";

export interface CommandModule {
  spec: Record<string, FlagSpec>;
  /** Synopsis and notes for the command's help. */
  extras?: UsageExtras;
  main(argv: string[]): Promise<number>;
}

interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: Record<string, Command> = {
  info: { summary: "backend in use (and how to get the native one), derivative engine, threads, versions", load: () => import("./cli/info") },
  figures: { summary: "reproduce the figures: images, CSV, manifest, claims table", load: () => import("./cli/figures") },
  flow: { summary: "discrete, stable and central flows of a problem directory to CSV", load: () => import("./cli/flow") },
  eigs: { summary: "top-k effective Hessian eigenvalues at a problem's w0", load: () => import("./cli/eigs") },
  data: { summary: "download a data set the figures need (CIFAR-10), with checksum", load: () => import("./cli/data") },
  kernel: { summary: "write the Jupyter kernel spec for the notebooks (tslab)", load: () => import("./cli/kernel") },
  worker: { summary: "compute queued tasks (BullMQ on Redis) for 'figures --queue' on other machines", load: () => import("./cli/worker") },
};

export function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => [name, c.summary]);
  return [
    `flowlab ${VERSION}: reproduce and explore optimization dynamics in deep learning`,
    "usage: flowlab <command> [flags]",
    ["commands:", ...columns(rows, { indent: 2 })].join("\n"),
    ["flowlab <command> --help   a command's flags", "flowlab --version          the version"].join("\n"),
  ].join("\n\n");
}

/** Runs the command line `flowlab ...argv`; returns the exit status (0 ok, 1 failure, 2 usage error). */
export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    console.error(help());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    if (name === "help" && rest[0] !== undefined) return run([rest[0], "--help"]);
    console.log(help());
    return 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    console.log(`flowlab ${VERSION}`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`flowlab: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const cmd = await command.load();
  const text = (): string => usage(name, command.summary, cmd.spec, cmd.extras);
  if (wantsHelp(rest)) {
    console.log(text());
    return 0;
  }
  try {
    return await cmd.main(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`flowlab ${name}: ${e.message}\n\n${text()}`);
      return 2;
    }
    console.error(`flowlab ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) {
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
