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
export * from "./value";
export * from "./shared-array";
export * from "./lock";
export * from "./rlock";
export * from "./semaphore";
export * from "./event";
export * from "./condition";
export * from "./barrier";
export * from "./queue";
export * from "./sequencer";
export * from "./synchronized";
export * from "./async-lock";
export * from "./file-lock";
export * from "./manager";
// The teaching layer: what lessons use to read like the Python they mirror.
export * from "./lesson/run-folder-scope";
export * from "./lesson/rounds";
export * from "./lesson/timed-log";
export * from "./lesson/python-port";
export * from "./lesson/prediction";
