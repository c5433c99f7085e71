/** Saxe's hierarchical tree data: the closed-form spectrum, its Haar eigenvectors, sampled data, the reduced task. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { expectedItemCorrelation, hierarchicalDataset, hierarchicalFeatures, treeDistance, treeModes } from "../src/data/hierarchical";
import { symEig } from "../src/linalg/dense";
import { inputOutputCorrelation, taskModes } from "../src/papers/saxe/modes";
import { treeTask } from "../src/papers/saxe/mode-learning-model";
import { levelOfMode } from "../src/papers/saxe/mode-learning";
import { assertClose } from "./helpers";

test("tree distances: siblings 2 apart, cousins 4, across the root 2L", () => {
  assert.equal(treeDistance(0, 0), 0);
  assert.equal(treeDistance(0, 1), 2);
  assert.equal(treeDistance(1, 2), 4);
  assert.equal(treeDistance(0, 31), 10);
});

test("the expected item correlation has the closed-form eigenvalues with multiplicities 1, 1, 2, 4, 8, 16", () => {
  const L = 5;
  const p = 0.1;
  const n = 2 ** L;
  const modes = treeModes(L, p);
  assert.deepEqual(
    modes.map((m) => m.multiplicity),
    [1, 1, 2, 4, 8, 16],
  );
  // Strictly decreasing with depth in the tree: broad distinctions are the strongest modes.
  for (let k = 1; k < modes.length; k++) assert.ok(modes[k].eigenvalue < modes[k - 1].eigenvalue, `level ${k}`);
  const expected = modes.flatMap((m) => Array.from({ length: m.multiplicity }, () => m.eigenvalue));
  const eig = symEig(expectedItemCorrelation(L, p), n);
  eig.values.forEach((v, i) => assertClose(v, expected[i], 1e-10, 1e-12, `eigenvalue ${i}`));
  // Numbers for q = 0.8: the constant mode 6.568…, the leaves' modes 1 − q² = 0.36.
  assertClose(modes[0].eigenvalue, 6.56794, 1e-5, 0, "constant mode");
  assertClose(modes[L].eigenvalue, 0.36, 1e-12, 0, "leaf-level mode");
});

test("the Haar function of an internal node is an eigenvector", () => {
  const L = 4;
  const p = 0.2;
  const n = 2 ** L;
  const C = expectedItemCorrelation(L, p);
  const modes = treeModes(L, p);
  // Node at depth 1 covering leaves 0..7: +1 on 0..3, −1 on 4..7.
  const v = new Float64Array(n);
  for (let i = 0; i < 4; i++) v[i] = 1;
  for (let i = 4; i < 8; i++) v[i] = -1;
  for (let i = 0; i < n; i++) {
    let cv = 0;
    for (let j = 0; j < n; j++) cv += C[i * n + j] * v[j];
    assertClose(cv, modes[2].eigenvalue * v[i], 1e-12, 1e-12, `(Cv)_${i}`);
  }
});

test("sampled features: ±1, seeded, singular values √(F λ_level) by level", () => {
  const opts = { levels: 5, features: 6000, flip: 0.1, seed: 3 };
  const a = hierarchicalFeatures(opts);
  assert.deepEqual(Array.from(hierarchicalFeatures(opts).Y.slice(0, 50)), Array.from(a.Y.slice(0, 50)));
  assert.ok(a.Y.every((v) => v === 1 || v === -1));
  const data = hierarchicalDataset(opts);
  const modes = taskModes(inputOutputCorrelation(data), data.d, data.c);
  const expected = treeModes(5, 0.1);
  const byLevel = new Map<number, number[]>();
  modes.s.forEach((s, i) => byLevel.set(levelOfMode(i), [...(byLevel.get(levelOfMode(i)) ?? []), s]));
  for (const [level, values] of byLevel) {
    const want = Math.sqrt(opts.features * expected[level + 1].eigenvalue);
    assert.equal(values.length, expected[level + 1].multiplicity);
    for (const s of values) assertClose(s, want, 0.08, 0, `level ${level} singular value`);
  }
  // A flip probability of ½ destroys the hierarchy: all items decorrelate, every mode ≈ √F.
  const flat = hierarchicalDataset({ ...opts, flip: 0.5 });
  const flatModes = taskModes(inputOutputCorrelation(flat), flat.d, flat.c);
  assert.ok(flatModes.s[0] / flatModes.s[31] < 1.3, `flip ½: spread ${flatModes.s[0] / flatModes.s[31]}`);
});

test("the reduced tree task keeps the singular values and input directions of the full one", () => {
  const opts = { levels: 3, features: 300, flip: 0.1, seed: 9 };
  const full = hierarchicalDataset(opts);
  const fullModes = taskModes(inputOutputCorrelation(full), full.d, full.c);
  const reduced = treeTask(opts);
  assert.equal(reduced.data.c, 8);
  reduced.modes.s.forEach((s, i) => assertClose(s, fullModes.s[i], 1e-5, 0, `s_${i}`));
  // Same input directions up to sign.
  for (let a = 0; a < 8; a++) {
    let dot = 0;
    for (let i = 0; i < 8; i++) dot += reduced.modes.V[i * 8 + a] * fullModes.V[i * 8 + a];
    assertClose(Math.abs(dot), 1, 1e-5, 0, `|⟨v_${a}, v'_${a}⟩|`);
  }
});
