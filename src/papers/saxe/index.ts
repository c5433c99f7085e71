/**
 * Saxe, McClelland & Ganguli (2014), exact learning dynamics of deep linear networks: the six experiments,
 * registered on import, and the numerical pieces they are built from.
 */
export { saxePhasePortrait, type PhasePortraitConfig } from "./phase-portrait";
export { saxeModeLearning, buildTreeTask, levelOfMode, type ModeLearningConfig, type TreeTaskConfig } from "./mode-learning";
export { saxeLearningDelays, delayStats, type LearningDelaysConfig } from "./learning-delays";
export { saxeDepth, optima, logLogSlope, INIT_CODE, type DepthConfig } from "./depth";
export { saxeRandomProducts, logHistogram, type RandomProductsConfig } from "./random-products";
export { saxeEdgeOfChaos, isometryDefect, type EdgeOfChaosConfig } from "./edge-of-chaos";
export * from "./analytic";
export { summedSquaredError, correlationDataset } from "./objective";
export { inputOutputCorrelation, taskModes, networkModeStrengths, type TaskModes } from "./modes";
export { trainEnsemble, type EnsembleOptions, type EnsembleResult } from "./train";
export { treeTask, simulateModeLearning, halfLearningSteps, smallInitStd, type TreeTask, type ModeLearningRun, type ModeLearningSpec } from "./mode-learning-model";
export { deepInit, decoupledInit, completeBasis, type DeepInit } from "./deep-inits";
export { whitenedMnistTask, type MnistTask, type MnistTaskOptions } from "./mnist-task";
export { simulateDepth, modeMapLearningTime, modeMapOptimum, depthOdeLearningTime, rateGrid, referenceError, type RateTrial } from "./depth-model";
export { productSpectra, singularValues, summarizeSpectrum, type ProductKind, type SpectrumSummary } from "./random-products-model";
export { tanhJacobianSpectra, type JacobianSpectrum } from "./edge-of-chaos-model";
export { modeOdePath, gdModePaths, scalarModeProblem, type PlanePath } from "./phase-portrait-model";
