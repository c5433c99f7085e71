/**
 * Lints the exported figures of a folder (default figures/) in Chromium, as the figure-lint test does, and
 * prints every violation: `npm run lint:figures [-- DIR]`. Exit 1 when there is any.
 */
import { resolve } from "node:path";
import { FigureExporter } from "../src/plot/export";
import { lintFigureDir, summarize } from "../src/plot/lint";

async function main(): Promise<void> {
  const dir = resolve(process.argv[2] ?? "figures");
  const exporter = await FigureExporter.launch();
  try {
    const { figures, violations, legacy } = await lintFigureDir(await exporter.newPage(), dir);
    for (const v of violations) console.log(`${v.figure} [${v.kind}] ${v.detail}`);
    if (legacy.length > 0) console.log(`not judged (exported before the sized layout): ${legacy.join(", ")}`);
    console.log(`${figures} figures linted in ${dir}: ${violations.length} violations ${JSON.stringify(summarize(violations))}`);
    process.exitCode = violations.length > 0 ? 1 : 0;
  } finally {
    await exporter.close();
  }
}

void main();
