// Controlled scheduling of real threads: the Scheduler handle, explore(), replay() and the explorer.
export * from "./scheduler";
export * from "./options";
export * from "./schedule";
export * from "./deadlock";
export * from "./random";
export * from "./explore";
export { exploringThreads, endAllExplorations } from "./team";
export * from "./explorer";
export * from "./schedule-view";
export * from "./deadlock-view";
