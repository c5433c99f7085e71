import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { backendInfo, BACKENDS } from "../src/backend";
import { initBackend } from "../src/runtime";

test("initBackend picks a backend and reports it", async () => {
  const info = await initBackend();
  assert.ok((BACKENDS as readonly string[]).includes(info.backend));
  assert.equal(backendInfo().backend, info.backend);
  assert.ok(info.tfjsVersion.startsWith("4."));
});

test("FLOWLAB_BACKEND with an unknown name is a clear error", async () => {
  const saved = process.env.FLOWLAB_BACKEND;
  process.env.FLOWLAB_BACKEND = "gpu";
  try {
    await assert.rejects(() => initBackend(), /FLOWLAB_BACKEND=gpu is not a backend: allowed values are native, wasm, cpu/);
  } finally {
    if (saved === undefined) delete process.env.FLOWLAB_BACKEND;
    else process.env.FLOWLAB_BACKEND = saved;
  }
});

test("initializations that overlap share one: one backend, one wasm module", () => {
  // Before they shared one, three overlapping calls instantiated three wasm modules (each adding its process-wide
  // exception listeners) and could leave tfjs on another backend than the one they returned.
  const r = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "backend-race.ts")], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { added: number; same: boolean; backends: string[] };
  assert.ok(out.same, `three calls returned ${out.backends.join(", ")}`);
  assert.ok(out.added <= 1, `${out.added} uncaughtException listeners added`);
});
