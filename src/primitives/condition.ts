// Condition: Python's threading.Condition — a lock plus "wait until notified". The waiting is a
// futex on a shared sequence number that every notify bumps.

import { defineSharable } from "../core/shared-object";
import { LockReleaseError, RaceLabArgumentError } from "../core/errors";
import { blocking, deadlineOf, mayBlock, msLeft, sleep, type Steps, wake, waiting } from "./futex";
import { Lock } from "./lock";
import { RLock } from "./rlock";
import { BaseLock } from "./synchronized";
import { checkFunction, checkInteger } from "../core/validate";

const SEQ = 0;

/** The most threads one notify(n) may name (more than any run can have). */
const MAX_NOTIFY = 2 ** 31 - 1;

/**
 * A condition variable shared between worker threads (Python's `threading.Condition`): hold its lock,
 * check your condition, and `wait()` (which releases the lock while sleeping) until another thread
 * changes the state and calls `notify()`. `waitFor(predicate)` does the checking loop for you.
 *
 * @example
 * ```ts
 * const cond = new Condition();
 * // consumer (worker):
 * cond.withLock(() => { cond.waitFor(() => items.length > 0, 5000); take(); });
 * // producer (worker):
 * cond.withLock(() => { add(); cond.notify(); });
 * ```
 * Warning: a woken `wait()` must re-check its condition (another thread may have been first, and a
 * notify can wake more than asked): always loop, or use `waitFor`. `wait`, `notify` and `notifyAll`
 * need the lock held (`LockReleaseError` otherwise). `acquire`, `wait` and `waitFor` block: worker
 * threads only; their `…Async` forms work anywhere.
 */
export class Condition extends BaseLock {
  /** @internal The lock every user of the condition holds. */
  protected lock: Lock | RLock;
  /** @internal [sequence]: bumped by every notify. */
  protected view: Int32Array;

  /** @param lock the lock to use; by default a new `RLock`, as in Python. */
  constructor(lock?: Lock | RLock) {
    super();
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new RaceLabArgumentError("lock", "a Lock, an RLock, or nothing (a new RLock)", lock);
    }
    this.lock = lock ?? new RLock();
    this.view = new Int32Array(new SharedArrayBuffer(4));
  }

  /** Takes the condition's lock (see `Lock.acquire`). */
  acquire(timeoutMs?: number): boolean {
    return this.lock.acquire(timeoutMs);
  }

  /** The Atomics.waitAsync form of {@link acquire}: usable anywhere. */
  acquireAsync(timeoutMs?: number): Promise<boolean> {
    return this.lock.acquireAsync(timeoutMs);
  }

  /** @internal The acquire algorithm of the condition's lock, for either driver (futex.ts). */
  acquireSteps(timeoutMs?: number): Steps<boolean> {
    return this.lock.acquireSteps(timeoutMs);
  }

  /** Releases the condition's lock. */
  release(): void {
    this.lock.release();
  }

  /** Whether the condition's lock is held by some thread (a snapshot). */
  locked(): boolean {
    return this.lock.locked();
  }

  /**
   * Releases the lock, sleeps until notified or `timeoutMs` passes, then takes the lock back.
   * Returns false on timeout. The lock must be held.
   *
   * @example
   * ```ts
   * cond.withLock(() => { while (!ready()) if (!cond.wait(1000)) break; });
   * ```
   */
  wait(timeoutMs?: number): boolean {
    return blocking(this.waitSteps(timeoutMs, "wait"));
  }

  /** The Atomics.waitAsync form of {@link wait}: usable anywhere (hold the lock via `acquireAsync` or `withLockAsync`). */
  waitAsync(timeoutMs?: number): Promise<boolean> {
    return waiting(this.waitSteps(timeoutMs, "waitAsync"));
  }

  private *waitSteps(timeoutMs: number | undefined, call: "wait" | "waitAsync"): Steps<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    yield mayBlock("condition.wait()", "condition.waitAsync()", timeoutMs);
    this.checkOwned(call);
    if (timeoutMs === 0) return false; // nothing can notify us in no time; and no waiting re-acquire
    // Read the sequence BEFORE releasing the lock: a notify sent after we release (but before we
    // sleep) bumps it, so the sleep returns at once instead of sleeping through the notification
    // (the lost wake-up race condition variables exist to prevent).
    const seen = Atomics.load(this.view, SEQ);
    const saved = this.lock.releaseForWait();
    try {
      return (yield sleep(this.view, SEQ, seen, deadline)) !== "timed-out";
    } finally {
      yield* this.lock.restoreSteps(saved);
    }
  }

  /**
   * Waits until `predicate()` is truthy (checking it first, then after each wake-up), at most
   * `timeoutMs` in all. Returns the predicate's last result. The lock must be held.
   */
  waitFor<T>(predicate: () => T, timeoutMs?: number): T {
    return blocking(this.waitForSteps(predicate, timeoutMs));
  }

  /** The Atomics.waitAsync form of {@link waitFor}: usable anywhere. */
  waitForAsync<T>(predicate: () => T, timeoutMs?: number): Promise<T> {
    return waiting(this.waitForSteps(predicate, timeoutMs, "waitAsync"));
  }

  /** @internal The waitFor algorithm, for either driver (futex.ts). */
  *waitForSteps<T>(predicate: () => T, timeoutMs: number | undefined, call: "wait" | "waitAsync" = "wait"): Steps<T> {
    checkFunction("predicate", predicate);
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    yield mayBlock("condition.waitFor()", "condition.waitForAsync()", timeoutMs);
    let result = predicate();
    // A loop, not a single wait: being woken only means "something changed", not "your condition holds".
    while (!result) {
      const ms = msLeft(deadline);
      if (ms === 0) break;
      const woken = yield* this.waitSteps(ms, call);
      result = predicate();
      // A wait that timed out has used up what was left: look once more, then stop. (Under explore a
      // time-out is granted when nobody else can go on; looping on the clock would wait it out for real.)
      if (!woken) break;
    }
    return result;
  }

  /**
   * Wakes up to `n` threads waiting on this condition (default 1). The lock must be held.
   * Warning: a waiter that was just about to sleep is woken too, so more than `n` may wake.
   */
  notify(n = 1): void {
    checkInteger("n", n, 1, MAX_NOTIFY);
    this.checkOwned("notify");
    // Bump first, then notify: a waiter that read the old sequence but has not slept yet will see
    // the change and not sleep, so the notification cannot fall between its check and its sleep.
    Atomics.add(this.view, SEQ, 1);
    wake(this.view, SEQ, n);
  }

  /** Wakes every thread waiting on this condition. The lock must be held. */
  notifyAll(): void {
    this.checkOwned("notifyAll");
    Atomics.add(this.view, SEQ, 1); // same ordering as notify: bump, then wake
    wake(this.view, SEQ);
  }

  private checkOwned(call: string): void {
    if (!this.lock.isOwnedByMe()) {
      throw new LockReleaseError(
        `condition.${call}(): this thread must hold the condition's lock first (use cond.withLock(...) or cond.acquire()).`,
      );
    }
  }
}

defineSharable(Condition, { name: "Condition", module: __filename, fields: ["lock", "view"] });
