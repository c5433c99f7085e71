/**
 * Dense kernels on row-major float64 arrays, written so the innermost loop runs over contiguous memory. A weight
 * matrix W [in, out] is read in place from a flat parameter vector at offset `wo` (params.ts layout).
 * `acc` = false overwrites the output, true adds to it.
 */

/** Z [n, out] (+)= A [n, in] · W [in, out]. */
export function matMul(A: Float64Array, n: number, inW: number, w: Float64Array, wo: number, out: number, Z: Float64Array, acc: boolean): void {
  if (!acc) Z.fill(0, 0, n * out);
  for (let i = 0; i < n; i++) {
    const zo = i * out;
    const ao = i * inW;
    for (let k = 0; k < inW; k++) {
      const a = A[ao + k];
      if (a === 0) continue;
      const ro = wo + k * out;
      for (let j = 0; j < out; j++) Z[zo + j] += a * w[ro + j];
    }
  }
}

/** B [n, in] (+)= G [n, out] · W [in, out]ᵀ. */
export function matMulTransposed(G: Float64Array, n: number, out: number, w: Float64Array, wo: number, inW: number, B: Float64Array, acc: boolean): void {
  for (let i = 0; i < n; i++) {
    const go = i * out;
    const bo = i * inW;
    for (let k = 0; k < inW; k++) {
      const ro = wo + k * out;
      let s = 0;
      for (let j = 0; j < out; j++) s += G[go + j] * w[ro + j];
      B[bo + k] = acc ? B[bo + k] + s : s;
    }
  }
}

/** g[go + k·out + j] += Σᵢ A[i, k] G[i, j]: the weight gradient Aᵀ G accumulated into a flat vector. */
export function addOuter(A: Float64Array, n: number, inW: number, G: Float64Array, out: number, g: Float64Array, go: number): void {
  for (let i = 0; i < n; i++) {
    const ao = i * inW;
    const gro = i * out;
    for (let k = 0; k < inW; k++) {
      const a = A[ao + k];
      if (a === 0) continue;
      const ro = go + k * out;
      for (let j = 0; j < out; j++) g[ro + j] += a * G[gro + j];
    }
  }
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

/**
 * Z [n, out] = A [n, in] · W [in, out] + A' [n, in] · W' [in, out]: the tangent of a product, in one sweep over Z
 * (half the loads and stores of two matMul calls).
 */
export function matMulPair(A: Float64Array, w: Float64Array, A2: Float64Array, w2: Float64Array, n: number, inW: number, wo: number, out: number, Z: Float64Array): void {
  Z.fill(0, 0, n * out);
  for (let i = 0; i < n; i++) {
    const zo = i * out;
    const ao = i * inW;
    for (let k = 0; k < inW; k++) {
      const a = A[ao + k];
      const a2 = A2[ao + k];
      const ro = wo + k * out;
      for (let j = 0; j < out; j++) Z[zo + j] += a * w[ro + j] + a2 * w2[ro + j];
    }
  }
}

/** B [n, in] = G [n, out] · W [in, out]ᵀ + G' [n, out] · W' [in, out]ᵀ in one sweep. */
export function matMulTransposedPair(G: Float64Array, w: Float64Array, G2: Float64Array, w2: Float64Array, n: number, out: number, wo: number, inW: number, B: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const go = i * out;
    const bo = i * inW;
    for (let k = 0; k < inW; k++) {
      const ro = wo + k * out;
      let s = 0;
      for (let j = 0; j < out; j++) s += G[go + j] * w[ro + j] + G2[go + j] * w2[ro + j];
      B[bo + k] = s;
    }
  }
}

/** g[go + k·out + j] += Σᵢ A[i, k] G[i, j] + A'[i, k] G'[i, j] in one sweep over g. */
export function addOuterPair(A: Float64Array, G: Float64Array, A2: Float64Array, G2: Float64Array, n: number, inW: number, out: number, g: Float64Array, go: number): void {
  for (let i = 0; i < n; i++) {
    const ao = i * inW;
    const gro = i * out;
    for (let k = 0; k < inW; k++) {
      const a = A[ao + k];
      const a2 = A2[ao + k];
      const ro = go + k * out;
      for (let j = 0; j < out; j++) g[ro + j] += a * G[gro + j] + a2 * G2[gro + j];
    }
  }
}
