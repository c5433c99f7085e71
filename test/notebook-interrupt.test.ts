/**
 * Kernel → Interrupt (SIGINT to the tslab kernel) stops the running experiment: the hook aborts the tracked
 * runs and hands SIGINT to tslab's own handler only when nothing tracked runs, on a second interrupt, or when a
 * run ignores the signal past the grace period. Against a fake signal source with a tslab-like listener, and
 * once with a real SIGINT to a child process whose loop checks the signal.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { hookKernelInterrupt, type SignalSource } from "../src/notebook/interrupt";
import { activeRunCount, trackRun } from "../src/lab/interrupt";

/** A process stand-in with tslab's SIGINT listener (which would reject the running cell). */
function fakeKernel(): { signals: SignalSource & EventEmitter; tslabInterrupts: () => number } {
  const signals = new EventEmitter() as SignalSource & EventEmitter;
  let n = 0;
  signals.on("SIGINT", () => n++);
  return { signals, tslabInterrupts: () => n };
}

test("interrupt hook: a tracked run is aborted and the cell is left to end with it; tslab's handler is not called", async () => {
  const { signals, tslabInterrupts } = fakeKernel();
  const logs: string[] = [];
  const hook = hookKernelInterrupt({ signals, graceMs: 30, log: (l) => logs.push(l) });
  try {
    assert.equal(hookKernelInterrupt({ signals }), hook, "installed once");
    const run = trackRun();
    signals.emit("SIGINT");
    assert.equal(run.signal.aborted, true, "the run's signal is aborted");
    assert.equal(tslabInterrupts(), 0, "tslab does not release the cell while the run stops itself");
    run.done();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(tslabInterrupts(), 0, "the run stopped within the grace period");
    assert.deepEqual(logs, []);
  } finally {
    hook.uninstall();
  }
  signals.emit("SIGINT");
  assert.equal(tslabInterrupts(), 1, "uninstall gives SIGINT back to tslab");
});

test("interrupt hook: with nothing tracked, on a second interrupt, or past the grace period, tslab releases the cell", async () => {
  const { signals, tslabInterrupts } = fakeKernel();
  const logs: string[] = [];
  const hook = hookKernelInterrupt({ signals, graceMs: 30, log: (l) => logs.push(l) });
  try {
    signals.emit("SIGINT");
    assert.equal(tslabInterrupts(), 1, "nothing tracked: tslab's interrupt at once");

    const stubborn = trackRun();
    signals.emit("SIGINT");
    assert.equal(tslabInterrupts(), 1);
    signals.emit("SIGINT");
    assert.equal(tslabInterrupts(), 2, "a second interrupt forces the cell to end");

    signals.emit("SIGINT");
    assert.equal(tslabInterrupts(), 2, "a new interrupt waits again");
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(tslabInterrupts(), 3, "a run that ignores its signal is left behind after the grace period");
    assert.match(logs.join("\n"), /has not stopped 0\.03 s after the interrupt/);
    stubborn.done();
    assert.equal(activeRunCount(), 0);
  } finally {
    hook.uninstall();
  }
});

test("interrupt hook: a real SIGINT stops a loop that checks its signal, the process lives on and runs the next cell", { timeout: 60_000 }, async () => {
  // The child: tslab's handler (process.on SIGINT), the hook, one tracked loop that checks its signal each step.
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "interrupt-child.ts")], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const waitFor = async (re: RegExp): Promise<void> => {
    const t0 = Date.now();
    while (!re.test(out)) {
      if (Date.now() - t0 > 40_000 || child.exitCode !== null) throw new Error(`waiting for ${re}: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(/running/);
  child.kill("SIGINT");
  await waitFor(/next cell ran/);
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on("exit", (c) => r(c))));
  assert.equal(code, 0, out);
  assert.match(out, /CancelledError: interrupted at step \d+: loop/);
  const stepsAfter = Number(/steps after the interrupt: (\d+)/.exec(out)?.[1]);
  assert.ok(stepsAfter <= 1, `the loop stopped at its next step (${stepsAfter} steps after the signal)`);
  assert.match(out, /tslab interrupts: 0/, "tslab's handler was not needed");
});

test("interrupt hook: installed from a cell run with breakOnSigint (listeners off, then put back), it still takes SIGINT over", async () => {
  const { signals, tslabInterrupts } = fakeKernel();
  // What vm's breakOnSigint does around a cell's synchronous part: remove the SIGINT listeners, put them back after.
  const saved = signals.listeners("SIGINT");
  signals.removeAllListeners("SIGINT");
  const hook = hookKernelInterrupt({ signals, graceMs: 30 });
  for (const l of saved) signals.on("SIGINT", l);
  try {
    await new Promise((r) => setImmediate(r));
    const run = trackRun();
    signals.emit("SIGINT");
    assert.equal(run.signal.aborted, true);
    assert.equal(tslabInterrupts(), 0, "tslab's listener, put back after the cell, was taken over");
    run.done();
  } finally {
    hook.uninstall();
  }
});
