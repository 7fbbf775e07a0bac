// Event: Python's threading.Event — one shared flag threads can wait for. One Int32 slot: 0 or 1.

import { blocking, checkNoArguments, deadlineOf, mayBlock, type Steps, tryUntil, wake, waiting } from "./futex";
import { defineSharable } from "../core/shared-object";

const FLAG = 0;

/**
 * A flag shared between threads (Python's `threading.Event`): `wait()` blocks until some thread calls
 * `set()`. Setting before anyone waits is kept: later waits return at once until `clear()`.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * await runThreads((ready) => { ready.wait(5000); console.log("go"); }, [[ready]]);
 * // elsewhere: ready.set();
 * ```
 * Warning: `wait` blocks, so worker threads only; use `await event.waitAsync()` in a cell.
 */
export class Event {
  /** @internal */
  protected view: Int32Array;

  constructor(...noArguments: []) {
    checkNoArguments("new Event()", noArguments);
    this.view = new Int32Array(new SharedArrayBuffer(4));
  }

  /** Sets the flag and wakes every waiting thread. */
  set(): void {
    // Store before notify: a woken waiter re-reads the flag and must find it set.
    Atomics.store(this.view, FLAG, 1);
    wake(this.view, FLAG);
  }

  /** Clears the flag: later waits block again until the next `set()`. */
  clear(): void {
    Atomics.store(this.view, FLAG, 0); // an atomic store: waiters in other threads see it whole and current
  }

  /** Whether the flag is set (a snapshot). */
  isSet(): boolean {
    return Atomics.load(this.view, FLAG) === 1; // atomic read: never a stale cached copy
  }

  /**
   * Blocks this worker until the flag is set or `timeoutMs` passes; returns the flag (false on
   * timeout), like Python. `wait(0)` only looks (works anywhere).
   */
  wait(timeoutMs?: number): boolean {
    return blocking(this.waitSteps(timeoutMs));
  }

  /**
   * The Atomics.waitAsync form of {@link wait}: usable anywhere. Without a timeout it alone does not keep Node running (a cell
   * or a run does).
   */
  waitAsync(timeoutMs?: number): Promise<boolean> {
    return waiting(this.waitSteps(timeoutMs));
  }

  private *waitSteps(timeoutMs: number | undefined): Steps<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    yield mayBlock("event.wait()", "event.waitAsync()", timeoutMs);
    // Sleeps only while the flag is still 0: a set() between our look and the sleep is not missed.
    return yield* tryUntil(() => this.isSet(), this.view, FLAG, 0, deadline);
  }
}

defineSharable(Event, { name: "Event", module: __filename, fields: ["view"] });
