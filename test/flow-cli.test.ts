/** `flowlab flow`: writes the interchange CSVs and .npy files, and rejects bad flags by name. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_PROBLEM as REF } from "./reference";
import { readNpy } from "../src/data/npy";

const ROOT = join(__dirname, "..");

function flowlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src", "cli.ts"), ...args], { encoding: "utf8", env: { ...process.env, FLOWLAB_PROGRESS: "0" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("flow writes <process>.csv with the format's columns and w_final_<process>.npy", () => {
  const out = mkdtempSync(join(tmpdir(), "flowlab-flow-"));
  const r = flowlab("flow", "--problem", REF, "--which", "stable,central", "--steps", "5", "--out", out);
  assert.equal(r.status, 0, r.stderr);
  const stable = readFileSync(join(out, "stable.csv"), "utf8").trim().split("\n");
  assert.equal(stable[0], "step,loss,eig_1,eig_2,eig_3,substeps");
  assert.equal(stable.length, 6);
  const central = readFileSync(join(out, "central.csv"), "utf8").trim().split("\n");
  assert.match(central[0], /^step,loss,eig_1,eig_2,eig_3,X_trace,loss_pred,/);
  // Row 0 is at w0: same loss as the reference's row 0 (float32 forward pass).
  const loss0 = Number(stable[1].split(",")[1]);
  assert.ok(Math.abs(loss0 - 1.391805888106229) < 1e-6, `loss at w0 ${loss0}`);
  const w = readNpy(join(out, "w_final_central.npy"));
  assert.deepEqual(w.shape, [253]);
});

test("flow names a bad --which value and the allowed ones", () => {
  const r = flowlab("flow", "--problem", REF, "--which", "stable,warp", "--out", tmpdir());
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--which: 'warp' is not a process; allowed: discrete, stable, central/);
});

test("flow names a bad --sdcp-pairs value and the allowed ones", () => {
  const r = flowlab("flow", "--problem", REF, "--sdcp-pairs", "all", "--out", join(tmpdir(), "flowlab-never-written"));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--sdcp-pairs: 'all' is not one of active, tracked/);
});

test("flow reports a missing problem directory naming the file", () => {
  const r = flowlab("flow", "--problem", join(tmpdir(), "no-such-problem"), "--out", tmpdir());
  assert.equal(r.status, 1);
  assert.match(r.stderr, /problem\.json/);
});

test("flow rejects k above the number of parameters before any computation, writing nothing", () => {
  const out = join(mkdtempSync(join(tmpdir(), "flowlab-flow-")), "out");
  const r = flowlab("flow", "--problem", REF, "--k", "1000", "--steps", "2", "--out", out);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--k: 1000 is out of range; the problem's model has 253 parameters, so k must be in 1\.\.253/);
  assert.equal(existsSync(out), false, "no output directory");
});
