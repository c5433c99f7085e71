/** Runs the flowlab command line in this process (tests of src/cli.ts and src/cli/*). */
import { run } from "../src/cli";

interface Captured {
  code: number;
  out: string;
  err: string;
}

/** Runs `flowlab ...argv` in this process, capturing console output. */
export async function flowlab(...argv: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" "));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(" "));
  try {
    const code = await run(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}
