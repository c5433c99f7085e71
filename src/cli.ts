#!/usr/bin/env node
/** The `flowlab` command: one subcommand per module in src/cli/, loaded on demand. */
import { UsageError, usage, type FlagSpec } from "./cli/args";

interface Command {
  spec: Record<string, FlagSpec>;
  summary: string;
  main(argv: string[]): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  info: () => import("./cli/info"),
  figures: () => import("./cli/figures"),
  kernel: () => import("./cli/kernel"),
  eigs: () => import("./cli/eigs"),
  flow: () => import("./cli/flow"),
  worker: () => import("./cli/worker"),
};

function help(): string {
  return `usage: flowlab <command> [flags]\ncommands: ${Object.keys(COMMANDS).join(", ")}\n'flowlab <command> --help' lists a command's flags.`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h") {
    console.log(help());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`flowlab: unknown command '${name}'\n${help()}`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes("--help")) {
    console.log(usage(name, cmd.summary, cmd.spec));
    return 0;
  }
  try {
    return await cmd.main(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`flowlab ${name}: ${e.message}\n${usage(name, cmd.summary, cmd.spec)}`);
      return 2;
    }
    console.error(`flowlab ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
