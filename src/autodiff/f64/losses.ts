/**
 * The losses of models/losses.ts on outputs F [n, c] (row-major, float64) with their output derivatives:
 *   value and G = ∂ℓ/∂F,   G₁ = ∇²ℓ[F₁],   G₁₂ = ∇²ℓ[F₁₂] + ∇³ℓ[F₁, F₂],
 * i.e. ∂ℓ/∂F and its first and mixed second directional derivatives along output tangents F₁, F₂ (and F₁₂ = ∂₂F₁).
 * Normalizations match models/losses.ts exactly:
 *   mse  (1/nc) Σ r²,  half_sse  (1/2n) Σ r²,  sum_half_sse  ½ Σ r²   (r = F − Y; ℓ = s Σ r², G = 2s r, ∇³ℓ = 0)
 *   cross_entropy  (1/n) Σᵢ lse(Fᵢ) − ⟨Fᵢ, Yᵢ⟩:  G = (p − Y)/n with p = softmax(F) per row,
 *     G₁ = p⊙(F₁ − ⟨p, F₁⟩)/n,  G₁₂ = [p₂⊙(F₁ − ⟨p, F₁⟩) + p⊙(F₁₂ − ⟨p₂, F₁⟩ − ⟨p, F₁₂⟩)]/n,  p₂ = p⊙(F₂ − ⟨p, F₂⟩).
 */
import type { LossName } from "../../models/losses";

export class OutputLoss {
  /** ℓ = scale Σ r² for the squared losses. */
  private readonly scale: number;
  /** Softmax of the last F (cross entropy), and a row buffer for p₂. */
  private readonly p: Float64Array;
  private readonly p2: Float64Array;

  constructor(
    readonly name: LossName,
    readonly n: number,
    readonly c: number,
    private readonly Y: Float64Array,
  ) {
    this.scale = { mse: 1 / (n * c), half_sse: 0.5 / n, sum_half_sse: 0.5, cross_entropy: 0 }[name];
    this.p = new Float64Array(name === "cross_entropy" ? n * c : 0);
    this.p2 = new Float64Array(c);
  }

  /** ℓ(F); writes G = ∂ℓ/∂F when G is given (and, for cross entropy, keeps softmax(F) for the tangents). */
  value(F: Float64Array, G: Float64Array | null): number {
    const { n, c, Y } = this;
    const nc = n * c;
    if (this.name !== "cross_entropy") {
      const s = this.scale;
      let sum = 0;
      for (let i = 0; i < nc; i++) {
        const r = F[i] - Y[i];
        sum += r * r;
        if (G) G[i] = 2 * s * r;
      }
      return s * sum;
    }
    const p = this.p;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const o = i * c;
      let m = -Infinity;
      for (let j = 0; j < c; j++) if (F[o + j] > m) m = F[o + j];
      let se = 0;
      for (let j = 0; j < c; j++) {
        const e = Math.exp(F[o + j] - m);
        p[o + j] = e;
        se += e;
      }
      let fy = 0;
      for (let j = 0; j < c; j++) {
        fy += F[o + j] * Y[o + j];
        p[o + j] /= se;
      }
      total += m + Math.log(se) - fy;
      if (G) for (let j = 0; j < c; j++) G[o + j] = (p[o + j] - Y[o + j]) / n;
    }
    return total / n;
  }

  /** G₁ = ∇²ℓ[F₁] at the F of the last `value` call. */
  tangent(F1: Float64Array, G1: Float64Array): void {
    const { n, c } = this;
    if (this.name !== "cross_entropy") {
      const k = 2 * this.scale;
      for (let i = 0; i < n * c; i++) G1[i] = k * F1[i];
      return;
    }
    const p = this.p;
    for (let i = 0; i < n; i++) {
      const o = i * c;
      let pf = 0;
      for (let j = 0; j < c; j++) pf += p[o + j] * F1[o + j];
      for (let j = 0; j < c; j++) G1[o + j] = (p[o + j] * (F1[o + j] - pf)) / n;
    }
  }

  /** G₁₂ = ∇²ℓ[F₁₂] + ∇³ℓ[F₁, F₂] at the F of the last `value` call. */
  second(F1: Float64Array, F2: Float64Array, F12: Float64Array, G12: Float64Array): void {
    const { n, c } = this;
    if (this.name !== "cross_entropy") {
      this.tangent(F12, G12);
      return;
    }
    const { p, p2 } = this;
    for (let i = 0; i < n; i++) {
      const o = i * c;
      let pf1 = 0;
      let pf2 = 0;
      let pf12 = 0;
      for (let j = 0; j < c; j++) {
        pf1 += p[o + j] * F1[o + j];
        pf2 += p[o + j] * F2[o + j];
        pf12 += p[o + j] * F12[o + j];
      }
      let p2f1 = 0;
      for (let j = 0; j < c; j++) {
        p2[j] = p[o + j] * (F2[o + j] - pf2);
        p2f1 += p2[j] * F1[o + j];
      }
      for (let j = 0; j < c; j++) G12[o + j] = (p2[j] * (F1[o + j] - pf1) + p[o + j] * (F12[o + j] - p2f1 - pf12)) / n;
    }
  }
}
