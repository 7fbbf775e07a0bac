// What the main thread and a run's workers say to each other: the task, and the messages back.
import type { Destination } from "../core/shared-object";
import type { LeftoverMessage } from "../core/thread-leftovers";
import type { ErrorReport, TravelingFunction } from "./travel";

/**
 * What a worker thread or child process is given to do.
 *
 * @internal
 * @example
 * ```ts
 * new Worker(entry, { workerData: { kind: "thread", number: 1, of: 2, fn, jobs: [[1]], gate, gateTimeoutMs } });
 * ```
 */
export interface WorkerTask {
  kind: Destination;
  /** 1-based number of the worker, and how many the run has. */
  number: number;
  of: number;
  fn: TravelingFunction;
  /** Encoded argument lists, run one after another (a pool worker gets several). */
  jobs: unknown[][];
  /** Threads: the start gate, an Int32Array of 2 over this buffer. */
  gate?: SharedArrayBuffer;
  /** How long a worker waits at the gate before giving up. */
  gateTimeoutMs: number;
}

/**
 * Messages from a worker to the main thread. "loaded": a child process's entry file is loaded and
 * waits for its task (how a spare process says it is up; a run ignores it).
 *
 * @internal
 * @example
 * ```ts
 * parentPort.postMessage({ type: "ready" } satisfies WorkerMessage);
 * ```
 */
export type WorkerMessage =
  | { type: "loaded" }
  | { type: "ready" }
  | { type: "result"; results: unknown[]; idle?: boolean }
  | { type: "error"; error: ErrorReport }
  | LeftoverMessage;

/**
 * Messages from the main thread to a child process.
 *
 * @internal
 * @example
 * ```ts
 * child.send({ type: "go", ready: 2 } satisfies ChildMessage);
 * ```
 */
export type ChildMessage =
  | { type: "task"; task: WorkerTask }
  | { type: "go"; ready: number }
  /** A spare process becomes a server instead: `entry` (a file of the built library) exports `serve(...args)`. */
  | { type: "serve"; entry: string; args: string[] };
