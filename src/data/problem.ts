/**
 * Problem directories: model + data + initial parameters + optimizer, exchanged with NumPy/JAX/PyTorch code
 * (see the problem-format reference). A directory holds problem.json, X.npy (n, d), y.npy ((n,) when the
 * last width is 1, else (n, out)) and w0.npy (the flat parameter vector in the params.ts layout).
 * Everything is validated on the way in; every error names the file and the field.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseActivation, type Activation } from "../models/activations";
import { parseLoss, type LossName } from "../models/losses";
import { mlp, type Mlp } from "../models/mlp";
import { supervisedObjective, type Dataset, type Objective } from "../models/objective";
import { denseLayout } from "../params";
import { writeFileAtomic } from "../atomic";
import { firstNonFinite } from "../linalg/vec";
import { validateOptimizerSpec, type OptimizerSpec } from "../optim/spec";
import { readNpy, writeNpy } from "./npy";

/**
 * The optimizer as problem.json writes it (the interchange format's field names). `optimizerSpecOf` turns it
 * into the library's one OptimizerSpec (src/optim/spec.ts), which also validates it.
 */
export type OptimizerJson =
  | { name: "gd"; lr: number }
  | { name: "rmsprop"; lr: number; beta2: number; eps: number; bias_correction: boolean; scalar: boolean };

export interface ProblemSpec {
  model: { type: "mlp"; widths: number[]; activation: Activation; bias: boolean };
  loss: LossName;
  optimizer: OptimizerJson;
  steps: number;
  k: number;
}

export interface Problem {
  /** Directory it was loaded from, or null for a problem built in memory. */
  dir: string | null;
  spec: ProblemSpec;
  model: Mlp;
  data: Dataset;
  /** Flat initial parameters (params.ts layout). */
  w0: Float64Array;
}

/** The activations the interchange format defines (a subset of ours: the ones with a NumPy/JAX counterpart). */
export const PROBLEM_ACTIVATIONS = ["swish", "tanh", "relu", "gelu", "gelu_tanh", "identity"] as const;
export const OPTIMIZER_NAMES = ["gd", "rmsprop"] as const;

const TOP_FIELDS = ["model", "loss", "optimizer", "steps", "k"];
const MODEL_FIELDS = ["type", "widths", "activation", "bias"];
const OPTIMIZER_FIELDS: Record<OptimizerJson["name"], string[]> = {
  gd: ["name", "lr"],
  rmsprop: ["name", "lr", "beta2", "eps", "bias_correction", "scalar"],
};

/** A value as it appeared in the JSON; JSON.parse turns literals beyond the float64 range (1e400) into ±Infinity. */
function describeValue(got: unknown): string {
  if (typeof got === "number" && !Number.isFinite(got)) return `${got} (a number beyond the float64 range)`;
  return JSON.stringify(got) ?? "nothing";
}

/** Validation helpers bound to one file, so every message starts with the file and names the field. */
class Fields {
  constructor(readonly file: string) {}

  fail(field: string, what: string, got: unknown): never {
    throw new Error(`${this.file}: field "${field}" ${what}; got ${describeValue(got)}`);
  }

  /** Checks that `value` is an object with exactly the allowed keys, all present. */
  object(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(field, "must be an object", value);
    const obj = value as Record<string, unknown>;
    const prefix = field === "" ? "" : `${field}.`;
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        throw new Error(`${this.file}: unknown field "${prefix}${key}" (allowed in ${field || "the top level"}: ${allowed.join(", ")})`);
      }
    }
    for (const key of allowed) {
      if (!(key in obj)) throw new Error(`${this.file}: missing field "${prefix}${key}"`);
    }
    return obj;
  }

  number(value: unknown, field: string, ok: (x: number) => boolean, what: string): number {
    if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) this.fail(field, `must be ${what}`, value);
    return value as number;
  }

  integer(value: unknown, field: string, min: number): number {
    return this.number(value, field, (x) => Number.isInteger(x) && x >= min, `an integer ≥ ${min}`);
  }

  boolean(value: unknown, field: string): boolean {
    if (typeof value !== "boolean") this.fail(field, "must be true or false", value);
    return value as boolean;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) this.fail(field, `must be one of ${allowed.join(", ")}`, value);
    return value as T;
  }
}

/** The library's optimizer spec for a problem file's optimizer field. */
export function optimizerSpecOf(o: OptimizerJson): OptimizerSpec {
  if (o.name === "gd") return { name: "gd", lr: o.lr };
  return { name: o.scalar ? "scalar_rmsprop" : "rmsprop", lr: o.lr, beta2: o.beta2, eps: o.eps, biasCorrection: o.bias_correction };
}

/** Field names of OptimizerSpec as problem.json spells them. */
const JSON_NAMES: Record<string, string> = { biasCorrection: "bias_correction" };

function parseOptimizer(f: Fields, value: unknown): OptimizerJson {
  if (typeof value !== "object" || value === null || Array.isArray(value)) f.fail("optimizer", "must be an object", value);
  const name = f.oneOf((value as Record<string, unknown>).name, "optimizer.name", OPTIMIZER_NAMES);
  const o = f.object(value, "optimizer", OPTIMIZER_FIELDS[name]);
  const json = (name === "gd" ? { name, lr: o.lr } : { name, lr: o.lr, beta2: o.beta2, eps: o.eps, bias_correction: o.bias_correction, scalar: f.boolean(o.scalar, "optimizer.scalar") }) as OptimizerJson;
  // Ranges are checked by the one optimizer validator, with this file's field names in its messages.
  validateOptimizerSpec(optimizerSpecOf(json), (field) => `${f.file}: field "optimizer${field ? `.${JSON_NAMES[field] ?? field}` : ""}"`);
  return json;
}

/** Validates a parsed problem.json. Unknown, missing or ill-typed fields are errors naming `file` and the field. */
export function parseProblemSpec(json: unknown, file = "problem.json"): ProblemSpec {
  const f = new Fields(file);
  const top = f.object(json, "", TOP_FIELDS);
  const m = f.object(top.model, "model", MODEL_FIELDS);
  f.oneOf(m.type, "model.type", ["mlp"] as const);
  if (!Array.isArray(m.widths) || m.widths.length < 2) f.fail("model.widths", "must be a list of at least two widths (input and output)", m.widths);
  const widths = (m.widths as unknown[]).map((w, i) => f.integer(w, `model.widths[${i}]`, 1));
  const activation = parseActivation(f.oneOf(m.activation, "model.activation", PROBLEM_ACTIVATIONS), `${file}: model.activation`);
  const bias = f.boolean(m.bias, "model.bias");
  const loss = parseLoss(top.loss, `${file}: field "loss"`);
  // A softmax over one output is constant: cross-entropy would train only toward a negative, unbounded loss.
  if (loss === "cross_entropy" && widths[widths.length - 1] < 2) {
    throw new Error(`${file}: field "loss" is "cross_entropy", which needs at least 2 outputs, but the last of "model.widths" is ${widths[widths.length - 1]}; use "mse" (the format's loss) for one output`);
  }
  return {
    model: { type: "mlp", widths, activation, bias },
    loss,
    optimizer: parseOptimizer(f, top.optimizer),
    steps: f.integer(top.steps, "steps", 0),
    k: f.integer(top.k, "k", 1),
  };
}

function fmtShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function checkFinite(file: string, xs: ArrayLike<number>, cols: number): void {
  const i = firstNonFinite(xs);
  if (i < 0) return;
  const where = cols > 1 ? `[${Math.floor(i / cols)}, ${i % cols}]` : `[${i}]`;
  throw new Error(`${file}: entry ${where} is ${xs[i]}; every value must be finite (in float32 for X and y)`);
}

/** Cross-entropy targets are probability rows (one-hot or soft labels): non-negative, summing to 1. */
function checkDistributions(file: string, Y: ArrayLike<number>, cols: number): void {
  for (let i = 0; i * cols < Y.length; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = Y[i * cols + j];
      if (v < 0) throw new Error(`${file}: entry [${i}, ${j}] is ${v}; with loss "cross_entropy" every target row must be a distribution (entries ≥ 0, summing to 1)`);
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-5 * cols) throw new Error(`${file}: row ${i} sums to ${sum}; with loss "cross_entropy" every target row must be a distribution (entries ≥ 0, summing to 1)`);
  }
}

/**
 * Builds a problem from parts, with the same checks as `loadProblem` (shapes against the widths, w0 length,
 * finiteness). `files` names the sources in error messages.
 */
export function createProblem(
  spec: ProblemSpec,
  data: Dataset,
  w0: ArrayLike<number>,
  dir: string | null = null,
  files = { spec: "problem.json", X: "X.npy", y: "y.npy", w0: "w0.npy" },
): Problem {
  const checked = parseProblemSpec(spec, files.spec);
  const { widths } = checked.model;
  const d = widths[0];
  const out = widths[widths.length - 1];
  if (!Number.isInteger(data.n) || data.n < 1) throw new Error(`${files.X}: has ${data.n} rows; a problem needs at least one example (n ≥ 1)`);
  if (data.d !== d) throw new Error(`${files.X}: inputs have ${data.d} features, but field "model.widths[0]" in ${files.spec} is ${d}`);
  if (data.X.length !== data.n * data.d) throw new Error(`${files.X}: ${data.X.length} values, expected n·d = ${data.n}·${data.d}`);
  if (data.c !== out || data.Y.length !== data.n * out) {
    throw new Error(`${files.y}: targets have ${data.c} columns for ${data.n} examples, but the last of "model.widths" in ${files.spec} is ${out}`);
  }
  checkFinite(files.X, data.X, d);
  checkFinite(files.y, data.Y, out);
  if (checked.loss === "cross_entropy") checkDistributions(files.y, data.Y, out);
  const layout = denseLayout(widths, checked.model.bias);
  if (w0.length !== layout.size) {
    throw new Error(
      `${files.w0}: has ${w0.length} entries, but "model.widths" [${widths.join(", ")}] with bias ${checked.model.bias} in ${files.spec} needs ${layout.size}`,
    );
  }
  checkFinite(files.w0, w0, 1);
  if (checked.k > layout.size) throw new Error(`${files.spec}: field "k" is ${checked.k}, more eigenvalues than the model's ${layout.size} parameters; k must be in 1..${layout.size}`);
  const model = mlp({ widths, activation: checked.model.activation, bias: checked.model.bias });
  return { dir, spec: checked, model, data, w0: Float64Array.from(w0) };
}

/** Loads and validates a problem directory. Errors name the file and the field. */
export function loadProblem(dir: string): Problem {
  const files = { spec: join(dir, "problem.json"), X: join(dir, "X.npy"), y: join(dir, "y.npy"), w0: join(dir, "w0.npy") };
  let text: string;
  try {
    text = readFileSync(files.spec, "utf8");
  } catch (e) {
    throw new Error(`${files.spec}: cannot read (${e instanceof Error ? e.message : String(e)})`);
  }
  // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse rejects it, so strip it.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${files.spec}: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const spec = parseProblemSpec(json, files.spec);
  const { widths } = spec.model;
  const d = widths[0];
  const out = widths[widths.length - 1];

  const X = readNpy(files.X);
  if (X.shape.length !== 2 || X.shape[1] !== d) {
    throw new Error(`${files.X}: shape ${fmtShape(X.shape)} must be (n, ${d}) to match field "model.widths[0]" = ${d} in ${files.spec}`);
  }
  const n = X.shape[0];
  if (n === 0) throw new Error(`${files.X}: shape ${fmtShape(X.shape)} has no rows; a problem needs at least one example (n ≥ 1)`);
  const y = readNpy(files.y);
  // (n,) is the format for one output; (n, 1) is accepted too since it is unambiguous.
  const yOk = out === 1 ? (y.shape.length === 1 && y.shape[0] === n) || (y.shape.length === 2 && y.shape[0] === n && y.shape[1] === 1) : y.shape.length === 2 && y.shape[0] === n && y.shape[1] === out;
  if (!yOk) {
    const want = out === 1 ? `(${n},)` : `(${n}, ${out})`;
    throw new Error(`${files.y}: shape ${fmtShape(y.shape)} must be ${want}: n = ${n} rows of X.npy, ${out} output(s) from the last of "model.widths" in ${files.spec}`);
  }
  const w0 = readNpy(files.w0);
  if (w0.shape.length !== 1) throw new Error(`${files.w0}: shape ${fmtShape(w0.shape)} must be one-dimensional (the flat parameter vector)`);
  // Check float64 finiteness before the float32 conversion so a NaN is reported as such.
  checkFinite(files.X, X.data, d);
  checkFinite(files.y, y.data, out);
  const data: Dataset = { X: Float32Array.from(X.data), Y: Float32Array.from(y.data), n, d, c: out };
  return createProblem(spec, data, w0.data, dir, files);
}

/** The files of a problem directory, in a fixed order. */
export const PROBLEM_FILES = ["problem.json", "X.npy", "y.npy", "w0.npy"] as const;

/** sha256 over the bytes of the four files (each prefixed by its name and length): identifies a problem's content. */
export function problemHash(dir: string): string {
  const h = createHash("sha256");
  for (const name of PROBLEM_FILES) {
    const bytes = readFileSync(join(dir, name));
    h.update(`${name}\0${bytes.length}\0`);
    h.update(bytes);
  }
  return h.digest("hex");
}

/** Writes a problem directory in the interchange format (float64 .npy files; each file written atomically). */
export function saveProblem(dir: string, p: Problem): void {
  // Validate first so a bad problem never leaves a half-written directory.
  const checked = createProblem(p.spec, p.data, p.w0, dir);
  mkdirSync(dir, { recursive: true });
  const { n, d, c } = checked.data;
  writeNpy(join(dir, "X.npy"), checked.data.X, [n, d], "<f8");
  writeNpy(join(dir, "y.npy"), checked.data.Y, c === 1 ? [n] : [n, c], "<f8");
  writeNpy(join(dir, "w0.npy"), checked.w0, [checked.w0.length], "<f8");
  writeFileAtomic(join(dir, "problem.json"), JSON.stringify(checked.spec, null, 2) + "\n");
}

/** The problem's training loss as an objective (holds data tensors: call dispose()). */
export function problemObjective(p: Problem): Objective & { dispose(): void } {
  return supervisedObjective(p.model, p.spec.loss, p.data);
}
