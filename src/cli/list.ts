/**
 * `flowlab figures --list`: one line per experiment within TERMINAL_WIDTH (id and title, cut with "…");
 * `--list --long`: each experiment's full title, the paper and figure it reproduces, and whether it can run here.
 */
import type { Experiment } from "../lab/types";
import { columns, padEnd, TERMINAL_WIDTH, textWidth, truncate, wrap } from "./text";

type Listed = Pick<Experiment<object>, "id" | "title" | "paper" | "unavailable">;

export function formatExperimentList(experiments: Listed[], opts: { long?: boolean; width?: number } = {}): string {
  const width = opts.width ?? TERMINAL_WIDTH;
  const why = (e: Listed): string | null => e.unavailable?.() ?? null;
  if (opts.long) {
    const blocks = experiments.map((e) => {
      const lines = [e.id, ...wrap(e.title, width - 2).map((l) => `  ${l}`)];
      lines.push(...columns([["paper", e.paper]], { indent: 2, width }));
      const missing = why(e);
      if (missing) lines.push(...columns([["skipped", missing]], { indent: 2, width }));
      return lines.join("\n");
    });
    return `${blocks.join("\n\n")}\n\n${experiments.length} experiments; run some with: flowlab figures --only id,id`;
  }
  const idWidth = Math.max(2, ...experiments.map((e) => textWidth(e.id) + (why(e) ? 1 : 0)));
  const lines = experiments.map((e) => {
    const id = e.id + (why(e) ? "*" : "");
    return `${padEnd(id, idWidth)}  ${truncate(e.title, width - idWidth - 2)}`;
  });
  const notes = [`${experiments.length} experiments. flowlab figures --list --long: full titles, papers; --only id,id runs some.`];
  if (experiments.some((e) => why(e))) notes.push("* skipped here unless named with --only (--list --long says why).");
  return [`${padEnd("id", idWidth)}  title`, ...lines, "", ...notes.flatMap((n) => wrap(n, width))].join("\n");
}
