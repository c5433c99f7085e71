/**
 * Hierarchically structured items (Saxe, McClelland & Ganguli, 2014, Fig. 3; the generative model of their
 * earlier work on semantic development): the items are the 2^L leaves of a binary tree of depth L, and each
 * feature is produced by a diffusion down the tree. The root draws ±1 with equal probability; every child
 * copies its parent's value, flipped with probability p. The leaves' values are the items' features.
 *
 * Two leaves whose lowest common ancestor sits k levels above them are 2k edges apart, and a feature agrees
 * across a path of 2k edges with correlation q^{2k}, q = 1 − 2p. So the expected item Gram matrix is
 *     E[y_i · y_j] / F = C_ij = q^{d(i, j)},   d = the tree distance,
 * a hierarchical matrix whose eigenvectors are the tree's Haar functions: the constant vector, and one vector
 * per internal node that is +1 on the node's left subtree, −1 on its right subtree and 0 elsewhere. The node
 * at depth k (root k = 0) has eigenvalue
 *     λ_k = S(L − k − 1) − 2^{L−k−1} q^{2(L−k)},   S(h) = 1 + Σ_{r=1..h} 2^{r−1} q^{2r},
 * and the constant vector has λ_const = S(L). Multiplicities are 1 (constant), 1, 2, 4, …, 2^{L−1}, and the
 * eigenvalues fall with depth: broad distinctions are the strongest modes. The input–output correlation of
 * orthogonal (one-hot) inputs is Σ³¹ = Yᵀ, whose singular values are √(F λ) up to sampling noise.
 */
import type { Dataset } from "../models/objective";
import { Rng } from "../random";

export interface HierarchicalOptions {
  /** Depth L of the binary tree: 2^L items. */
  levels: number;
  /** Number of features F (independent diffusions). */
  features: number;
  /** Flip probability p on each edge. */
  flip: number;
  seed: number;
}

export interface HierarchicalData {
  items: number;
  features: number;
  /** Feature values ±1, row-major [items, features]. */
  Y: Float64Array;
}

function validate(o: HierarchicalOptions): void {
  if (!(Number.isInteger(o.levels) && o.levels >= 1 && o.levels <= 16)) throw new Error(`levels must be an integer in [1, 16], got ${o.levels}`);
  if (!(Number.isInteger(o.features) && o.features >= 1)) throw new Error(`features must be a positive integer, got ${o.features}`);
  if (!(o.flip >= 0 && o.flip <= 0.5)) throw new Error(`flip must be in [0, 0.5], got ${o.flip}`);
}

/** Samples F independent diffusions down a binary tree of depth L; returns the leaves' values. */
export function hierarchicalFeatures(opts: HierarchicalOptions): HierarchicalData {
  validate(opts);
  const rng = new Rng(opts.seed);
  const items = 2 ** opts.levels;
  const F = opts.features;
  const Y = new Float64Array(items * F);
  // Heap-ordered tree: node i has children 2i+1, 2i+2; the leaves are the last `items` nodes.
  const nodes = new Float64Array(2 * items - 1);
  for (let f = 0; f < F; f++) {
    nodes[0] = rng.uniform() < 0.5 ? 1 : -1;
    for (let i = 1; i < nodes.length; i++) {
      const parent = nodes[(i - 1) >> 1];
      nodes[i] = rng.uniform() < opts.flip ? -parent : parent;
    }
    for (let leaf = 0; leaf < items; leaf++) Y[leaf * F + f] = nodes[items - 1 + leaf];
  }
  return { items, features: F, Y };
}

/** The items as a data set: one-hot inputs X = I [items, items] (so Σ¹¹ = I) and the features as targets [items, F]. */
export function hierarchicalDataset(opts: HierarchicalOptions): Dataset {
  const { items: n, features, Y } = hierarchicalFeatures(opts);
  const X = new Float32Array(n * n);
  for (let i = 0; i < n; i++) X[i * n + i] = 1;
  return { X, Y: Float32Array.from(Y), n, d: n, c: features };
}

/** The tree distance between leaves i and j of a depth-L tree: twice the height of their lowest common ancestor. */
export function treeDistance(i: number, j: number): number {
  let h = 0;
  while (i !== j) {
    i >>= 1;
    j >>= 1;
    h++;
  }
  return 2 * h;
}

/** The expected normalized item Gram matrix C_ij = q^{d(i, j)}, row-major [2^L, 2^L]. */
export function expectedItemCorrelation(levels: number, flip: number): Float64Array {
  const n = 2 ** levels;
  const q = 1 - 2 * flip;
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] = q ** treeDistance(i, j);
  return C;
}

export interface TreeMode {
  /** "constant", or the depth k of the internal node (0 = root). */
  level: "constant" | number;
  /** Eigenvalue of C (the expected Gram per feature). */
  eigenvalue: number;
  multiplicity: number;
}

/** The eigenvalues of C level by level, from the closed form in the module comment (strongest first). */
export function treeModes(levels: number, flip: number): TreeMode[] {
  const q = 1 - 2 * flip;
  const S = (h: number): number => {
    let s = 1;
    for (let r = 1; r <= h; r++) s += 2 ** (r - 1) * q ** (2 * r);
    return s;
  };
  const modes: TreeMode[] = [{ level: "constant", eigenvalue: S(levels), multiplicity: 1 }];
  for (let k = 0; k < levels; k++) {
    modes.push({ level: k, eigenvalue: S(levels - k - 1) - 2 ** (levels - k - 1) * q ** (2 * (levels - k)), multiplicity: 2 ** k });
  }
  return modes;
}
