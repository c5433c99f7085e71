import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { EXAMPLE_PROBLEM } from "./reference";
import { readNpy, writeNpy } from "../src/data/npy";

const tmp = mkdtempSync(join(tmpdir(), "flowlab-npy-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A .npy file built by hand the way NumPy lays it out, version 1.0 or 2.0. */
function handMade(header: string, payload: Buffer, major = 1): Buffer {
  const prefix = major === 1 ? 10 : 12;
  const len = Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix;
  const head = Buffer.alloc(prefix + len, 0x20);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(len, 8);
  else head.writeUInt32LE(len, 8);
  head.write(header, prefix, "latin1");
  head[head.length - 1] = 0x0a;
  return Buffer.concat([head, payload]);
}

test("reads the reference example written by NumPy", () => {
  const X = readNpy(join(EXAMPLE_PROBLEM, "X.npy"));
  assert.deepEqual(X.shape, [96, 6]);
  assert.equal(X.dtype, "<f8");
  assert.equal(X.data.length, 576);
  assert.ok(X.data.every(Number.isFinite));
  const y = readNpy(join(EXAMPLE_PROBLEM, "y.npy"));
  assert.deepEqual(y.shape, [96]);
});

test("float64 round trip is exact and the header matches NumPy's", () => {
  const data = Float64Array.from([1.5, -2.25, Math.PI, 1e-300, -0, 7]);
  const path = join(tmp, "a.npy");
  writeNpy(path, data, [2, 3]);
  const bytes = readFileSync(path);
  assert.equal(bytes.length, 128 + 48, "header padded to 64 bytes, then 6 float64");
  assert.match(bytes.toString("latin1", 10, 128), /^\{'descr': '<f8', 'fortran_order': False, 'shape': \(2, 3\), \} +\n$/);
  const back = readNpy(path);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(data));
  assert.deepEqual(readdirSync(tmp), ["a.npy"], "no temp files left behind");
});

test("float32 writes round to float32; 1-D and 0-D shapes", () => {
  const path = join(tmp, "b.npy");
  writeNpy(path, [0.1, 0.2, 0.3], [3], "<f4");
  const b = readNpy(path);
  assert.equal(b.dtype, "<f4");
  assert.deepEqual(b.shape, [3]);
  assert.deepEqual(Array.from(b.data), Array.from(Float32Array.from([0.1, 0.2, 0.3])));
  assert.match(readFileSync(path).toString("latin1", 10, 80), /'shape': \(3,\)/);
  writeNpy(path, [42], []);
  assert.deepEqual(readNpy(path), { data: Float64Array.from([42]), shape: [], dtype: "<f8" });
});

test("reads int32, int64, uint8 and version 2.0 headers", () => {
  const i4 = Buffer.alloc(12);
  [-1, 2, 2147483647].forEach((v, i) => i4.writeInt32LE(v, 4 * i));
  writeFileSync(join(tmp, "i4.npy"), handMade("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i4));
  assert.deepEqual(Array.from(readNpy(join(tmp, "i4.npy")).data), [-1, 2, 2147483647]);
  const i8 = Buffer.alloc(16);
  i8.writeBigInt64LE(-5n, 0);
  i8.writeBigInt64LE(2n ** 40n, 8);
  writeFileSync(join(tmp, "i8.npy"), handMade("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }", i8, 2));
  const r8 = readNpy(join(tmp, "i8.npy"));
  assert.deepEqual(r8.shape, [2, 1]);
  assert.deepEqual(Array.from(r8.data), [-5, 2 ** 40]);
  writeFileSync(join(tmp, "u1.npy"), handMade("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", Buffer.from([0, 1, 128, 255])));
  assert.deepEqual(Array.from(readNpy(join(tmp, "u1.npy")).data), [0, 1, 128, 255]);
});

test("errors name the file and the problem", () => {
  const f8 = Buffer.alloc(8 * 4);
  const fort = join(tmp, "fortran.npy");
  writeFileSync(fort, handMade("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", f8));
  assert.throws(() => readNpy(fort), (e: Error) => e.message.includes(fort) && /fortran_order/.test(e.message));
  const big = join(tmp, "big.npy");
  writeFileSync(big, handMade("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", f8));
  assert.throws(() => readNpy(big), (e: Error) => e.message.includes(big) && /big-endian/.test(e.message));
  const short = join(tmp, "short.npy");
  writeFileSync(short, handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f8));
  assert.throws(() => readNpy(short), (e: Error) => e.message.includes(short) && /48 data bytes.*32/.test(e.message));
  const junk = join(tmp, "junk.npy");
  writeFileSync(junk, "hello");
  assert.throws(() => readNpy(junk), (e: Error) => e.message.includes(junk) && /magic/.test(e.message));
  assert.throws(() => readNpy(join(tmp, "missing.npy")), /missing\.npy: cannot read/);
  assert.throws(() => writeNpy(join(tmp, "c.npy"), [1, 2, 3], [2, 2]), /c\.npy: 3 values do not fill shape \(2, 2\)/);
});
