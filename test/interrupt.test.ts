import { test } from "node:test";
import assert from "node:assert/strict";
import { activeRunCount, interruptActiveRuns, trackRun } from "../src/lab/interrupt";

test("interruptActiveRuns aborts every tracked run and only those", () => {
  const a = trackRun();
  const b = trackRun();
  b.done();
  assert.equal(activeRunCount(), 1);
  assert.equal(interruptActiveRuns(), 1);
  assert.equal(a.signal.aborted, true);
  assert.equal(b.signal.aborted, false);
  a.done();
  assert.equal(activeRunCount(), 0);
});

test("a tracked run follows its parent signal", () => {
  const parent = new AbortController();
  const run = trackRun(parent.signal);
  assert.equal(run.signal.aborted, false);
  parent.abort();
  assert.equal(run.signal.aborted, true);
  run.done();
  const late = trackRun(parent.signal);
  assert.equal(late.signal.aborted, true);
  late.done();
});
