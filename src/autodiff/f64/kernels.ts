/**
 * Dense kernels of the MLP engine on row-major float64 arrays. A weight matrix W [in, out] is read in place from a
 * flat parameter vector at offset `wo` (params.ts layout). `acc` = false overwrites the output, true adds to it.
 * The products are linalg/product.ts's `product` (C = X Yᵀ, WebAssembly SIMD where available).
 */
import { product } from "../../linalg/product";

/** Z [n, out] (+)= A [n, in] · W [in, out]. */
export function matMul(A: Float64Array, n: number, inW: number, w: Float64Array, wo: number, out: number, Z: Float64Array, acc: boolean): void {
  product(n, out, inW, A, 0, false, w, wo, true, Z, 0, acc);
}

/** B [n, in] (+)= G [n, out] · W [in, out]ᵀ. */
export function matMulTransposed(G: Float64Array, n: number, out: number, w: Float64Array, wo: number, inW: number, B: Float64Array, acc: boolean): void {
  product(n, inW, out, G, 0, false, w, wo, false, B, 0, acc);
}

/** g[go + k·out + j] += Σᵢ A[i, k] G[i, j]: the weight gradient Aᵀ G accumulated into a flat vector. */
export function addOuter(A: Float64Array, n: number, inW: number, G: Float64Array, out: number, g: Float64Array, go: number): void {
  product(inW, out, n, A, 0, true, G, 0, true, g, go, true);
}

/** Z[i, j] += b[bo + j] for every row i. */
export function addBias(Z: Float64Array, n: number, out: number, b: Float64Array, bo: number): void {
  for (let i = 0; i < n; i++) {
    const zo = i * out;
    for (let j = 0; j < out; j++) Z[zo + j] += b[bo + j];
  }
}

/** g[go + j] += Σᵢ G[i, j]: the bias gradient. */
export function addColumnSums(G: Float64Array, n: number, out: number, g: Float64Array, go: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * out;
    for (let j = 0; j < out; j++) g[go + j] += G[o + j];
  }
}

/** Z [n, out] = A [n, in] · W [in, out] + A' [n, in] · W' [in, out]: the tangent of a product. */
export function matMulPair(A: Float64Array, w: Float64Array, A2: Float64Array, w2: Float64Array, n: number, inW: number, wo: number, out: number, Z: Float64Array): void {
  matMul(A, n, inW, w, wo, out, Z, false);
  matMul(A2, n, inW, w2, wo, out, Z, true);
}

/** B [n, in] = G [n, out] · W [in, out]ᵀ + G' [n, out] · W' [in, out]ᵀ. */
export function matMulTransposedPair(G: Float64Array, w: Float64Array, G2: Float64Array, w2: Float64Array, n: number, out: number, wo: number, inW: number, B: Float64Array): void {
  matMulTransposed(G, n, out, w, wo, inW, B, false);
  matMulTransposed(G2, n, out, w2, wo, inW, B, true);
}

/** g[go + k·out + j] += Σᵢ A[i, k] G[i, j] + A'[i, k] G'[i, j]. */
export function addOuterPair(A: Float64Array, G: Float64Array, A2: Float64Array, G2: Float64Array, n: number, inW: number, out: number, g: Float64Array, go: number): void {
  addOuter(A, n, inW, G, out, g, go);
  addOuter(A2, n, inW, G2, out, g, go);
}
