/** Update rules: GD (+ schedules, momentum), RMSProp (diagonal or scalar), Polyak / Corridor Learning Rate. */
export * from "./rule";
export * from "./gd";
export * from "./rmsprop";
export * from "./polyak";
export * from "./spec";
