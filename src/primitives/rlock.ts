// RLock: Python's threading.RLock — a lock the owning thread may take again; it is free once
// released as many times as it was acquired. Lock's word in slot 0, the depth in slot 1.

import { LockReleaseError } from "../core/errors";
import { myThreadId, type Steps } from "./futex";
import { wordUnlock } from "./owner-word";
import { defineSharable } from "../core/shared-object";
import { Lock } from "./lock";

const WORD = 0; // Lock's word (owner-word.ts): free, or the holder's id
const DEPTH = 1; // how many times the holder has acquired it

/**
 * A re-entrant lock shared between worker threads (Python's `threading.RLock`): a {@link Lock} whose
 * holder may acquire it again (a synchronized method calling another one), and must release it as
 * many times.
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
export class RLock extends Lock {
  /** @internal The word, then the depth. */
  protected override get slots(): number {
    return 2;
  }

  /** @internal The name in messages: `rlock.acquire()`. */
  protected override get label(): string {
    return "rlock";
  }

  /** @internal The holder takes it again: one level more. */
  protected override reentered(): boolean {
    if (!this.isOwnedByMe()) return false;
    Atomics.add(this.view, DEPTH, 1); // owner-only write, atomic so snapshots never tear
    return true;
  }

  /** @internal The word already names us as the owner; the depth is ours alone to write from now on. */
  protected override tookFreeLock(): boolean {
    Atomics.store(this.view, DEPTH, 1);
    return true;
  }

  /** Releases one level; the lock is free when the depth reaches 0. `LockReleaseError` if this thread does not hold it. */
  override release(): void {
    if (!this.isOwnedByMe()) {
      throw new LockReleaseError(
        `rlock.release(): this thread (id ${myThreadId}) does not hold the RLock — it was never acquired here, ` +
          `or it was released more times than acquired.`,
      );
    }
    // The depth is only touched by the owner (us), but atomically anyway so another thread's
    // isOwnedByMe/locked snapshot never reads a torn value.
    // The last level frees the word, owner and all, in one step (owner-word.ts).
    if (Atomics.sub(this.view, DEPTH, 1) === 1) wordUnlock(this.view, WORD);
  }

  /** @internal Condition.wait: release every level at once; returns the depth to restore. */
  override releaseForWait(): number {
    // We own the lock, so no other thread writes DEPTH; atomic so others' snapshots never tear.
    const depth = Atomics.load(this.view, DEPTH);
    Atomics.store(this.view, DEPTH, 1);
    this.release();
    return depth;
  }

  /** @internal Condition.wait: take the lock back after waiting, at the depth it had. */
  override *restoreSteps(depth: number): Steps<void> {
    yield* this.acquireSteps();
    Atomics.store(this.view, DEPTH, depth); // we own it again: only we write DEPTH now
  }
}

defineSharable(RLock, { name: "RLock", module: __filename, fields: ["view"] });
