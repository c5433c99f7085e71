/** Progress: honest ETAs (fake clock), "eta ?" for phases that cannot estimate, the heartbeat on a non-TTY. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ETA_MIN_ELAPSED_MS, EtaEstimator, formatProgress, heartbeatLine, Progress, setProgressSink, type ProgressEvent } from "../src/progress";

/** Runs `phase` with a fake clock and a capturing sink; returns the events. */
function withFakeClock(phase: (bar: (label: string, total: number, estimate?: boolean) => Progress, advance: (ms: number) => void) => void): ProgressEvent[] {
  let t = 1_000_000;
  const events: ProgressEvent[] = [];
  setProgressSink((e) => events.push(e));
  try {
    phase((label, total, estimate) => new Progress(label, total, { intervalMs: 0, now: () => t, estimate }), (ms) => (t += ms));
  } finally {
    setProgressSink(null);
  }
  return events;
}

test("a uniform phase: 'eta ?' until enough has run, then the exact remaining time", () => {
  const events = withFakeClock((bar, advance) => {
    const p = bar("train", 100);
    for (let i = 1; i <= 100; i++) {
      advance(1000);
      p.update(i);
    }
    p.finish();
  });
  // 1 s per unit: before 5 s have elapsed there is no estimate, at 5 s it is exact.
  for (const e of events.slice(0, 4)) {
    assert.equal(e.etaMs, null, `no estimate at ${e.done}/100`);
    assert.match(formatProgress(e), / eta \?$/);
  }
  const at = (done: number): ProgressEvent => events.find((e) => e.done === done && !e.finished) as ProgressEvent;
  assert.equal(at(5).etaMs, 95_000);
  assert.equal(at(50).etaMs, 50_000);
  assert.match(formatProgress(at(50)), / 50\/100 50s eta 50s$/);
  assert.doesNotMatch(formatProgress(events[events.length - 1]), /eta/, "a finished bar shows no ETA");
});

test("the saxe-depth case: units of growing cost give no estimate before two are done, and none at all if the phase says so", () => {
  // Depth d costs 2^d seconds: after the first depth, extrapolating would promise ~10 s for ~2 min of work.
  const costs = [2, 4, 8, 16, 32, 64].map((s) => s * 1000);
  const run = (estimate?: boolean): ProgressEvent[] =>
    withFakeClock((bar, advance) => {
      const p = bar("saxe-depth: depths", costs.length, estimate);
      costs.forEach((c, i) => {
        advance(c);
        p.update(i + 1);
      });
    });
  const auto = run();
  assert.equal(auto[0].etaMs, null, "one unit of six done: no estimate");
  const declared = run(false);
  assert.ok(declared.every((e) => e.etaMs === null), "estimate: false never extrapolates");
  assert.ok(declared.every((e) => / eta \?$/.test(formatProgress(e))));
});

test("the estimate follows the recent rate: a slow start (warm-up) stops counting", () => {
  // 10 units at 10 s, then 90 units at 1 s: the truth after unit u ≥ 10 is (100 − u) s.
  const est = new EtaEstimator(0, 100);
  let t = 0;
  const etas = new Map<number, number | null>();
  for (let u = 1; u <= 100; u++) {
    t += u <= 10 ? 10_000 : 1000;
    etas.set(u, est.observe(t, u));
  }
  for (const u of [50, 80]) {
    const truth = (100 - u) * 1000;
    const wholePhaseAverage = ((100 - u) * t0(u)) / u;
    const eta = etas.get(u) as number;
    assert.ok(Math.abs(eta - truth) < Math.abs(wholePhaseAverage - truth) / 2, `at ${u}: eta ${eta} vs truth ${truth} (whole-phase average ${wholePhaseAverage})`);
  }
  function t0(u: number): number {
    return 100_000 + (u - 10) * 1000;
  }
});

test("no estimate without elapsed time, a total, or a positive rate", () => {
  const est = new EtaEstimator(0, 10);
  assert.equal(est.observe(ETA_MIN_ELAPSED_MS - 1, 5), null);
  assert.equal(new EtaEstimator(0, 0).observe(60_000, 0), null);
  // Three units in the first second, then nothing for two minutes: the recent rate is zero, no promise.
  const stalled = new EtaEstimator(0, 10);
  stalled.observe(1000, 3);
  assert.equal(stalled.observe(120_000, 3), null);
});

test("heartbeatLine: due after the interval of silence, with the phase's position and elapsed time", () => {
  const s = { active: true, label: "saxe-depth: depths", startMs: 0, lastLineMs: 10_000, done: 2, total: 6 };
  assert.equal(heartbeatLine(s, 39_999, 30_000), null);
  assert.equal(heartbeatLine(s, 40_000, 30_000), "saxe-depth: depths: still running (2/6 after 40s, no line for 30s)");
  assert.equal(heartbeatLine({ ...s, active: false }, 100_000, 30_000), null);
  assert.equal(heartbeatLine(s, 100_000, 0), null, "interval 0 turns it off");
});

/** Runs a phase whose units block the main thread (as tfjs does) in a child with a non-TTY stderr. */
function blockedPhase(heartbeatS: string): string {
  const dir = mkdtempSync(join(tmpdir(), "flowlab-progress-"));
  try {
    const script = join(dir, "phase.ts");
    writeFileSync(
      script,
      `import { Progress } from ${JSON.stringify(join(__dirname, "..", "src", "progress"))};
const bar = new Progress("demo: depths", 2);
for (let i = 1; i <= 2; i++) {
  const t0 = Date.now();
  while (Date.now() - t0 < 1200) {} // synchronous work: no timer of the main thread can fire
  bar.update(i);
}
bar.finish();
`,
    );
    const r = spawnSync(process.execPath, ["--import", "tsx", script], {
      cwd: join(__dirname, ".."),
      env: { ...process.env, FLOWLAB_PROGRESS: "1", FLOWLAB_HEARTBEAT_S: heartbeatS },
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("heartbeat: a non-TTY stderr gets 'still running' lines while the main thread is blocked, in heartbeatLine's format", () => {
  const err = blockedPhase("0.3");
  const beats = err.split("\n").filter((l) => l.includes("still running"));
  assert.ok(beats.length >= 2, `expected heartbeat lines during 2.4 s of blocked work, got:\n${err}`);
  for (const l of beats) assert.match(l, /^demo: depths: still running \(\d\/2 after \d+s, no line for \d+s\)$/);
  assert.match(err, /demo: depths \[#+\] 2\/2 \d+s\n/, "the final line");
  assert.doesNotMatch(blockedPhase("0"), /still running/, "FLOWLAB_HEARTBEAT_S=0 turns it off");
});

test("the run-level estimate sums the last run's compute times of the experiments left, over the parallelism", async () => {
  const { remainingEstimate } = await import("../src/cli/figures");
  const last = new Map([
    ["a", 60_000],
    ["b", 120_000],
  ]);
  assert.deepEqual(remainingEstimate(["a", "b"], last, 2), { ms: 90_000, unknown: 0 });
  assert.deepEqual(remainingEstimate(["b", "new"], last, 1), { ms: 120_000, unknown: 1 });
  assert.deepEqual(remainingEstimate([], last, 2), { ms: 0, unknown: 0 });
});
