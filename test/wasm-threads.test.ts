/**
 * src/wasm-threads.ts: FLOWLAB_THREADS parsing, and in child processes (the thread count is fixed per process)
 * that 2 threads really start, give bit-identical gradients and HVPs to 1 thread, and let the process exit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { MAX_WASM_THREADS, requestedWasmThreads, wasmThreadsUnsupported } from "../src/wasm-threads";

test("FLOWLAB_THREADS: default 1, an integer from 1 to MAX_WASM_THREADS, anything else named", () => {
  assert.equal(requestedWasmThreads({}), 1);
  assert.equal(requestedWasmThreads({ FLOWLAB_THREADS: "2" }), 2);
  assert.equal(requestedWasmThreads({ FLOWLAB_THREADS: String(MAX_WASM_THREADS) }), MAX_WASM_THREADS);
  for (const bad of ["0", "9", "1.5", "two"]) assert.throws(() => requestedWasmThreads({ FLOWLAB_THREADS: bad }), new RegExp(`FLOWLAB_THREADS=${bad} is not an integer from 1 to 8`));
});

test("the installed tfjs-backend-wasm is the one the workarounds were checked against", () => {
  assert.equal(wasmThreadsUnsupported(), null);
});

const CHILD = `
const { createHash } = require("node:crypto");
const { initBackend } = require(${JSON.stringify(join(__dirname, "..", "src", "runtime"))});
const { centralFlowsCase } = require(${JSON.stringify(join(__dirname, "..", "scripts", "bench"))});
const { Rng } = require(${JSON.stringify(join(__dirname, "..", "src", "random"))});
initBackend("wasm").then((b) => {
  const c = centralFlowsCase();
  const vs = [0, 1, 2].map((i) => new Rng(i).normals(c.D.dim));
  const h = createHash("sha256");
  h.update(Buffer.from(c.D.lossAndGrad(c.w).grad.buffer));
  for (const v of c.D.hvp(c.w, vs)) h.update(Buffer.from(v.buffer));
  console.log(JSON.stringify({ threads: b.threads, note: b.threadsNote, hash: h.digest("hex") }));
}); // no process.exit: the process must end by itself with XNNPACK's threads idle
`;

function child(threads: string): { threads: number; note: string | null; hash: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", CHILD], {
    cwd: join(__dirname, ".."),
    env: { ...process.env, FLOWLAB_THREADS: threads, FLOWLAB_PROGRESS: "0" },
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.signal, null, `FLOWLAB_THREADS=${threads}: the process did not exit by itself (${r.signal})`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop() as string);
}

test("FLOWLAB_THREADS=2 computes on 2 threads, bit-identical to 1 thread, and the process exits by itself", () => {
  const one = child("1");
  const two = child("2");
  assert.equal(one.threads, 1);
  assert.match(String(one.note), /FLOWLAB_THREADS=1/);
  assert.equal(two.threads, 2, `threads: ${two.threads} (${two.note})`);
  assert.equal(two.hash, one.hash, "gradient and HVP bytes");
});
