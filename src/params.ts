/**
 * Flat parameter vectors. Every model's parameters live in one flat vector (float64 on the host, float32 in
 * tfjs); a layout says where each layer's weight [in, out] (row-major) and bias [out] sit. This is the layout of
 * the problem interchange format, so vectors round-trip with NumPy/JAX/PyTorch exports unchanged.
 */
export interface DenseSlot {
  /** Input and output width of the layer. */
  in: number;
  out: number;
  /** Offset of the weight matrix [in, out] in the flat vector. */
  wOffset: number;
  /** Offset of the bias [out], or -1 when the layer has none. */
  bOffset: number;
}

export interface DenseLayout {
  widths: number[];
  bias: boolean;
  layers: DenseSlot[];
  size: number;
}

export function denseLayout(widths: readonly number[], bias: boolean): DenseLayout {
  if (widths.length < 2) throw new Error(`widths must list at least an input and an output width, got [${widths}]`);
  for (const w of widths) {
    if (!Number.isInteger(w) || w < 1) throw new Error(`widths must be positive integers, got [${widths}]`);
  }
  const layers: DenseSlot[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const slot: DenseSlot = { in: widths[l], out: widths[l + 1], wOffset: offset, bOffset: -1 };
    offset += slot.in * slot.out;
    if (bias) {
      slot.bOffset = offset;
      offset += slot.out;
    }
    layers.push(slot);
  }
  return { widths: [...widths], bias, layers, size: offset };
}

export interface DenseParams {
  /** Row-major [in, out] weight matrices. */
  weights: Float64Array[];
  /** Biases [out], or null where the layout has none. */
  biases: (Float64Array | null)[];
}

/** Splits a flat vector into per-layer views (copies, so the caller may mutate them). */
export function unravel(layout: DenseLayout, flat: ArrayLike<number>): DenseParams {
  if (flat.length !== layout.size) {
    throw new Error(`parameter vector has length ${flat.length}, the layout [${layout.widths}] needs ${layout.size}`);
  }
  const weights: Float64Array[] = [];
  const biases: (Float64Array | null)[] = [];
  for (const s of layout.layers) {
    weights.push(Float64Array.from(Array.prototype.slice.call(flat, s.wOffset, s.wOffset + s.in * s.out)));
    biases.push(s.bOffset < 0 ? null : Float64Array.from(Array.prototype.slice.call(flat, s.bOffset, s.bOffset + s.out)));
  }
  return { weights, biases };
}

/** Inverse of `unravel`. */
export function ravel(layout: DenseLayout, params: DenseParams): Float64Array {
  const flat = new Float64Array(layout.size);
  layout.layers.forEach((s, l) => {
    const w = params.weights[l];
    if (w.length !== s.in * s.out) throw new Error(`layer ${l} weight has ${w.length} entries, expected ${s.in * s.out}`);
    flat.set(w, s.wOffset);
    const b = params.biases[l];
    if (s.bOffset >= 0) {
      if (!b || b.length !== s.out) throw new Error(`layer ${l} bias must have ${s.out} entries`);
      flat.set(b, s.bOffset);
    }
  });
  return flat;
}
