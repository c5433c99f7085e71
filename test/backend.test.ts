import { test } from "node:test";
import assert from "node:assert/strict";
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
