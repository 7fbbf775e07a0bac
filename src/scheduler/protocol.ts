// What the main thread and a controlled worker thread say to each other. Grants travel through shared
// memory (a worker waits for them with Atomics.wait, so it can wait inside a synchronous function);
// everything else travels as messages (the main thread must never block).

import type { ErrorReport, TravelingFunction } from "../run/travel";

/** @internal Slots of a worker's control array: the grant counter and the command that goes with it. */
export const GRANT = 0;
/** @internal See {@link GRANT}. */
export const COMMAND = 1;
/** @internal Int32 slots per worker. */
export const CONTROL_SLOTS = 2;

/** @internal Commands: go on; go on, your timed wait ran out; unwind (the schedule is over). */
export const GO = 1;
/** @internal See {@link GO}. */
export const TIMED_OUT = 2;
/** @internal See {@link GO}. */
export const ABORT = 3;

/**
 * What a controlled worker thread is given once, for every schedule it will run.
 *
 * @internal
 * @example
 * ```ts
 * new Worker(entry, { workerData: { worker: 0, fn, control, parkLimitMs: 60_000, valuePoints: false } satisfies TeamTask });
 * ```
 */
export interface TeamTask extends WorkerSettings {
  /** 0-based: the number that appears in schedules' `order`. */
  worker: number;
  fn: TravelingFunction;
  /** This worker's Int32Array of CONTROL_SLOTS over this buffer. */
  control: SharedArrayBuffer;
}

/** @internal What every worker of a team is told alike. */
export interface WorkerSettings {
  /** The longest a worker waits to be chosen before it gives up (the exploration's own timeout). */
  parkLimitMs: number;
  /** Whether each read and write of a Value's `.value` is a scheduling point (explore's `valuePoints`). */
  valuePoints: boolean;
}

/**
 * Main thread → worker: run the function once, with these (encoded) arguments.
 *
 * @internal
 * @example
 * ```ts
 * worker.postMessage({ type: "job", args } satisfies JobMessage);
 * ```
 */
export interface JobMessage {
  type: "job";
  args: unknown[];
}

/**
 * Worker → main thread. `point` and `block` mean "I am parked, choose me when you like"; a blocked
 * worker may only be chosen once `new Int32Array(buffer)[index] !== seen`.
 *
 * @internal
 * @example
 * ```ts
 * parentPort.postMessage({ type: "point", label: "read" } satisfies ParkMessage);
 * ```
 */
export type ParkMessage =
  | { type: "ready" }
  | { type: "point"; label: string }
  | { type: "block"; label: string; buffer: SharedArrayBuffer; index: number; seen: number; timed: boolean; resource?: string }
  | { type: "done" }
  | { type: "failed"; error: ErrorReport }
  | { type: "aborted" }
  | { type: "fatal"; error: ErrorReport };
