// Python fasteners' @interprocess_locked(path): a function (or method) whose every call holds a FileLock.
import { canBlock } from "../core/environment";
import { RaceLabArgumentError } from "../core/errors";
import { registerGuarded } from "../core/guarded";
import { FileLock } from "./file-lock";

type AnyFunction = (...args: any[]) => any;

function wrapWithFileLock<F extends AnyFunction>(lock: FileLock, fn: F): F {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    if (!canBlock()) return lock.withLockAsync(() => fn.apply(this, args));
    lock.acquire();
    let result: unknown;
    try {
      result = fn.apply(this, args);
    } catch (error) {
      lock.release();
      throw error;
    }
    if (result instanceof Promise) return result.finally(() => lock.release());
    lock.release();
    return result;
  };
  Object.defineProperty(wrapped, "name", { value: fn.name });
  // So that the wrapped function can be sent to runProcesses / a Pool: the lock travels by path.
  registerGuarded(wrapped, fn, lock);
  return wrapped as unknown as F;
}

/**
 * Python fasteners' `@interprocess_locked(path)`: every call of the function (or method) holds the
 * file lock at `path`, so calls from different processes never overlap. Use it on a function
 * (`interprocessLocked(path)(fn)`) or as a legacy method decorator (`@interprocessLocked(path)`).
 *
 * @example
 * ```ts
 * await runProcesses((file, lockPath, n) => {
 *   const bump = race_lab_1.interprocessLocked(lockPath)(() => {
 *     const fs = require("fs");
 *     fs.writeFileSync(file, String(Number(fs.readFileSync(file, "utf8")) + 1));
 *   });
 *   for (let i = 0; i < n; i++) bump();
 * }, [[file, lock.path, 1000], [file, lock.path, 2000]]);
 * ```
 * Warning: in a child process or worker it blocks while waiting and returns what `fn` returns
 * (an async `fn` keeps the lock until its promise settles). On the notebook's main thread the wrapped
 * function returns a Promise instead, because the main thread must not block. Without `path`, the
 * lock is a fresh per-run file that only this process knows: pass a path (or a FileLock) to lock
 * across processes.
 */
export function interprocessLocked(
  lockPath?: string | FileLock,
): <F extends AnyFunction>(fnOrTarget: F | object, key?: string | symbol, descriptor?: PropertyDescriptor) => any {
  const lock = lockPath instanceof FileLock ? lockPath : new FileLock(lockPath);
  return function decorate(fnOrTarget: unknown, key?: string | symbol, descriptor?: PropertyDescriptor): any {
    if (typeof fnOrTarget === "function" && key === undefined) return wrapWithFileLock(lock, fnOrTarget as AnyFunction);
    if (descriptor && typeof descriptor.value === "function") {
      return { ...descriptor, value: wrapWithFileLock(lock, descriptor.value) };
    }
    throw new RaceLabArgumentError(
      "interprocessLocked(path)(…)",
      "a function, or a method when used as a decorator (@interprocessLocked(path))",
      descriptor ? descriptor.value : fnOrTarget,
    );
  };
}
