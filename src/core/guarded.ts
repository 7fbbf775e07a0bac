// Functions wrapped so that every call holds a lock (`locked(lock, fn)`, `interprocessLocked(path)(fn)`)
// must still travel to threads and processes: a wrapper's own source is generic (`(...args) => …`) and
// would lose both the function and the lock. The wrappers record here what they wrap and with what;
// travel.ts sends the inner function's source plus the lock, and rebuilds the wrapper on the other side.

/** A lock a guarded function holds around each call: anything with the `withLock` forms. */
export interface Guard {
  withLock<T>(fn: () => T): T;
  withLockAsync<T>(fn: () => T | Promise<T>): Promise<T>;
}

/** @internal What a guarded wrapper wraps, and the lock it holds. */
export interface GuardedInfo {
  inner: (...args: any[]) => unknown;
  guard: Guard;
}

const guarded = new WeakMap<(...args: any[]) => unknown, GuardedInfo>();

/**
 * @internal Records that `wrapper` calls `inner` holding `guard`, so the wrapper can travel.
 */
export function registerGuarded(wrapper: (...args: any[]) => unknown, inner: (...args: any[]) => unknown, guard: Guard): void {
  guarded.set(wrapper, { inner, guard });
}

/**
 * @internal What `fn` wraps, if it is a guarded wrapper (else undefined).
 */
export function guardedInfo(fn: (...args: any[]) => unknown): GuardedInfo | undefined {
  return guarded.get(fn);
}
