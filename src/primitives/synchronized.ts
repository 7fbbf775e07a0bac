// The three ways to use any lock, written once: acquire/release by hand, `withLock(fn)` (Python's
// `with lock:`), and decorators (`@lock.synchronized`, `synchronized(lock)`, `locked(lock, fn)`).
// Plus `ContextDecorator`, the TypeScript mirror of Python's contextlib.ContextDecorator.

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

function isLockable(value: unknown): value is Lockable {
  const v = value as Lockable | null;
  return typeof v === "object" && v !== null && typeof v.acquire === "function" && typeof v.release === "function" && typeof v.acquireAsync === "function";
}

function checkLock(name: string, value: unknown): Lockable {
  if (!isLockable(value)) throw new RaceLabArgumentError(name, "a Lock, RLock, Semaphore or Condition", value);
  return value;
}

function isAsyncFunction(fn: Function): boolean {
  return fn.constructor?.name === "AsyncFunction";
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
 * Wraps a function so every call holds `lock`: Python's `@synchronized`-style decorator applied to a
 * plain function. A plain function takes the lock by blocking (worker threads); an `async` function
 * awaits it (works anywhere, including a notebook cell).
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
  const wrapper = isAsyncFunction(fn)
    ? async function (this: unknown, ...args: unknown[]) {
        return runLockedAsync(lock, () => fn.apply(this, args));
      }
    : function (this: unknown, ...args: unknown[]) {
        if (!canBlock()) throw new MainThreadBlockError(`calling the locked function ${name}()`, "an async function wrapped with locked(lock, async (...) => ...)");
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
  return (target, key, descriptor) => {
    const original = descriptor?.value;
    if (typeof original !== "function") {
      throw new RaceLabArgumentError("the decorated member", "a method (synchronized decorates methods, not fields or accessors)", original);
    }
    return { ...descriptor, value: locked(lock, original) };
  };
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

  /**
   * Python's `with lock:` — runs `fn` holding the lock and releases it in `finally`, even if `fn`
   * throws. Blocks while waiting, so worker threads only.
   *
   * @example
   * ```ts
   * lock.withLock(() => { const v = counter.value; counter.value = v + 1; });
   * ```
   * Warning: on the main thread this throws `MainThreadBlockError`: use `withLockAsync`.
   */
  withLock<T>(fn: () => T): T {
    checkFunction("fn", fn);
    return runLocked(this, fn);
  }

  /**
   * Like {@link withLock} but waits with `Atomics.waitAsync`, so it works anywhere; `fn` may be async
   * and the lock is held until its promise settles.
   *
   * @example
   * ```ts
   * await lock.withLockAsync(async () => { counter.value += 1; });
   * ```
   * Warning: on the main thread, every async task counts as the same thread (id 0).
   */
  withLockAsync<T>(fn: () => T | Promise<T>): Promise<T> {
    checkFunction("fn", fn);
    return runLockedAsync(this, fn);
  }

  /**
   * The legacy method decorator `@lock.synchronized`: every call of the method holds this lock.
   *
   * @example
   * ```ts
   * class Counter { n = 0; @lock.synchronized inc() { this.n += 1; } }
   * ```
   * Warning: see {@link synchronized}.
   */
  get synchronized(): LegacyMethodDecorator {
    return synchronized(this);
  }
}

/**
 * Python's `contextlib.ContextDecorator`: subclass it with `enter()` and `exit()`, then use an
 * instance around a block (`run(fn)`), as a function wrapper (`wrap(fn)`) or as a legacy method
 * decorator (`@instance.decorator`). The lesson's `class SimpleLock(ContextDecorator)` becomes:
 *
 * @example
 * ```ts
 * class SimpleLock extends ContextDecorator {
 *   constructor(private lock: Lock) { super(); }
 *   enter() { this.lock.acquire(); }
 *   exit() { this.lock.release(); }
 * }
 * const guard = new SimpleLock(lock);
 * guard.run(() => { counter.value += 1; });
 * ```
 * Warning: `exit` runs in `finally`; if `fn` returns a promise, `exit` waits for it to settle.
 */
export abstract class ContextDecorator {
  /** Python's `__enter__`: runs before the block. */
  abstract enter(): void;
  /** Python's `__exit__`: runs after the block, also when it threw (the error is passed in). */
  abstract exit(error?: unknown): void;

  /**
   * Runs `fn` between `enter()` and `exit()` (Python's `with cm: ...`).
   *
   * @example
   * ```ts
   * guard.run(() => work());
   * ```
   */
  run<T>(fn: () => T): T {
    checkFunction("fn", fn);
    this.enter();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.exit(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => (this.exit(), v),
        (e) => {
          this.exit(e);
          throw e;
        },
      ) as T;
    }
    this.exit();
    return result;
  }

  /**
   * Returns `fn` wrapped so that every call runs inside this context (Python's `@cm` on a function).
   *
   * @example
   * ```ts
   * const safeIncrement = guard.wrap(() => { counter.value += 1; });
   * ```
   */
  wrap<F extends (...args: any[]) => any>(fn: F): F {
    checkFunction("fn", fn);
    const run = <T>(body: () => T) => this.run(body);
    return function (this: unknown, ...args: unknown[]) {
      return run(() => fn.apply(this, args));
    } as unknown as F;
  }

  /**
   * A legacy method decorator: `@guard.decorator` runs every call of the method inside this context.
   *
   * @example
   * ```ts
   * class Counter { n = 0; @guard.decorator inc() { this.n += 1; } }
   * ```
   */
  get decorator(): LegacyMethodDecorator {
    return (target, key, descriptor) => {
      const original = descriptor?.value;
      if (typeof original !== "function") {
        throw new RaceLabArgumentError("the decorated member", "a method", original);
      }
      return { ...descriptor, value: this.wrap(original) };
    };
  }
}
