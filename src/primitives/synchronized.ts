// The three ways to use any lock, written once: acquire/release by hand, `withLock(fn)` (Python's
// `with lock:`), and decorators (`@lock.synchronized`, `synchronized(lock)`, `locked(lock, fn)`).

import { canBlock } from "../core/environment";
import { type Guard, registerGuarded } from "../core/guarded";
import { MainThreadBlockError, RaceLabArgumentError } from "../core/errors";
import { checkFunction } from "../core/validate";

/** What every thread lock offers: the minimum the decorators below need. */
export interface Lockable {
  acquire(timeoutMs?: number): boolean;
  acquireAsync(timeoutMs?: number): Promise<boolean>;
  release(): void;
}

/** A legacy (experimentalDecorators) method decorator, as tslab compiles `@decorator` on a method. */
export type LegacyMethodDecorator = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => PropertyDescriptor;

function checkLock(name: string, value: unknown): void {
  const v = value as Partial<Lockable> | null | undefined;
  if (typeof v?.acquire !== "function" || typeof v.release !== "function" || typeof v.acquireAsync !== "function") {
    throw new RaceLabArgumentError(name, "a Lock, RLock, Semaphore or Condition", value);
  }
}

/** @internal A legacy method decorator that replaces the decorated method with `wrap(method)`. */
export function methodDecorator(wrap: (method: (...args: any[]) => any) => unknown): LegacyMethodDecorator {
  return (target, key, descriptor) => {
    const original: unknown = descriptor?.value;
    if (typeof original !== "function") {
      throw new RaceLabArgumentError("the decorated member", "a method (not a field or an accessor)", original);
    }
    return { ...descriptor, value: wrap(original as (...args: any[]) => any) };
  };
}

/** Runs `fn` holding `lock` (blocking acquire), releasing in `finally`. */
function runLocked<T>(lock: Lockable, fn: () => T): T {
  lock.acquire();
  try {
    return fn();
  } finally {
    lock.release();
  }
}

/** Runs `fn` holding `lock` (Atomics.waitAsync acquire), releasing in `finally` after it settles. */
async function runLockedAsync<T>(lock: Lockable, fn: () => T | Promise<T>): Promise<T> {
  await lock.acquireAsync();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/**
 * Wraps a function so every call holds `lock` (Python's `@synchronized` applied to a plain function).
 * A plain function takes the lock by blocking; an `async` function awaits it.
 *
 * @example
 * ```ts
 * const deposit = locked(lock, (account: Value, amount: number) => { account.value += amount; });
 * ```
 * Warning: a plain (non-async) wrapped function called on the main thread throws
 * `MainThreadBlockError`, because taking the lock might block the notebook: make it `async`.
 */
export function locked<F extends (...args: any[]) => any>(lock: Lockable, fn: F): F {
  checkLock("lock", lock);
  checkFunction("fn", fn);
  const name = fn.name || "function";
  const isAsync = fn.constructor?.name === "AsyncFunction";
  const wrapper = isAsync
    ? async function (this: unknown, ...args: unknown[]) {
        return runLockedAsync(lock, () => fn.apply(this, args));
      }
    : function (this: unknown, ...args: unknown[]) {
        if (!canBlock())
          throw new MainThreadBlockError(
            `calling the locked function ${name}()`,
            "an async function wrapped with locked(lock, async (...) => ...)",
          );
        return runLocked(lock, () => fn.apply(this, args));
      };
  Object.defineProperty(wrapper, "name", { value: name });
  // So that the wrapped function can be sent to runThreads / a Pool: the lock travels with it.
  registerGuarded(wrapper, fn, lock as unknown as Guard);
  return wrapper as unknown as F;
}

/**
 * Legacy method decorator factory: every call of the decorated method holds `lock`. Synchronous
 * methods take it by blocking (worker threads); `async` methods await it (anywhere).
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * class Account {
 *   balance = 0;
 *   @synchronized(lock) deposit(n: number) { this.balance += n; }
 * }
 * ```
 * Warning: one lock for every instance (as with a module-level lock in Python). A synchronous
 * method that calls another method synchronized on the same `Lock` deadlocks: use an `RLock`.
 */
export function synchronized(lock: Lockable): LegacyMethodDecorator {
  checkLock("lock", lock);
  return methodDecorator((method) => locked(lock, method));
}

/**
 * The base of every thread lock (Lock, RLock, Semaphore, Condition): given `acquire`/`release`/
 * `acquireAsync`, it adds `withLock`, `withLockAsync` and the `synchronized` decorator.
 *
 * @example
 * ```ts
 * lock.withLock(() => { counter.value += 1; });          // in a worker
 * await lock.withLockAsync(async () => { counter.value += 1; }); // anywhere
 * ```
 * Warning: `withLock` blocks while it waits: on the notebook's main thread it throws MainThreadBlockError, so use
 * `withLockAsync` there.
 */
export abstract class BaseLock implements Lockable {
  abstract acquire(timeoutMs?: number): boolean;
  abstract acquireAsync(timeoutMs?: number): Promise<boolean>;
  abstract release(): void;

  /** Python's `with lock:` — runs `fn` holding the lock and releases it in `finally`, even if `fn` throws. */
  withLock<T>(fn: () => T): T {
    checkFunction("fn", fn);
    return runLocked(this, fn);
  }

  /**
   * The Atomics.waitAsync form of {@link withLock}, usable anywhere; `fn` may be async and the lock is held until it settles.
   * Warning: on the main thread, every async task counts as the same thread (id 0).
   */
  withLockAsync<T>(fn: () => T | Promise<T>): Promise<T> {
    checkFunction("fn", fn);
    return runLockedAsync(this, fn);
  }

  /** The legacy method decorator `@lock.synchronized`: every call of the method holds this lock (see {@link synchronized}). */
  get synchronized(): LegacyMethodDecorator {
    return synchronized(this);
  }
}
