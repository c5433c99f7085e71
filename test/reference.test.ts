/** test/reference.ts: FLOWLAB_REFERENCE, then shared/reference beside the clone, and nothing machine-specific. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { referenceCandidates, referenceDir } from "./reference";

function fakeReference(root: string): string {
  const dir = join(root, "shared", "reference");
  mkdirSync(join(dir, "example-problem-tanh"), { recursive: true });
  writeFileSync(join(dir, "example-problem-tanh", "problem.json"), "{}");
  return dir;
}

test("the resolver: FLOWLAB_REFERENCE first, then ../shared/reference beside the clone", () => {
  const root = mkdtempSync(join(tmpdir(), "flowlab-ref-"));
  try {
    const clone = join(root, "clone");
    mkdirSync(clone);
    const beside = fakeReference(root);
    const elsewhere = fakeReference(join(root, "elsewhere"));
    assert.equal(referenceDir({}, clone), beside);
    assert.equal(referenceDir({ FLOWLAB_REFERENCE: elsewhere }, clone), elsewhere);
    // A FLOWLAB_REFERENCE without the reference falls back to the folder beside the clone.
    assert.equal(referenceDir({ FLOWLAB_REFERENCE: join(root, "nothing") }, clone), beside);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("without the reference: an error naming where it looked and how to provide it; no machine-specific fallback", () => {
  const root = mkdtempSync(join(tmpdir(), "flowlab-ref-"));
  try {
    const clone = join(root, "clone");
    mkdirSync(clone);
    assert.throws(() => referenceDir({ FLOWLAB_REFERENCE: join(root, "missing") }, clone), (e: Error) => {
      assert.match(e.message, /set FLOWLAB_REFERENCE=/);
      assert.match(e.message, /\.\.\/shared\/reference/);
      assert.ok(e.message.includes(join(root, "missing")) && e.message.includes(join(root, "shared", "reference")), e.message);
      return true;
    });
    const dirs = referenceCandidates({}, clone).map((c) => c.dir);
    assert.deepEqual(dirs, [join(root, "shared", "reference")], "only the folder beside the clone when FLOWLAB_REFERENCE is unset");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
