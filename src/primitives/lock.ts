// Lock: Python's threading.Lock over a SharedArrayBuffer, so it works between worker threads.
// Two Int32 slots: the mutex state (see futex.ts) and the owner's threadId.

import { LockReleaseError } from "../core/errors";
import { canBlock } from "../core/environment";
import { checkNoArguments, deadlineOf, forbidMainThreadBlock, myThreadId, mutexIsLocked, mutexLock, mutexLockAsync, mutexTryLock, mutexUnlock, NO_OWNER } from "./futex";
import { type Destination, notSharable, registerSharable, type Sharable, type SharedState } from "../core/shared-object";
import { BaseLock } from "./synchronized";
import { control } from "./schedule-control";

const STATE = 0;
const OWNER = 1;
const SLOTS = 2;

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
export class Lock extends BaseLock implements Sharable {
  /** @internal The shared slots: [state, owner]. */
  protected view: Int32Array;

  constructor(...noArguments: []) {
    super();
    checkNoArguments("new Lock()", noArguments);
    this.view = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.view[OWNER] = NO_OWNER; // not yet shared with anyone: a plain write is enough
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
    // lock: mutexTryLock's compareExchange takes it in one indivisible step (two threads that both see
    // it free cannot both take it). Measured in bench/ (lock-throughput) against a reference mutex.
    // Not under explore()/replay(): there every acquire must be a scheduling point (forbidMainThreadBlock).
    if (timeoutMs === undefined && control.current === undefined && canBlock() && mutexTryLock(this.view, STATE)) {
      this.setOwner();
      return true;
    }
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    forbidMainThreadBlock("lock.acquire()", "lock.acquireAsync()", timeoutMs);
    const got = timeoutMs === 0 ? mutexTryLock(this.view, STATE) : mutexLock(this.view, STATE, deadline);
    if (got) this.setOwner();
    return got;
  }

  /**
   * Takes the lock without blocking the thread (Atomics.waitAsync): usable in a notebook cell.
   *
   * @example
   * ```ts
   * if (await lock.acquireAsync(1000)) { try { counter.value += 1; } finally { lock.release(); } }
   * ```
   * Warning: a pending waitAsync does not keep Node alive by itself; fine inside a cell or a run.
   */
  async acquireAsync(timeoutMs?: number): Promise<boolean> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    const got = await mutexLockAsync(this.view, STATE, deadline);
    if (got) this.setOwner();
    return got;
  }

  /**
   * Releases the lock. Throws `LockReleaseError` if this thread does not hold it (including a second
   * release).
   *
   * @example
   * ```ts
   * lock.acquire(); try { work(); } finally { lock.release(); }
   * ```
   */
  release(): void {
    const view = this.view;
    // Only the owner can have written its own id here, and it clears it before unlocking, so seeing
    // our id means we hold the lock (no separate look at the state is needed). An atomic read: never
    // a torn value, and on x64 as cheap as a plain one (measured: the owner checks cost ~0-10%).
    if (Atomics.load(view, OWNER) !== myThreadId) {
      throw new LockReleaseError(
        `lock.release(): this thread (id ${myThreadId}) does not hold the lock — it was never acquired here, ` +
          `or it was already released. Release exactly once, in a finally block, or use withLock(fn).`,
      );
    }
    // Clear the owner before unlocking: once unlocked, the next owner writes its id, and ours must
    // not overwrite it (a stale-owner race).
    // A plain store is enough: the exchange in mutexUnlock is a full barrier that publishes it before
    // anyone can take the lock, and a thread only ever compares the slot with its own id, which no
    // other thread writes (measured in bench/: two fewer barriers make acquire/release ~40% cheaper).
    view[OWNER] = NO_OWNER;
    mutexUnlock(view, STATE);
  }

  /**
   * Whether some thread holds the lock right now (a snapshot: it may change immediately).
   *
   * @example
   * ```ts
   * console.log(lock.locked());
   * ```
   */
  locked(): boolean {
    return mutexIsLocked(this.view, STATE);
  }

  /** @internal Whether the calling thread holds the lock (Condition needs this). */
  isOwnedByMe(): boolean {
    // An atomic read of the owner slot; only this thread could have stored its own id there.
    return mutexIsLocked(this.view, STATE) && Atomics.load(this.view, OWNER) === myThreadId;
  }

  /** @internal Condition.wait: release completely, returning what restoreAfterWait needs. */
  releaseForWait(): number {
    this.release();
    return 1;
  }

  /** @internal Condition.wait: take the lock back after waiting. */
  restoreAfterWait(_saved: number): void {
    this.acquire();
  }

  /** @internal */
  async restoreAfterWaitAsync(_saved: number): Promise<void> {
    await this.acquireAsync();
  }

  private setOwner(): void {
    // A plain store: the compareExchange that took the lock ordered it, an aligned Int32 write never
    // tears, and the only reader that acts on equality is this thread itself (see release()).
    this.view[OWNER] = myThreadId;
  }

  /** @internal The shared state that travels to a worker thread. */
  toSharedState(to: Destination): SharedState {
    if (to === "process") throw notSharable("Lock");
    return { __raceLab: "Lock", buffer: this.view.buffer };
  }

  /** @internal Rebuilds a Lock around shared state received from another thread. */
  static fromSharedState(state: SharedState): Lock {
    const lock = Object.create(Lock.prototype) as Lock;
    lock.view = new Int32Array(state.buffer as SharedArrayBuffer);
    return lock;
  }
}

registerSharable("Lock", (state) => Lock.fromSharedState(state), __filename);
