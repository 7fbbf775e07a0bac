// Lock: Python's threading.Lock over a SharedArrayBuffer, so it works between worker threads.
// One Int32 slot, the lock word: free, or the holder's id and whether anyone sleeps (owner-word.ts).

import { LockReleaseError } from "../core/errors";
import { canBlock } from "../core/environment";
import { blocking, checkNoArguments, deadlineOf, forbidMainThreadBlock, mayBlock, myThreadId, type Steps, waiting } from "./futex";
import { wordHeldByMe, wordOwner, wordSleepSteps, wordSpin, wordTryLock, wordUnlock } from "./owner-word";
import { defineSharable } from "../core/shared-object";
import { BaseLock } from "./synchronized";
import { control } from "./schedule-control";

const WORD = 0; // the lock word (owner-word.ts): free, or the holder's id

/**
 * A mutual-exclusion lock shared between worker threads (Python's `threading.Lock`). Pass it to
 * `runThreads` and every thread gets the same lock.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * await runThreads((counter, lock) => {
 *   for (let i = 0; i < 1000; i++) lock.withLock(() => { counter.value += 1; });
 * }, [[counter, lock], [counter, lock]]);
 * ```
 * Warning: blocking forms (`acquire`, `withLock`) throw `MainThreadBlockError` on the notebook's
 * main thread: use `acquireAsync` / `withLockAsync` there. Unlike Python's Lock, only the thread
 * that acquired it may release it (a `LockReleaseError` otherwise); use a `Semaphore` to signal
 * between threads. Not re-entrant: acquiring it twice in one thread waits for itself (use `RLock`).
 */
export class Lock extends BaseLock {
  /** @internal The shared lock word (owner-word.ts). */
  protected view: Int32Array;

  constructor(...noArguments: []) {
    super();
    checkNoArguments(`new ${new.target.name}()`, noArguments);
    this.view = new Int32Array(new SharedArrayBuffer(this.slots * 4)); // 0: free
  }

  /** @internal How many Int32 slots the lock keeps: the word, and what a subclass adds after it. */
  protected get slots(): number {
    return 1;
  }

  /** @internal The name in messages: `lock.acquire()`. */
  protected get label(): string {
    return "lock";
  }

  /**
   * Takes the lock, blocking this worker until it is free or `timeoutMs` passes.
   * Returns true when acquired, false on timeout. `acquire(0)` only tries (works anywhere).
   *
   * @example
   * ```ts
   * if (lock.acquire(1000)) { try { work(); } finally { lock.release(); } }
   * ```
   * Warning: without a timeout it waits as long as it takes (the run's own timeout still ends it).
   */
  acquire(timeoutMs?: number): boolean {
    // The common case first, with nothing else to check: no timeout, a thread that may block, a free
    // lock: one compareExchange takes it and records us as its owner (owner-word.ts). Kept this small
    // so that V8 inlines it into the caller's loop (measured in bench/ANALYSIS.md, lock-throughput).
    // Not under explore()/replay(): there every acquire must be a scheduling point (forbidMainThreadBlock).
    if (timeoutMs === undefined && control.current === undefined && canBlock() && wordTryLock(this.view, WORD)) {
      return this.tookFreeLock();
    }
    return this.acquireSlowly(timeoutMs);
  }

  private acquireSlowly(timeoutMs: number | undefined): boolean {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    if (this.reentered()) return true;
    forbidMainThreadBlock(`${this.label}.acquire()`, `${this.label}.acquireAsync()`, timeoutMs);
    // acquireSteps written out, so that spinning costs no generator: one is made only to sleep,
    // which costs microseconds anyway.
    const got =
      timeoutMs === 0 ? wordTryLock(this.view, WORD) : wordSpin(this.view, WORD) || blocking(wordSleepSteps(this.view, WORD, deadline));
    return got && this.tookFreeLock();
  }

  /**
   * The Atomics.waitAsync form of {@link acquire}: usable anywhere, including a notebook cell. Without a timeout it alone does
   * not keep Node running (a cell or a run does).
   */
  acquireAsync(timeoutMs?: number): Promise<boolean> {
    return waiting(this.acquireSteps(timeoutMs));
  }

  /** @internal The acquire algorithm, for either driver (futex.ts). */
  *acquireSteps(timeoutMs?: number): Steps<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    if (this.reentered()) return true;
    yield mayBlock(`${this.label}.acquire()`, `${this.label}.acquireAsync()`, timeoutMs);
    const got =
      timeoutMs === 0 ? wordTryLock(this.view, WORD) : wordSpin(this.view, WORD) || (yield* wordSleepSteps(this.view, WORD, deadline));
    return got && this.tookFreeLock();
  }

  /** @internal Whether this thread held the lock already and took it once more (an RLock may). */
  protected reentered(): boolean {
    return false;
  }

  /** @internal Called once the word names this thread, after taking a free lock; returns true. */
  protected tookFreeLock(): boolean {
    return true;
  }

  /** Releases the lock. Throws `LockReleaseError` if this thread does not hold it (including a second release). */
  release(): void {
    // wordUnlock frees the lock only if its word holds our id: a release by another thread, or a
    // second one, changes nothing and is reported.
    if (!wordUnlock(this.view, WORD)) throw notHeld();
  }

  /** Whether some thread holds the lock right now (a snapshot: it may change immediately). */
  locked(): boolean {
    // One atomic read: a whole, current word, though the answer can be outdated at once.
    return Atomics.load(this.view, WORD) !== 0;
  }

  /** @internal Whether the calling thread holds the lock (Condition needs this). */
  isOwnedByMe(): boolean {
    return wordHeldByMe(this.view, WORD);
  }

  /** @internal The threadId holding the lock, undefined when it is free (a snapshot; deadlock reports). */
  ownerThreadId(): number | undefined {
    return wordOwner(this.view, WORD);
  }

  /** @internal Condition.wait: release completely, returning what restoreAfterWait needs. */
  releaseForWait(): number {
    this.release();
    return 1;
  }

  /** @internal Condition.wait: take the lock back after waiting. */
  *restoreSteps(_saved: number): Steps<void> {
    yield* this.acquireSteps();
  }
}

function notHeld(): LockReleaseError {
  return new LockReleaseError(
    `lock.release(): this thread (id ${myThreadId}) does not hold the lock — it was never acquired here, ` +
      `or it was already released. Release exactly once, in a finally block, or use withLock(fn).`,
  );
}

defineSharable(Lock, { name: "Lock", module: __filename, fields: ["view"] });
