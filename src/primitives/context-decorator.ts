// ContextDecorator: Python's contextlib.ContextDecorator — an enter/exit pair used around a block,
// as a function wrapper, or as a method decorator.

import { checkFunction } from "../core/validate";
import { type LegacyMethodDecorator, methodDecorator } from "./synchronized";

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

  /** Runs `fn` between `enter()` and `exit()` (Python's `with cm: ...`). */
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

  /** Returns `fn` wrapped so that every call runs inside this context (Python's `@cm` on a function). */
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
    return methodDecorator((method) => this.wrap(method));
  }
}
