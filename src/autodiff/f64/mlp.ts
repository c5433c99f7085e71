/**
 * Loss, gradient, Hessian-vector products and third-derivative vectors of an MLP's training loss, in float64,
 * by hand-written passes over preallocated buffers. Per layer l (A₀ = X, no activation after the last layer):
 *     Z_l = A_l W_l + b_l,   A_{l+1} = σ(Z_l),   F = Z_{L−1},   ℓ = loss(F)
 * Backward:  G_{L−1} = ∂ℓ/∂F,  ∇W_l = A_lᵀ G_l,  ∇b_l = Σ_rows G_l,  B_l = G_l W_lᵀ,  G_{l−1} = B_l ⊙ σ'(Z_{l−1}).
 *
 * Hessian-vector products (Pearlmutter's R-op, forward-over-reverse): a direction v = (V_l, c_l) gives tangents
 * (subscript 1 = ∂/∂t at w + t v) of every quantity above, with Ȧ₀ = 0:
 *     Z₁ = A₁W + AV + c,   A₁' = σ'(Z) Z₁,   G₁ = ∇²ℓ[F₁],   ∇W₁ = A₁ᵀG + AᵀG₁,   ∇b₁ = Σ G₁,
 *     B₁ = G₁Wᵀ + GVᵀ,   G₁' = B₁ σ'(Z) + B σ''(Z) Z₁           (H v = (∇W₁, ∇b₁))
 * Third-derivative vectors ∇(uᵀH v) = ∂²∇L(w + s u + t v)/∂s∂t are the mixed second tangents (subscript 12) of the
 * same passes along u (1) and v (2), with W₁ = U, W₂ = V, W₁₂ = 0:
 *     Z₁₂ = A₁₂W + A₁V + A₂U,   A₁₂' = σ'Z₁₂ + σ''Z₁Z₂,   G₁₂ = ∇²ℓ[F₁₂] + ∇³ℓ[F₁, F₂],
 *     ∇W₁₂ = A₁₂ᵀG + A₁ᵀG₂ + A₂ᵀG₁ + AᵀG₁₂,   B₁₂ = G₁₂Wᵀ + G₁Vᵀ + G₂Uᵀ,
 *     G₁₂' = B₁₂σ' + B₁σ''Z₂ + B₂σ''Z₁ + B(σ'''Z₁Z₂ + σ''Z₁₂).
 * The primal passes are cached for the last point, so a gradient, the eigensolver's HVP blocks and the third
 * vectors at one point share one forward and one backward pass; tangents of a vector used in several pairs of one
 * `third` call are computed once.
 */
import type { Activation } from "../../models/activations";
import type { LossName } from "../../models/losses";
import { denseLayout, type DenseSlot } from "../../params";
import { activationDerivatives } from "./activations";
import { addBias, addColumnSums, addOuter, addOuterPair, matMul, matMulPair, matMulTransposed, matMulTransposedPair } from "./kernels";
import { OutputLoss } from "./losses";

/** What the engine needs to know about a supervised MLP objective (see models/objective.ts). */
export interface MlpLossProblem {
  widths: readonly number[];
  activation: Activation;
  bias: boolean;
  loss: LossName;
  /** Inputs [n, d] and targets [n, c], row-major. */
  X: ArrayLike<number>;
  Y: ArrayLike<number>;
  n: number;
}

/** Tangent buffers of one direction: Z, G [n, out_l]; A, B [n, in_l] (index 0 unused: A₀ is data, B₀ is not needed). */
interface Tangent {
  Z: Float64Array[];
  A: Float64Array[];
  G: Float64Array[];
  B: Float64Array[];
}

export class MlpEngine {
  readonly dim: number;
  readonly layers: DenseSlot[];
  readonly n: number;
  private readonly L: number;
  private readonly lossFn: OutputLoss;
  private readonly activation: Activation;
  // Primal buffers: Z[l], A[l] (A[0] = X), σ'…σ''' of Z[l] for hidden layers, G[l], B[l].
  private readonly Z: Float64Array[];
  private readonly A: Float64Array[];
  private readonly S1: Float64Array[];
  private readonly S2: Float64Array[];
  private readonly S3: Float64Array[];
  private readonly G: Float64Array[];
  private readonly B: Float64Array[];
  private readonly gradBuf: Float64Array;
  private readonly point: Float64Array;
  private lossValue = NaN;
  /** 0: nothing cached, 1: forward pass of `point`, 2: forward and backward. */
  private cached = 0;
  private readonly tangents: Tangent[] = [];
  private readonly mixed: Tangent;

  constructor(p: MlpLossProblem) {
    const layout = denseLayout(p.widths, p.bias);
    this.layers = layout.layers;
    this.dim = layout.size;
    this.L = layout.layers.length;
    this.n = p.n;
    this.activation = p.activation;
    const c = p.widths[p.widths.length - 1];
    if (p.X.length !== p.n * p.widths[0]) throw new Error(`MlpEngine: X has ${p.X.length} values, expected n·d = ${p.n}·${p.widths[0]}`);
    if (p.Y.length !== p.n * c) throw new Error(`MlpEngine: Y has ${p.Y.length} values, expected n·c = ${p.n}·${c}`);
    this.lossFn = new OutputLoss(p.loss, p.n, c, Float64Array.from(p.Y));
    const n = p.n;
    const outs = this.layers.map((s) => new Float64Array(n * s.out));
    this.Z = outs;
    this.A = this.layers.map((s, l) => (l === 0 ? Float64Array.from(p.X) : new Float64Array(n * s.in)));
    const hidden = (): Float64Array[] => this.layers.map((s, l) => new Float64Array(l < this.L - 1 ? n * s.out : 0));
    this.S1 = hidden();
    this.S2 = hidden();
    this.S3 = hidden();
    this.G = this.layers.map((s) => new Float64Array(n * s.out));
    this.B = this.layers.map((s, l) => new Float64Array(l > 0 ? n * s.in : 0));
    this.gradBuf = new Float64Array(this.dim);
    this.point = new Float64Array(this.dim);
    this.mixed = this.newTangent();
  }

  private newTangent(): Tangent {
    const n = this.n;
    return {
      Z: this.layers.map((s) => new Float64Array(n * s.out)),
      A: this.layers.map((s, l) => new Float64Array(l > 0 ? n * s.in : 0)),
      G: this.layers.map((s) => new Float64Array(n * s.out)),
      B: this.layers.map((s, l) => new Float64Array(l > 0 ? n * s.in : 0)),
    };
  }

  private tangent(slot: number): Tangent {
    while (this.tangents.length <= slot) this.tangents.push(this.newTangent());
    return this.tangents[slot];
  }

  private check(v: ArrayLike<number>, what: string): void {
    if (v.length !== this.dim) throw new Error(`${what} has length ${v.length}, expected ${this.dim}`);
  }

  /** Runs the primal passes at w up to `level` (1 forward, 2 forward and backward), reusing the cache. */
  private prepare(w: Float64Array, level: 1 | 2): void {
    this.check(w, "parameter vector");
    let same = this.cached > 0;
    if (same) {
      const pt = this.point;
      for (let i = 0; i < this.dim; i++) {
        if (pt[i] !== w[i]) {
          same = false;
          break;
        }
      }
    }
    if (!same) {
      this.point.set(w);
      this.cached = 0;
    }
    if (this.cached < 1) {
      this.forward();
      this.cached = 1;
    }
    if (level === 2 && this.cached < 2) {
      this.backward();
      this.cached = 2;
    }
  }

  private forward(): void {
    const { n, L, layers, Z, A, point: w } = this;
    for (let l = 0; l < L; l++) {
      const s = layers[l];
      matMul(A[l], n, s.in, w, s.wOffset, s.out, Z[l], false);
      if (s.bOffset >= 0) addBias(Z[l], n, s.out, w, s.bOffset);
      if (l < L - 1) activationDerivatives(this.activation, Z[l], n * s.out, { f: A[l + 1], d1: this.S1[l], d2: this.S2[l], d3: this.S3[l] });
    }
    this.lossValue = this.lossFn.value(Z[L - 1], this.G[L - 1]);
  }

  private backward(): void {
    const { n, L, layers, A, G, B, S1, point: w } = this;
    const g = this.gradBuf;
    g.fill(0);
    for (let l = L - 1; l >= 0; l--) {
      const s = layers[l];
      addOuter(A[l], n, s.in, G[l], s.out, g, s.wOffset);
      if (s.bOffset >= 0) addColumnSums(G[l], n, s.out, g, s.bOffset);
      if (l === 0) break;
      matMulTransposed(G[l], n, s.out, w, s.wOffset, s.in, B[l], false);
      const Gp = G[l - 1];
      const Bl = B[l];
      const sp = S1[l - 1];
      for (let i = 0; i < n * s.in; i++) Gp[i] = Bl[i] * sp[i];
    }
  }

  loss(w: Float64Array): number {
    this.prepare(w, 1);
    return this.lossValue;
  }

  /** L(w) and a fresh copy of ∇L(w). */
  lossAndGrad(w: Float64Array): { loss: number; grad: Float64Array } {
    this.prepare(w, 2);
    return { loss: this.lossValue, grad: Float64Array.from(this.gradBuf) };
  }

  /** Tangents of every quantity along v into tangent slot `slot`; adds H v into `out` when given. */
  private tangentPass(v: Float64Array, t: Tangent, out: Float64Array | null): void {
    const { n, L, layers, A, G, B, S1, S2, point: w } = this;
    for (let l = 0; l < L; l++) {
      const s = layers[l];
      const Z1 = t.Z[l];
      if (l > 0) matMulPair(A[l], v, t.A[l], w, n, s.in, s.wOffset, s.out, Z1);
      else matMul(A[l], n, s.in, v, s.wOffset, s.out, Z1, false);
      if (s.bOffset >= 0) addBias(Z1, n, s.out, v, s.bOffset);
      if (l < L - 1) {
        const A1 = t.A[l + 1];
        const sp = S1[l];
        for (let i = 0; i < n * s.out; i++) A1[i] = sp[i] * Z1[i];
      }
    }
    this.lossFn.tangent(t.Z[L - 1], t.G[L - 1]);
    for (let l = L - 1; l >= 0; l--) {
      const s = layers[l];
      const G1 = t.G[l];
      if (out) {
        if (l > 0) addOuterPair(A[l], G1, t.A[l], G[l], n, s.in, s.out, out, s.wOffset);
        else addOuter(A[l], n, s.in, G1, s.out, out, s.wOffset);
        if (s.bOffset >= 0) addColumnSums(G1, n, s.out, out, s.bOffset);
      }
      if (l === 0) break;
      const B1 = t.B[l];
      matMulTransposedPair(G1, w, G[l], v, n, s.out, s.wOffset, s.in, B1);
      const Gp = t.G[l - 1];
      const Bl = B[l];
      const sp = S1[l - 1];
      const spp = S2[l - 1];
      const Zp = t.Z[l - 1];
      for (let i = 0; i < n * s.in; i++) Gp[i] = B1[i] * sp[i] + Bl[i] * spp[i] * Zp[i];
    }
  }

  /** H(w) v for each v (one primal pass for all). */
  hvp(w: Float64Array, vs: readonly Float64Array[]): Float64Array[] {
    vs.forEach((v, i) => this.check(v, `vs[${i}]`));
    this.prepare(w, 2);
    const t = this.tangent(0);
    return vs.map((v) => {
      const out = new Float64Array(this.dim);
      this.tangentPass(v, t, out);
      return out;
    });
  }

  /** ∇(u_iᵀ H(w) v_i) for each pair; tangents of a vector object appearing several times are computed once. */
  third(w: Float64Array, us: readonly Float64Array[], vs: readonly Float64Array[]): Float64Array[] {
    if (us.length !== vs.length) throw new Error(`third(): ${us.length} u vectors but ${vs.length} v vectors`);
    us.forEach((u, i) => this.check(u, `us[${i}]`));
    vs.forEach((v, i) => this.check(v, `vs[${i}]`));
    this.prepare(w, 2);
    const slots = new Map<Float64Array, number>();
    const slotOf = (x: Float64Array): number => {
      let s = slots.get(x);
      if (s === undefined) {
        s = slots.size;
        slots.set(x, s);
        this.tangentPass(x, this.tangent(s), null);
      }
      return s;
    };
    return us.map((u, i) => {
      const a = slotOf(u);
      const b = slotOf(vs[i]);
      const out = new Float64Array(this.dim);
      this.mixedPass(u, vs[i], this.tangents[a], this.tangents[b], out);
      return out;
    });
  }

  /** Mixed second tangents along u (tangent t1) and v (tangent t2); adds ∇(uᵀHv) into out. */
  private mixedPass(u: Float64Array, v: Float64Array, t1: Tangent, t2: Tangent, out: Float64Array): void {
    const { n, L, layers, A, G, B, S1, S2, S3, point: w } = this;
    const m = this.mixed;
    for (let l = 0; l < L; l++) {
      const s = layers[l];
      const Z12 = m.Z[l];
      if (l === 0) {
        Z12.fill(0); // A₁ = A₂ = A₁₂ = 0 at the input, and W₁₂ = b₁₂ = 0
      } else {
        matMul(m.A[l], n, s.in, w, s.wOffset, s.out, Z12, false);
        matMul(t1.A[l], n, s.in, v, s.wOffset, s.out, Z12, true);
        matMul(t2.A[l], n, s.in, u, s.wOffset, s.out, Z12, true);
      }
      if (l < L - 1) {
        const A12 = m.A[l + 1];
        const sp = S1[l];
        const spp = S2[l];
        const Z1 = t1.Z[l];
        const Z2 = t2.Z[l];
        for (let i = 0; i < n * s.out; i++) A12[i] = sp[i] * Z12[i] + spp[i] * Z1[i] * Z2[i];
      }
    }
    this.lossFn.second(t1.Z[L - 1], t2.Z[L - 1], m.Z[L - 1], m.G[L - 1]);
    for (let l = L - 1; l >= 0; l--) {
      const s = layers[l];
      const G12 = m.G[l];
      addOuter(A[l], n, s.in, G12, s.out, out, s.wOffset);
      if (l > 0) {
        addOuter(m.A[l], n, s.in, G[l], s.out, out, s.wOffset);
        addOuter(t1.A[l], n, s.in, t2.G[l], s.out, out, s.wOffset);
        addOuter(t2.A[l], n, s.in, t1.G[l], s.out, out, s.wOffset);
      }
      if (s.bOffset >= 0) addColumnSums(G12, n, s.out, out, s.bOffset);
      if (l === 0) break;
      const B12 = m.B[l];
      matMulTransposed(G12, n, s.out, w, s.wOffset, s.in, B12, false);
      matMulTransposed(t1.G[l], n, s.out, v, s.wOffset, s.in, B12, true);
      matMulTransposed(t2.G[l], n, s.out, u, s.wOffset, s.in, B12, true);
      const Gp = m.G[l - 1];
      const Bl = B[l];
      const B1 = t1.B[l];
      const B2 = t2.B[l];
      const Z1 = t1.Z[l - 1];
      const Z2 = t2.Z[l - 1];
      const Zm = m.Z[l - 1];
      const sp = S1[l - 1];
      const spp = S2[l - 1];
      const sppp = S3[l - 1];
      for (let i = 0; i < n * s.in; i++) {
        Gp[i] = B12[i] * sp[i] + spp[i] * (B1[i] * Z2[i] + B2[i] * Z1[i] + Bl[i] * Zm[i]) + Bl[i] * sppp[i] * Z1[i] * Z2[i];
      }
    }
  }
}
