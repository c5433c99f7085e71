/**
 * An objective is a scalar function of the parameters, evaluated for an ensemble of parameter rows at once:
 * W [E, P] ↦ values [E]. Everything downstream (derivatives, curvature, flows) sees only this.
 */
import { tf } from "../backend";
import { lossBatch, parseLoss, type LossName } from "./losses";
import type { Mlp, MlpSpec } from "./mlp";

export interface Objective {
  /** Number of parameters P. */
  readonly dim: number;
  /** Values at each row of W [E, P]; returns [E]. Must be built from exactly differentiable ops. */
  values(W: tf.Tensor2D): tf.Tensor1D;
  /** Releases tensors the objective holds (data). */
  dispose?(): void;
  /**
   * Set when the objective is the training loss of an MLP on a fixed data set (supervisedObjective), so that
   * a derivative engine specialised to MLPs (autodiff/f64) can compute it without tfjs.
   */
  readonly supervised?: SupervisedMlp;
}

/** A plain description of `loss(model(X), Y)`: everything needed to evaluate it without tensors. */
export interface SupervisedMlp {
  readonly model: MlpSpec;
  readonly loss: LossName;
  readonly data: Dataset;
}

export interface Dataset {
  /** Inputs, row-major [n, d]. */
  X: Float32Array;
  /** Targets, row-major [n, c] (c = 1 for scalar regression; one-hot rows for classification). */
  Y: Float32Array;
  n: number;
  d: number;
  c: number;
}

/** Shape and finiteness of a data set from an untyped caller, so a NaN is reported here, not as a diverging run. */
export function checkDataset(data: Dataset, name: string): void {
  for (const f of ["n", "d", "c"] as const) {
    if (!Number.isInteger(data[f]) || data[f] < 1) throw new Error(`${name}.${f} must be an integer ≥ 1; got ${JSON.stringify(data[f])}`);
  }
  for (const [f, cols] of [["X", data.d], ["Y", data.c]] as const) {
    const v = data[f];
    if (v?.length !== data.n * cols) throw new Error(`${name}.${f} has ${v?.length} values, expected n·${f === "X" ? "d" : "c"} = ${data.n}·${cols}`);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new Error(`${name}.${f}[${Math.floor(i / cols)}, ${i % cols}] is ${v[i]}; every value must be finite`);
    }
  }
}

/** The training loss of a model on a fixed data set, as an objective. */
export function supervisedObjective(model: Mlp, loss: LossName, data: Dataset): Objective & { dispose(): void } {
  parseLoss(loss, "supervisedObjective(): loss");
  checkDataset(data, "supervisedObjective(): data");
  const outWidth = model.spec.widths[model.spec.widths.length - 1];
  if (data.d !== model.spec.widths[0]) throw new Error(`data has ${data.d} features, the model expects ${model.spec.widths[0]}`);
  if (data.c !== outWidth) throw new Error(`targets have ${data.c} columns, the model outputs ${outWidth}`);
  const X = tf.tensor2d(data.X, [data.n, data.d]);
  const Y = tf.tensor2d(data.Y, [data.n, data.c]);
  return {
    dim: model.numParams,
    values: (W) => lossBatch(loss, model.forward(W, X), Y),
    supervised: { model: { ...model.spec, widths: [...model.spec.widths] }, loss, data },
    dispose: () => {
      X.dispose();
      Y.dispose();
    },
  };
}
