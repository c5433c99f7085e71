/**
 * Corridor geometry and the Corridor Learning Rate (Dherin & Rosca, 2024): the five experiments, registered
 * on import, and the numerical pieces they are built from.
 */
export { corridorsVisible, type VisibleConfig } from "./visible";
export { corridorsDrift, type DriftConfig } from "./drift-map";
export { corridorsClrToys, type ClrToysConfig } from "./clr-toys";
export { corridorsClrMnist, corridorsClrCifar10, clrMembers, type ClrNetsConfig } from "./clr-nets";
export { corridorsAlongGd, type AlongGdConfig } from "./along-gd";
export { corridorToy, DEFAULT_CORRIDOR, type CorridorToy, type CorridorToySpec } from "./corridor-toy";
export { absResidual, halfSquareResidual, diagonalQuadratic, type ResidualToy } from "./simple-losses";
export { hgRatio, hessGrad, spectralNorm, toyObjective, vec2, type Sym2, type Toy2D } from "./toy";
export { runRule, gdPath, flowPath, flowAt, distance, type RulePath } from "./paths";
export { oneStepGaps, modifiedGrad, compareModifiedLoss, type GapRow, type ModifiedLossComparison } from "./drift";
export { trainMembers, accuracy, subset, type Member, type NetProblem, type TrainRows } from "./nets";
export { hgRatioAlongGd, type AlongRows } from "./along-training";
