/**
 * The one dense product kernel, C = X Yᵀ over rows of X [P, len] and Y [Q, len] (P·Q dot products of length len),
 * used by the float64 MLP engine (autodiff/f64/kernels.ts) and by block operations on vectors (dense.ts).
 *
 * It runs as WebAssembly SIMD (wasm-dot.ts) where available, else as `dotBlock` below (FLOWLAB_F64_KERNEL=js
 * forces that). Both compute 2×2 outputs at a time so each loaded value feeds two multiply-adds. Operands are
 * first staged into the kernel's memory with rows contiguous along the summed index; an operand stored the
 * other way round is transposed on the way (O(P·len) copies against O(P·Q·len) multiply-adds), except when both
 * are (Aᵀ G), which the wasm kernel `dotT` reads as stored. Written instead as axpy loops (Z[i, :] += a·W[k, :])
 * the products load and store the output once per multiply-add: 3× slower on V8.
 */
import { WasmDot } from "./wasm-dot";

/** C[co + p·Q + q] (+)= Σ_t X[xo + p·len + t] · Y[yo + q·len + t] for p < P, q < Q: the JavaScript kernel. */
export function dotBlock(X: Float64Array, xo: number, P: number, Y: Float64Array, yo: number, Q: number, len: number, C: Float64Array, co: number, acc: boolean): void {
  const P2 = P & ~1;
  const Q2 = Q & ~1;
  let p = 0;
  for (; p < P2; p += 2) {
    const x0 = xo + p * len;
    const x1 = x0 + len;
    const c0 = co + p * Q;
    const c1 = c0 + Q;
    let q = 0;
    for (; q < Q2; q += 2) {
      const y0 = yo + q * len;
      const y1 = y0 + len;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let t = 0; t < len; t++) {
        const a0 = X[x0 + t];
        const a1 = X[x1 + t];
        const b0 = Y[y0 + t];
        const b1 = Y[y1 + t];
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
      }
      if (acc) {
        C[c0 + q] += s00;
        C[c0 + q + 1] += s01;
        C[c1 + q] += s10;
        C[c1 + q + 1] += s11;
      } else {
        C[c0 + q] = s00;
        C[c0 + q + 1] = s01;
        C[c1 + q] = s10;
        C[c1 + q + 1] = s11;
      }
    }
    if (q < Q) {
      const y0 = yo + q * len;
      let s0 = 0;
      let s1 = 0;
      for (let t = 0; t < len; t++) {
        const b = Y[y0 + t];
        s0 += X[x0 + t] * b;
        s1 += X[x1 + t] * b;
      }
      C[c0 + q] = acc ? C[c0 + q] + s0 : s0;
      C[c1 + q] = acc ? C[c1 + q] + s1 : s1;
    }
  }
  if (p < P) {
    const x0 = xo + p * len;
    const c0 = co + p * Q;
    for (let q = 0; q < Q; q++) {
      const y0 = yo + q * len;
      let s = 0;
      for (let t = 0; t < len; t++) s += X[x0 + t] * Y[y0 + t];
      C[c0 + q] = acc ? C[c0 + q] + s : s;
    }
  }
}

/** dst[dOff …] [cols, rows] = src[so …] [rows, cols]ᵀ. */
export function transpose(src: Float64Array, so: number, rows: number, cols: number, dst: Float64Array, dOff = 0): void {
  for (let r = 0; r < rows; r++) {
    const ro = so + r * cols;
    for (let c = 0; c < cols; c++) dst[dOff + c * rows + r] = src[ro + c];
  }
}

const wasm = process.env.FLOWLAB_F64_KERNEL === "js" ? null : WasmDot.create();
/** Which product kernel runs: "wasm-simd" or "js". */
export const F64_KERNEL: "wasm-simd" | "js" = wasm ? "wasm-simd" : "js";
let jsScratch = new Float64Array(0);

/** Writes a rows×len operand at dst[off]: src[so + r·len + t], or with `transposed` src[so + t·rows + r]. */
function stage(dst: Float64Array, off: number, src: Float64Array, so: number, rows: number, len: number, transposed: boolean): void {
  if (transposed) transpose(src, so, len, rows, dst, off);
  else dst.set(src.subarray(so, so + rows * len), off);
}

/**
 * C[co …] [P, Q] (+)= X Yᵀ with X [P, len] and Y [Q, len] read from X[xo …] and Y[yo …], each stored as is or
 * (xT, yT) transposed ([len, P], [len, Q]).
 */
export function product(P: number, Q: number, len: number, X: Float64Array, xo: number, xT: boolean, Y: Float64Array, yo: number, yT: boolean, C: Float64Array, co: number, acc: boolean): void {
  const yOff = P * len;
  const cOff = yOff + Q * len;
  const size = cOff + P * Q;
  let M: Float64Array;
  if (wasm) M = wasm.f64(size);
  else {
    if (jsScratch.length < size) jsScratch = new Float64Array(Math.max(size, 2 * jsScratch.length));
    M = jsScratch;
  }
  // Both summed along their rows (Aᵀ G): the wasm kernel reads them as stored, no transposes.
  const asStored = wasm !== null && xT && yT;
  stage(M, 0, X, xo, P, len, xT && !asStored);
  stage(M, yOff, Y, yo, Q, len, yT && !asStored);
  if (acc) M.set(C.subarray(co, co + P * Q), cOff);
  if (asStored) wasm.dotT(0, P, yOff, Q, len, cOff, acc);
  else if (wasm) wasm.dot(0, P, yOff, Q, len, cOff, acc);
  else dotBlock(M, 0, P, M, yOff, Q, len, M, cOff, acc);
  C.set(M.subarray(cOff, cOff + P * Q), co);
}

