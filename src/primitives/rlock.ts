// RLock: Python's threading.RLock — a lock the owning thread may take again; it is free once
// released as many times as it was acquired. Three Int32 slots: mutex state, owner threadId, depth.

import { LockReleaseError } from "../core/errors";
import { checkNoArguments, deadlineOf, forbidMainThreadBlock, myThreadId, mutexIsLocked, mutexLock, mutexLockAsync, mutexTryLock, mutexUnlock, NO_OWNER } from "./futex";
import { type Destination, notSharable, registerSharable, type Sharable, type SharedState } from "../core/shared-object";
import { BaseLock } from "./synchronized";

const STATE = 0;
const OWNER = 1;
const DEPTH = 2;
const SLOTS = 3;

/**
 * A re-entrant lock shared between worker threads (Python's `threading.RLock`): the thread holding
 * it may acquire it again (a synchronized method calling another one), and must release it as many
 * times.
 *
 * @example
 * ```ts
 * const rlock = new RLock();
 * rlock.withLock(() => rlock.withLock(() => console.log("re-entered, no deadlock")));
 * ```
 * Warning: on the main thread every async task counts as thread 0, so two async tasks there can
 * both "re-enter" an RLock taken with `acquireAsync`: use it between threads, or use `AsyncLock`
 * between async tasks of one thread.
 */
export class RLock extends BaseLock implements Sharable {
  /** @internal The shared slots: [state, owner, depth]. */
  protected view: Int32Array;

  constructor(...noArguments: []) {
    super();
    checkNoArguments("new RLock()", noArguments);
    this.view = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.view[OWNER] = NO_OWNER; // not yet shared: a plain write is enough
  }

  /**
   * Takes the lock (or re-enters it if this thread holds it), blocking until `timeoutMs`.
   * Returns false on timeout. `acquire(0)` only tries (works anywhere).
   *
   * @example
   * ```ts
   * rlock.acquire(); rlock.acquire(); rlock.release(); rlock.release();
   * ```
   * Warning: blocking form, worker threads only.
   */
  acquire(timeoutMs?: number): boolean {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    if (this.reenter()) return true;
    forbidMainThreadBlock("rlock.acquire()", "rlock.acquireAsync()", timeoutMs);
    const got = timeoutMs === 0 ? mutexTryLock(this.view, STATE) : mutexLock(this.view, STATE, deadline);
    if (got) this.becomeOwner(1);
    return got;
  }

  /**
   * The non-blocking-thread form of {@link acquire} (Atomics.waitAsync), usable anywhere.
   *
   * @example
   * ```ts
   * await rlock.acquireAsync(); try { work(); } finally { rlock.release(); }
   * ```
   * Warning: see the class warning about async tasks on the main thread.
   */
  async acquireAsync(timeoutMs?: number): Promise<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    if (this.reenter()) return true;
    const got = await mutexLockAsync(this.view, STATE, deadline);
    if (got) this.becomeOwner(1);
    return got;
  }

  /**
   * Releases one level; the lock is free when the depth reaches 0. `LockReleaseError` if this thread
   * does not hold it.
   *
   * @example
   * ```ts
   * rlock.release();
   * ```
   */
  release(): void {
    if (!this.isOwnedByMe()) {
      throw new LockReleaseError(
        `rlock.release(): this thread (id ${myThreadId}) does not hold the RLock — it was never acquired here, ` +
          `or it was released more times than acquired.`,
      );
    }
    // The depth is only touched by the owner (us), but atomically anyway so another thread's
    // isOwnedByMe/locked snapshot never reads a torn value.
    const depth = Atomics.sub(this.view, DEPTH, 1) - 1;
    if (depth === 0) {
      // Clear the owner before unlocking so it cannot overwrite the next owner's id.
      Atomics.store(this.view, OWNER, NO_OWNER);
      mutexUnlock(this.view, STATE);
    }
  }

  /**
   * Whether some thread holds the lock (a snapshot).
   *
   * @example
   * ```ts
   * console.log(rlock.locked());
   * ```
   */
  locked(): boolean {
    return mutexIsLocked(this.view, STATE);
  }

  /** @internal */
  isOwnedByMe(): boolean {
    // Only this thread can have written its own id into OWNER, so equality is a reliable answer.
    return mutexIsLocked(this.view, STATE) && Atomics.load(this.view, OWNER) === myThreadId;
  }

  /** @internal The threadId holding the lock, undefined when it is free (a snapshot; deadlock reports). */
  ownerThreadId(): number | undefined {
    const owner = Atomics.load(this.view, OWNER);
    return owner === NO_OWNER ? undefined : owner;
  }

  /** @internal Condition.wait: release every level at once; returns the depth to restore. */
  releaseForWait(): number {
    // We own the lock, so no other thread writes DEPTH; atomic so others' snapshots never tear.
    const depth = Atomics.load(this.view, DEPTH);
    Atomics.store(this.view, DEPTH, 1);
    this.release();
    return depth;
  }

  /** @internal */
  restoreAfterWait(depth: number): void {
    this.acquire();
    Atomics.store(this.view, DEPTH, depth); // we own it: only we write DEPTH now
  }

  /** @internal */
  async restoreAfterWaitAsync(depth: number): Promise<void> {
    await this.acquireAsync();
    Atomics.store(this.view, DEPTH, depth); // we own it again: only we write DEPTH now
  }

  private reenter(): boolean {
    if (!this.isOwnedByMe()) return false;
    Atomics.add(this.view, DEPTH, 1); // owner-only write, atomic so snapshots never tear
    return true;
  }

  private becomeOwner(depth: number): void {
    // Publish owner and depth atomically (depth first, so an owner seen is an owner with its depth):
    // other threads' ownership checks read whole values.
    Atomics.store(this.view, DEPTH, depth);
    Atomics.store(this.view, OWNER, myThreadId);
  }

  /** @internal */
  toSharedState(to: Destination): SharedState {
    if (to === "process") throw notSharable("RLock");
    return { __raceLab: "RLock", buffer: this.view.buffer };
  }

  /** @internal */
  static fromSharedState(state: SharedState): RLock {
    const lock = Object.create(RLock.prototype) as RLock;
    lock.view = new Int32Array(state.buffer as SharedArrayBuffer);
    return lock;
  }
}

registerSharable("RLock", (state) => RLock.fromSharedState(state), __filename);
