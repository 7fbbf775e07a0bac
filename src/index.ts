// The public surface of race-lab: one concept per file, each re-exported here.
// See docs/DESIGN.md for the contract the lessons are written against.
import { provideLibrary } from "./run/worker-scope";

export * from "./core/errors";
export * from "./core/validate";
export * from "./core/shared-object";
export * from "./display/display";
export * from "./display/table";
export * from "./display/chart";
export * from "./course/outcomes";
export * from "./course/trials";
export * from "./trace/analysis";
export * from "./trace/trace";
export * from "./trace/timeline";
export * from "./course/exercises";
export * from "./course/solution-cell";
export * from "./core/environment";
export * from "./run/function-source";
export * from "./run/worker-scope";
export * from "./run/partial";
export * from "./run/travel";
export * from "./run/run";
export { keepThreadsReady, spareThreads, MAX_SPARE_THREADS } from "./run/spare-threads";
export * from "./run/pool";
export * from "./core/temp";
export * from "./core/sleep";
export * from "./shared/value";
export * from "./shared/shared-array";
export * from "./primitives/lock";
export * from "./primitives/rlock";
export * from "./primitives/semaphore";
export * from "./primitives/event";
export * from "./primitives/condition";
export * from "./primitives/barrier";
export * from "./primitives/queue";
export * from "./primitives/sequencer";
export * from "./primitives/synchronized";
export * from "./primitives/async-lock";
export * from "./files/file-lock";
export * from "./files/interprocess-locked";
export * from "./manager/errors";
export * from "./manager/protocol";
export type { ProxyAddress } from "./manager/client";
export * from "./manager/managed";
export * from "./manager/proxies";
export * from "./manager/manager";
// What lessons use to read like the Python they mirror (each in its layer).
export * from "./core/run-folder-scope";
export * from "./run/rounds";
export * from "./trace/timed-log";
export * from "./course/python-port";
export * from "./course/prediction";
export * from "./course/if-solved";
export * from "./scheduler/index";
export * from "./database/binaries";
export * from "./database/embedded-server";
export * from "./database/connect";
export * from "./database/run-schema";
export * from "./database/database";
export * from "./database/pause";
export * from "./transactions/statements";
export * from "./transactions/options";
export * from "./transactions/interleaving";
export * from "./transactions/explore-transactions";

// Functions rebuilt in this thread (a Pool run inline, the manager) see these exports as race-lab.
provideLibrary(() => module.exports);
