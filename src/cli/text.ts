/**
 * Plain-text layout for the command line: every listing fits TERMINAL_WIDTH columns, with columns aligned to
 * the widest entry and the last column wrapped under itself. Widths count code points (the titles use
 * single-width symbols such as η, λ, ᵀ).
 */
export const TERMINAL_WIDTH = 100;

/** Display width of a string (code points; no East Asian wide characters occur in flowlab's texts). */
export function textWidth(s: string): number {
  return Array.from(s).length;
}

export function padEnd(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - textWidth(s)));
}

/** `s` cut to `width` columns, ending in "…" when cut. */
export function truncate(s: string, width: number): string {
  const cps = Array.from(s);
  return cps.length <= width ? s : cps.slice(0, Math.max(0, width - 1)).join("") + "…";
}

/** Greedy word wrap to lines of at most `width` columns (a single longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line === "") line = word;
    else if (textWidth(line) + 1 + textWidth(word) <= width) line += " " + word;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}

/**
 * Rows of cells as aligned columns: every column but the last is padded to its widest cell; the last is
 * wrapped to what remains of `width`, continuation lines indented under it.
 */
export function columns(rows: string[][], opts: { indent?: number; gap?: number; width?: number } = {}): string[] {
  const indent = " ".repeat(opts.indent ?? 0);
  const gap = opts.gap ?? 2;
  const width = opts.width ?? TERMINAL_WIDTH;
  const n = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: n - 1 }, (_, j) => Math.max(0, ...rows.map((r) => (j < r.length - 1 ? textWidth(r[j]) : 0))));
  const lead = textWidth(indent) + widths.reduce((a, w) => a + w + gap, 0);
  const out: string[] = [];
  for (const r of rows) {
    const head = indent + r.slice(0, -1).map((c, j) => padEnd(c, widths[j]) + " ".repeat(gap)).join("");
    const last = r[r.length - 1] ?? "";
    const wrapped = wrap(last, Math.max(20, width - lead));
    out.push((head + wrapped[0]).trimEnd());
    for (const more of wrapped.slice(1)) out.push(" ".repeat(lead) + more);
  }
  return out;
}
