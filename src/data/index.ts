/** The data layer: .npy interchange, problem directories, synthetic sets, MNIST and CIFAR-10. */
export * from "./npy";
export * from "./problem";
export * from "./standardize";
export * from "./synthetic";
export * from "./mnist";
export * from "./cifar10";
export * from "./hierarchical";
