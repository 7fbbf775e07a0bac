// The one hook the primitives know about (for scheduler/: explore and replay). Inside a worker thread
// of `explore`/`replay`, `control.current` is the worker's controller; everywhere else it is
// undefined, and a blocking call pays one property read for it. Kept free of imports so that
// futex.ts can import it without a cycle.

/** @internal What a controlled worker does at a scheduling point and when a primitive would sleep. */
export interface Controller {
  /** Ends the current step: the worker waits until the scheduler chooses it again. */
  point(label: string): void;
  /**
   * A primitive would sleep while `view[index] === seen`: the worker waits, is not chosen while the
   * slot still holds `seen`, and returns "ok" when chosen ("timed-out" when its finite deadline is
   * the only way on).
   */
  block(view: Int32Array, index: number, seen: number, deadline: number): "ok" | "timed-out";
  /**
   * A Value's `.value` or a SharedArray's item (`what`, e.g. "[2]") is about to be read or written: a
   * scheduling point when the exploration asked for `valuePoints`, else nothing.
   */
  valueAccess(access: "read" | "write", what?: string): void;
}

/** @internal The controller of the current thread, if it runs under `explore` or `replay`. */
export const control: { current: Controller | undefined } = { current: undefined };
