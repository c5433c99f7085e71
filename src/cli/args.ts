/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`. Unknown flags and missing
 * values are errors that name the flag and list the allowed ones.
 */
import { columns, TERMINAL_WIDTH, wrap } from "./text";

export type FlagKind = "string" | "int" | "number" | "boolean" | "list";

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  required?: boolean;
  /** The value's placeholder in help, e.g. "DIR" (default by kind: <value>, <n>, <x>, <a,b,…>). */
  arg?: string;
}

export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>;

export class UsageError extends Error {}

export function parseFlags(argv: string[], spec: Record<string, FlagSpec>): ParsedFlags {
  const out: ParsedFlags = {};
  const allowed = Object.keys(spec).map((k) => `--${k}`).join(", ");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument '${arg}'; allowed flags: ${allowed}`);
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown flag --${name}; allowed flags: ${allowed}`);
    if (s.kind === "boolean") {
      out[name] = eq >= 0 ? arg.slice(eq + 1) !== "false" : true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith("--"))) throw new UsageError(`--${name} needs a value (${s.help})`);
    out[name] = convert(name, s.kind, raw);
  }
  for (const [name, s] of Object.entries(spec)) {
    if (s.required && out[name] === undefined) throw new UsageError(`--${name} is required (${s.help})`);
  }
  return out;
}

function convert(name: string, kind: FlagKind, raw: string): string | number | string[] {
  switch (kind) {
    case "int": {
      // Decimal digits only: Number("") is 0 and Number("0x10") is 16, neither what a user meant.
      const v = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${raw}'`);
      return v;
    }
    case "number": {
      const v = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(v)) throw new UsageError(`--${name} must be a finite number, got '${raw}'`);
      return v;
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return raw;
  }
}

const PLACEHOLDER: Record<FlagKind, string> = { string: "<value>", int: "<n>", number: "<x>", boolean: "", list: "<a,b,…>" };

/** Whether argv asks for help (`-h` or `--help` anywhere before a `--`). */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "-h" || a === "--help");
}

export interface UsageExtras {
  /** The synopsis after "usage: ", default `flowlab <command> [flags]`. */
  synopsis?: string;
  /** Paragraphs printed after the flags; lines starting with a space are examples, not wrapped. */
  notes?: string[];
}

/** A command's help: summary, synopsis, one aligned row per flag (wrapped to TERMINAL_WIDTH), notes. */
export function usage(command: string, summary: string, spec: Record<string, FlagSpec>, extras: UsageExtras = {}): string {
  const rows = Object.entries(spec).map(([k, s]) => {
    const arg = s.kind === "boolean" ? "" : ` ${s.arg ?? PLACEHOLDER[s.kind]}`;
    return [`--${k}${arg}`, `${s.help}${s.required ? " (required)" : ""}`];
  });
  rows.push(["-h, --help", "show this help"]);
  const parts = [`flowlab ${command}: ${summary}`, `usage: ${extras.synopsis ?? `flowlab ${command} [flags]`}`, ["flags:", ...columns(rows, { indent: 2 })].join("\n")];
  // A note's lines are wrapped, except indented ones (examples), kept as written.
  for (const note of extras.notes ?? []) parts.push(note.split("\n").flatMap((l) => (l.startsWith(" ") ? [l] : wrap(l, TERMINAL_WIDTH))).join("\n"));
  return parts.join("\n\n");
}
