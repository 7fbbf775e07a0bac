// The start gate's slots, in a file of their own so that a worker thread can read them without
// loading run.ts (and with it child_process and the rest of the main thread's machinery).

/**
 * Slots of the start gate's Int32Array (threads): a ready counter and the open flag.
 *
 * @internal
 * @example
 * ```ts
 * Atomics.add(gate, GATE_READY, 1); // a worker is ready
 * Atomics.store(gate, GATE_OPEN, 1); Atomics.notify(gate, GATE_OPEN); // the main thread releases all
 * ```
 */
export const GATE_READY = 0;
/** @internal The gate's open flag (0 closed, 1 open); see {@link GATE_READY}. @example `Atomics.wait(gate, GATE_OPEN, 0)` */
export const GATE_OPEN = 1;
