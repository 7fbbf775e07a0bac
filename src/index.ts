// The public surface of race-lab: one concept per file, each re-exported here.
// See docs/DESIGN.md for the contract the lessons are written against.
export * from "./errors";
export * from "./validate";
export * from "./shared-object";
export * from "./display";
export * from "./table";
export * from "./chart";
export * from "./outcomes";
export * from "./trials";
export * from "./trace";
export * from "./exercises";
export * from "./environment";
export * from "./travel";
export * from "./run";
export * from "./pool";
export * from "./temp";
export * from "./sleep";
