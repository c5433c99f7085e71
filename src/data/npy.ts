/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), the interchange format with NumPy/JAX/PyTorch code.
 * Reads little-endian float32/float64/int32/int64/uint8 arrays in C order into float64; writes float32 or
 * float64 in version 1.0 (2.0 if the header is too long), atomically.
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../atomic";

export { writeFileAtomic };

export const NPY_READ_DTYPES = ["<f4", "<f8", "<i4", "<i8", "|u1"] as const;
export type NpyDtype = (typeof NPY_READ_DTYPES)[number];
export type NpyWriteDtype = "<f4" | "<f8";

export interface NpyArray {
  /** Values in C (row-major) order, converted to float64. */
  data: Float64Array;
  shape: number[];
  /** The dtype stored in the file. */
  dtype: NpyDtype;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ITEM_SIZE: Record<NpyDtype, number> = { "<f4": 4, "<f8": 8, "<i4": 4, "<i8": 8, "|u1": 1 };
/** Spellings NumPy may use for the same dtype ("<u1" and "|u1" are both written by some versions). */
const DTYPE_ALIASES: Record<string, NpyDtype> = { "<u1": "|u1", "|i1": "|u1" };

/** Product of a shape's entries (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

interface Header {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

function parseHeader(buf: Buffer, path: string): Header {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${path}: not a .npy file (missing the \\x93NUMPY magic)`);
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new Error(`${path}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new Error(`${path}: unsupported .npy format version ${major}.${buf[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  if (start + headerLen > buf.length) throw new Error(`${path}: truncated .npy header`);
  const header = buf.toString(major === 3 ? "utf8" : "latin1", start, start + headerLen);

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeMatch) throw new Error(`${path}: malformed .npy header ${JSON.stringify(header.trim())}`);
  const raw = descr[1];
  const dtype = (NPY_READ_DTYPES as readonly string[]).includes(raw) ? (raw as NpyDtype) : DTYPE_ALIASES[raw];
  if (!dtype) {
    const hint = raw.startsWith(">") ? " (big-endian; save with a little-endian dtype, e.g. arr.astype('<f8'))" : "";
    throw new Error(`${path}: dtype ${raw} is not supported${hint}; supported dtypes: ${NPY_READ_DTYPES.join(", ")}`);
  }
  if (fortran[1] === "True") throw new Error(`${path}: fortran_order is True; save a C-ordered array (np.ascontiguousarray) instead`);
  const shape = shapeMatch[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const v = Number(s.replace(/L$/, ""));
      if (!Number.isInteger(v) || v < 0) throw new Error(`${path}: bad shape entry ${JSON.stringify(s)} in the .npy header`);
      return v;
    });
  return { dtype, shape, dataOffset: start + headerLen };
}

/** Reads a .npy file into float64. Errors name the file. */
export function readNpy(path: string): NpyArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
  const { dtype, shape, dataOffset } = parseHeader(buf, path);
  const count = shapeSize(shape);
  const item = ITEM_SIZE[dtype];
  const have = buf.length - dataOffset;
  if (have !== count * item) {
    throw new Error(`${path}: shape (${shape.join(", ")}) of ${dtype} needs ${count * item} data bytes, the file has ${have}`);
  }
  // A DataView reads little-endian regardless of the host's byte order and of the data's alignment.
  const view = new DataView(buf.buffer, buf.byteOffset + dataOffset, count * item);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case "<f4":
        data[i] = view.getFloat32(4 * i, true);
        break;
      case "<f8":
        data[i] = view.getFloat64(8 * i, true);
        break;
      case "<i4":
        data[i] = view.getInt32(4 * i, true);
        break;
      case "<i8": {
        const v = view.getBigInt64(8 * i, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new Error(`${path}: int64 entry ${i} (${v}) is not exactly representable as a float64`);
        }
        data[i] = Number(v);
        break;
      }
      case "|u1":
        data[i] = view.getUint8(i);
        break;
    }
  }
  return { data, shape, dtype };
}

function headerBytes(dtype: NpyWriteDtype, shape: readonly number[]): Buffer {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // NumPy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  for (const major of [1, 2]) {
    const prefix = major === 1 ? 10 : 12;
    const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
    const len = total - prefix;
    if (major === 1 && len > 0xffff) continue;
    const out = Buffer.alloc(total, 0x20);
    MAGIC.copy(out, 0);
    out[6] = major;
    out[7] = 0;
    if (major === 1) out.writeUInt16LE(len, 8);
    else out.writeUInt32LE(len, 8);
    out.write(dict, prefix, "latin1");
    out[total - 1] = 0x0a;
    return out;
  }
  throw new Error("unreachable: a version 2.0 header always fits");
}

/** Writes `data` (C order) as a .npy file of the given shape and dtype, atomically. */
export function writeNpy(path: string, data: ArrayLike<number>, shape: readonly number[], dtype: NpyWriteDtype = "<f8"): void {
  if (dtype !== "<f4" && dtype !== "<f8") throw new Error(`${path}: cannot write dtype ${String(dtype)}; allowed: <f4, <f8`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`${path}: shape [${shape.join(", ")}] must list non-negative integers`);
  }
  const count = shapeSize(shape);
  if (data.length !== count) throw new Error(`${path}: ${data.length} values do not fill shape (${shape.join(", ")}) of ${count}`);
  const header = headerBytes(dtype, shape);
  const item = dtype === "<f4" ? 4 : 8;
  const out = Buffer.alloc(header.length + count * item);
  header.copy(out, 0);
  const view = new DataView(out.buffer, out.byteOffset + header.length, count * item);
  for (let i = 0; i < count; i++) {
    if (dtype === "<f4") view.setFloat32(4 * i, data[i], true);
    else view.setFloat64(8 * i, data[i], true);
  }
  writeFileAtomic(path, out);
}
