// AsyncLock: a lock between async tasks of ONE thread (Python's asyncio.Lock). It wraps the
// `async-mutex` package rather than re-implementing one: it is battle-tested, grants the lock in
// FIFO order (no task starves), supports cancelling waiters, and is tiny with no dependencies.
// No shared memory or Atomics here: within one thread, tasks only switch at `await`.

import type { Mutex, MutexInterface } from "async-mutex";
import { NotSharableError } from "../core/errors";
import { defineSharable } from "../core/shared-object";
import { type LegacyMethodDecorator, methodDecorator } from "./synchronized";
import { checkNoArguments } from "./futex";
import { checkFunction, checkTimeout } from "../core/validate";

/** The function that releases an {@link AsyncLock} acquired with `acquire()`. */
export type AsyncLockRelease = () => void;

/**
 * A lock for async code in one thread (Python's `asyncio.Lock`): a task that `await`s in the
 * middle of a read-modify-write lets other tasks run in between — a race without any threads.
 *
 * @example
 * ```ts
 * const lock = new AsyncLock();
 * let balance = 100;
 * async function withdraw(n: number) {
 *   await lock.withLock(async () => { const b = balance; await sleep(10); balance = b - n; });
 * }
 * await Promise.all([withdraw(10), withdraw(20)]); // balance 70, never 80 or 90
 * ```
 * Warning: only for tasks of the same thread; between worker threads use `Lock`. Not re-entrant:
 * a task that awaits `withLock` inside its own `withLock` waits forever.
 */
export class AsyncLock {
  // async-mutex is loaded on first use: most threads and processes that load race-lab make no AsyncLock.
  private readonly mutex: Mutex = new (require("async-mutex") as typeof import("async-mutex")).Mutex();

  constructor(...noArguments: []) {
    checkNoArguments("new AsyncLock()", noArguments);
  }

  /**
   * Waits for the lock and resolves to the function that releases it. With `timeoutMs`, resolves to
   * `null` if the lock was not free in time.
   *
   * @example
   * ```ts
   * const release = await lock.acquire();
   * try { await work(); } finally { release(); }
   * ```
   * Warning: call the release function exactly once (in `finally`); prefer `withLock`.
   */
  acquire(): Promise<AsyncLockRelease>;
  acquire(timeoutMs: number): Promise<AsyncLockRelease | null>;
  async acquire(timeoutMs?: number): Promise<AsyncLockRelease | null> {
    const ms = checkTimeout("timeoutMs", timeoutMs);
    const pending = this.mutex.acquire();
    if (ms === undefined) return pending;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
    const winner = await Promise.race([pending, timedOut]);
    clearTimeout(timer);
    if (winner === null) {
      // We gave up, but our place in the FIFO queue remains: hand the lock straight back when it comes.
      void pending.then((release) => release());
    }
    return winner;
  }

  /** Runs `fn` holding the lock (Python's `async with lock:`), releasing it when `fn` settles. */
  withLock<T>(fn: () => T | Promise<T>): Promise<T> {
    checkFunction("fn", fn);
    return this.mutex.runExclusive(fn as MutexInterface.Worker<T>);
  }

  /** Whether some task holds the lock right now. */
  isLocked(): boolean {
    return this.mutex.isLocked();
  }

  /**
   * A legacy method decorator for async methods: each call holds the lock until its promise settles.
   *
   * @example
   * ```ts
   * class Account { balance = 100; @lock.synchronized async withdraw(n: number) { this.balance -= n; } }
   * ```
   * Warning: one lock for all instances; a synchronized method awaiting another one on the same lock deadlocks.
   */
  get synchronized(): LegacyMethodDecorator {
    const withLock = (fn: () => unknown) => this.withLock(fn);
    return methodDecorator(
      (method) =>
        function (this: unknown, ...args: unknown[]) {
          return withLock(() => method.apply(this, args));
        },
    );
  }
}

// An AsyncLock cannot travel: it lives in one thread's event loop. (Its kind lets it through to
// `encode`, whose refusal says so, for processes too.)
defineSharable(AsyncLock, {
  name: "AsyncLock",
  module: __filename,
  toProcesses: true,
  encode() {
    throw new NotSharableError(
      "An AsyncLock orders async tasks inside one thread; it cannot be sent to another thread or process. " +
        "Between threads use Lock (or Value.getLock()); between processes use FileLock or a Manager's lock.",
    );
  },
});
