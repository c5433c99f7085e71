/**
 * A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`. Unknown flags and missing
 * values are errors that name the flag and list the allowed ones.
 */
export type FlagKind = "string" | "int" | "number" | "boolean" | "list";

export interface FlagSpec {
  kind: FlagKind;
  help: string;
  required?: boolean;
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
      const v = Number(raw);
      if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${raw}'`);
      return v;
    }
    case "number": {
      const v = Number(raw);
      if (!Number.isFinite(v)) throw new UsageError(`--${name} must be a finite number, got '${raw}'`);
      return v;
    }
    case "list":
      return raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return raw;
  }
}

export function usage(command: string, summary: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([k, s]) => `  --${k}${s.kind === "boolean" ? "" : " <" + s.kind + ">"}  ${s.help}${s.required ? " (required)" : ""}`);
  return `flowlab ${command}: ${summary}\n${lines.join("\n")}`;
}
