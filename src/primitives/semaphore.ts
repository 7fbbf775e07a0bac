// Semaphore: Python's threading.Semaphore / BoundedSemaphore over a SharedArrayBuffer.
// Two Int32 slots: the current count and the initial value (for the bounded check).

import { LockReleaseError, RaceLabArgumentError } from "../core/errors";
import { blocking, deadlineOf, mayBlock, type Steps, tryUntil, wake, waiting } from "./futex";
import { defineSharable } from "../core/shared-object";
import { BaseLock } from "./synchronized";
import { checkInteger, checkOptions } from "../core/validate";

const COUNT = 0;
const INITIAL = 1;
const BOUNDED = 2;
const SLOTS = 3;

/** The largest semaphore value: the count lives in one Int32 slot. */
export const MAX_SEMAPHORE_VALUE = 2 ** 31 - 1;

/** Options of {@link Semaphore}. */
export interface SemaphoreOptions {
  /** Python's BoundedSemaphore: releasing above the initial value throws. Default false. */
  bounded?: boolean;
}

/**
 * A counter of permits shared between worker threads (Python's `threading.Semaphore`): `acquire`
 * takes a permit, waiting while there are none; `release(n)` gives permits back. `Semaphore(1)`
 * works as a lock; `Semaphore(3)` lets three threads in at once.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(2, { bounded: true });
 * slots.withLock(() => download()); // at most 2 threads inside at once
 * ```
 * Warning: a semaphore has no owner — any thread may release it (that is how it signals). With
 * `bounded: true`, releasing more than was acquired throws `LockReleaseError` (Python's ValueError).
 * `acquire` and `withLock` block: worker threads only; use `acquireAsync` / `withLockAsync` in a cell.
 */
export class Semaphore extends BaseLock {
  /** @internal [count, initial, bounded]. */
  protected view: Int32Array;

  constructor(value = 1, options: SemaphoreOptions = {}) {
    super();
    checkInteger("value", value, 0, MAX_SEMAPHORE_VALUE);
    options = checkOptions("options", options, "{ bounded: true }");
    const bounded = options.bounded ?? false;
    if (typeof bounded !== "boolean") throw new RaceLabArgumentError("options.bounded", "true or false", bounded);
    this.view = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.view.set([value, value, bounded ? 1 : 0]); // not yet shared: plain writes are enough
  }

  /**
   * Takes a permit, blocking this worker while there is none, at most `timeoutMs`. False on timeout.
   * `acquire(0)` only tries (works anywhere).
   */
  acquire(timeoutMs?: number): boolean {
    return blocking(this.acquireSteps(timeoutMs));
  }

  /** The Atomics.waitAsync form of {@link acquire}: usable anywhere. */
  acquireAsync(timeoutMs?: number): Promise<boolean> {
    return waiting(this.acquireSteps(timeoutMs));
  }

  private *acquireSteps(timeoutMs: number | undefined): Steps<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    yield mayBlock("semaphore.acquire()", "semaphore.acquireAsync()", timeoutMs);
    // Sleeps only while the count is still 0: a release between a failed take and the sleep is seen.
    return yield* tryUntil(() => this.tryTake(), this.view, COUNT, 0, deadline);
  }

  /**
   * Gives back `n` permits (default 1) and wakes up to `n` waiting threads. Any thread may release.
   * Warning: bounded semaphores throw `LockReleaseError` when the count would exceed the initial value.
   */
  release(n = 1): void {
    checkInteger("n", n, 1, MAX_SEMAPHORE_VALUE);
    const initial = this.view[INITIAL]; // written once before sharing, never changed
    const bounded = this.view[BOUNDED] === 1;
    for (;;) {
      // Read the count atomically, then commit with compareExchange below (retry if it changed).
      const count = Atomics.load(this.view, COUNT);
      if ((bounded && count + n > initial) || count + n > MAX_SEMAPHORE_VALUE) {
        throw new LockReleaseError(
          `semaphore.release(${n}): released too many times — the count would be ${count + n}, ` +
            (bounded ? `above its initial value ${initial} (bounded semaphore)` : `above ${MAX_SEMAPHORE_VALUE}`),
        );
      }
      // compareExchange so the bound check and the increment are one step: two releasers that both
      // checked count 0 against bound 1 cannot both add (the check-then-act race).
      if (Atomics.compareExchange(this.view, COUNT, count, count + n) === count) break;
    }
    wake(this.view, COUNT, n);
  }

  /** Whether no permit is left right now (a snapshot), like asyncio's `Semaphore.locked()`. */
  locked(): boolean {
    return this.value === 0;
  }

  /** The number of permits left right now (a snapshot). */
  get value(): number {
    return Atomics.load(this.view, COUNT); // one whole, current read of the count
  }

  private tryTake(): boolean {
    for (;;) {
      // Atomic read of the count; the take itself is the compareExchange below.
      const count = Atomics.load(this.view, COUNT);
      if (count === 0) return false;
      // compareExchange: two threads that both saw count 1 cannot both take the last permit.
      if (Atomics.compareExchange(this.view, COUNT, count, count - 1) === count) return true;
    }
  }
}

defineSharable(Semaphore, { name: "Semaphore", module: __filename, fields: ["view"] });
