/**
 * `npm run bench:threads [-- --quick] [-- --rounds N] [-- --json]`: the wasm backend with 1 vs 2 threads
 * (src/wasm-threads.ts) on the two benchmark models of scripts/bench.ts: 8→16→16→1 swish (n = 128) and
 * 196→64→64→10 tanh (1000 MNIST digits).
 *
 * The thread count is fixed when a process starts its backend, so each measurement is a child process with
 * FLOWLAB_THREADS=1 or 2. Children alternate (1, 2, 1, 2, …) so both settings see the same machine load; the
 * table shows the median over rounds of each child's median times, and the 2-thread ÷ 1-thread ratio. Each
 * child also hashes its gradient and HVPs: the hashes must agree across thread counts (bit-identical results).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { initBackend } from "../src/runtime";
import { Rng } from "../src/random";
import { burnIn, centralFlowsCase, formatTable, mnistCase, timeMedian, type BenchCase, type Row } from "./bench";

interface ChildResult {
  threads: number;
  initMs: number;
  rows: Row[];
  /** sha256 prefix of each model's gradient and HVP bytes. */
  hashes: Record<string, string>;
}

const THREAD_COUNTS = [1, 2];

async function child(quick: boolean): Promise<ChildResult> {
  const t0 = performance.now();
  const b = await initBackend("wasm");
  const initMs = performance.now() - t0;
  const o = { warmup: 2, reps: quick ? 5 : 9 };
  const rows: Row[] = [];
  const hashes: Record<string, string> = {};
  const cases: Array<() => BenchCase> = [centralFlowsCase, () => mnistCase(quick ? 250 : 1000)];
  for (const make of cases) {
    const c = make();
    try {
      burnIn(c, quick ? 500 : 2000);
      const vs = Array.from({ length: 8 }, (_, i) => new Rng(10 + i).normals(c.D.dim));
      const h = createHash("sha256");
      h.update(Buffer.from(c.D.lossAndGrad(c.w).grad.buffer));
      for (const v of c.D.hvp(c.w, vs)) h.update(Buffer.from(v.buffer));
      hashes[c.name] = h.digest("hex").slice(0, 16);
      rows.push({ model: c.name, measure: "gradient", value: timeMedian(() => c.D.lossAndGrad(c.w), o), unit: "ms" });
      rows.push({ model: c.name, measure: "HVP ×8 batched", value: timeMedian(() => c.D.hvp(c.w, vs), o), unit: "ms" });
      rows.push({ model: c.name, measure: "third ×3 batched", value: timeMedian(() => c.D.third(c.w, vs.slice(0, 3), vs.slice(3, 6)), o), unit: "ms" });
    } finally {
      c.dispose();
    }
  }
  return { threads: b.threads, initMs, rows, hashes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function runChild(threads: number, quick: boolean): ChildResult {
  const args = ["--import", "tsx", __filename, "--child", ...(quick ? ["--quick"] : [])];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, FLOWLAB_THREADS: String(threads), FLOWLAB_PROGRESS: "0" }, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`bench:threads child with FLOWLAB_THREADS=${threads} failed (${r.status ?? r.signal}): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  const result = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as ChildResult;
  if (result.threads !== threads) throw new Error(`bench:threads: asked for ${threads} thread(s), the backend started ${result.threads}`);
  return result;
}

async function main(argv: string[]): Promise<void> {
  const known = new Set(["--quick", "--json", "--child", "--rounds"]);
  for (let i = 0; i < argv.length; i++) {
    if (!known.has(argv[i])) throw new Error(`bench:threads: unknown argument ${argv[i]}; allowed: --quick, --rounds N, --json`);
    if (argv[i] === "--rounds") i++;
  }
  const quick = argv.includes("--quick");
  if (argv.includes("--child")) {
    console.log(JSON.stringify(await child(quick)));
    return;
  }
  const ri = argv.indexOf("--rounds");
  const rounds = ri >= 0 ? Number(argv[ri + 1]) : quick ? 1 : 3;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench:threads: --rounds must be a positive integer, got ${argv[ri + 1]}`);

  const results = new Map<number, ChildResult[]>(THREAD_COUNTS.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) for (const t of THREAD_COUNTS) results.get(t)?.push(runChild(t, quick));

  const [one, two] = THREAD_COUNTS.map((t) => results.get(t) ?? []);
  for (const model of Object.keys(one[0].hashes)) {
    const hs = new Set([...one, ...two].map((c) => c.hashes[model]));
    if (hs.size !== 1) throw new Error(`bench:threads: ${model}: gradient/HVP bytes differ between 1 and 2 threads (${[...hs].join(", ")})`);
  }
  const rows: Row[] = [];
  const init = (cs: ChildResult[]): number => median(cs.map((c) => c.initMs));
  rows.push({ model: "(backend)", measure: "start, 1 thread", value: init(one), unit: "ms" });
  rows.push({ model: "(backend)", measure: "start, 2 threads", value: init(two), unit: "ms" });
  one[0].rows.forEach((row, i) => {
    const t1 = median(one.map((c) => c.rows[i].value));
    const t2 = median(two.map((c) => c.rows[i].value));
    rows.push({ ...row, measure: `${row.measure}, 1 thread`, value: t1 });
    rows.push({ ...row, measure: `${row.measure}, 2 threads`, value: t2 });
    rows.push({ ...row, measure: `${row.measure}, 2 ÷ 1 threads`, value: t2 / t1, unit: "×" });
  });
  if (argv.includes("--json")) console.log(JSON.stringify({ rounds, quick, rows }));
  else console.log(`wasm, 1 vs 2 threads, ${rounds} alternating round(s)${quick ? ", --quick" : ""}; gradient and HVP bytes identical\n${formatTable(rows)}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  });
}
