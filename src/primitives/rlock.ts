// RLock: Python's threading.RLock — a lock the owning thread may take again; it is free once
// released as many times as it was acquired. Two Int32 slots: Lock's lock word, and the depth.

import { LockReleaseError } from "../core/errors";
import { blocking, checkNoArguments, deadlineOf, mayBlock, myThreadId, type Steps, waiting } from "./futex";
import { wordHeldByMe, wordOwner, wordSleepSteps, wordSpin, wordTryLock, wordUnlock } from "./owner-word";
import { defineSharable } from "../core/shared-object";
import { BaseLock } from "./synchronized";
import { canBlock } from "../core/environment";
import { control } from "./schedule-control";

const WORD = 0; // the lock word (owner-word.ts): free, or the holder's id
const DEPTH = 1; // how many times the holder has acquired it
const SLOTS = 2;

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
export class RLock extends BaseLock {
  /** @internal The shared slots: [lock word, depth]. */
  protected view: Int32Array;

  constructor(...noArguments: []) {
    super();
    checkNoArguments("new RLock()", noArguments);
    this.view = new Int32Array(new SharedArrayBuffer(SLOTS * 4)); // 0: free
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
    // As in Lock.acquire, the common case needs no generator: a free lock, no timeout, a thread that
    // may block, not under explore()/replay() (where every acquire is a scheduling point).
    if (timeoutMs === undefined && control.current === undefined && canBlock() && wordTryLock(this.view, WORD)) {
      Atomics.store(this.view, DEPTH, 1); // the word names us: the depth is ours alone to write
      return true;
    }
    return blocking(this.acquireSteps(timeoutMs));
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
  acquireAsync(timeoutMs?: number): Promise<boolean> {
    return waiting(this.acquireSteps(timeoutMs));
  }

  /** @internal The acquire algorithm, for either driver (futex.ts). */
  *acquireSteps(timeoutMs?: number): Steps<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    if (this.isOwnedByMe()) {
      Atomics.add(this.view, DEPTH, 1); // owner-only write, atomic so snapshots never tear
      return true;
    }
    yield mayBlock("rlock.acquire()", "rlock.acquireAsync()", timeoutMs);
    const got = timeoutMs === 0 ? wordTryLock(this.view, WORD) : wordSpin(this.view, WORD) || (yield* wordSleepSteps(this.view, WORD, deadline));
    // The word already names us as the owner; the depth is ours alone to write from now on.
    if (got) Atomics.store(this.view, DEPTH, 1);
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
    // The last level frees the word, owner and all, in one step (owner-word.ts).
    if (Atomics.sub(this.view, DEPTH, 1) === 1) wordUnlock(this.view, WORD);
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
    return Atomics.load(this.view, WORD) !== 0; // one atomic read: whole and current, maybe outdated at once
  }

  /** @internal */
  isOwnedByMe(): boolean {
    return wordHeldByMe(this.view, WORD);
  }

  /** @internal The threadId holding the lock, undefined when it is free (a snapshot; deadlock reports). */
  ownerThreadId(): number | undefined {
    return wordOwner(this.view, WORD);
  }

  /** @internal Condition.wait: release every level at once; returns the depth to restore. */
  releaseForWait(): number {
    // We own the lock, so no other thread writes DEPTH; atomic so others' snapshots never tear.
    const depth = Atomics.load(this.view, DEPTH);
    Atomics.store(this.view, DEPTH, 1);
    this.release();
    return depth;
  }

  /** @internal Condition.wait: take the lock back after waiting, at the depth it had. */
  *restoreSteps(depth: number): Steps<void> {
    yield* this.acquireSteps();
    Atomics.store(this.view, DEPTH, depth); // we own it again: only we write DEPTH now
  }
}

defineSharable(RLock, { name: "RLock", module: __filename, fields: ["view"] });
