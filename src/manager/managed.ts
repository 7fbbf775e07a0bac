// The manager's own objects (Python's manager.Queue(), manager.Lock(), manager.Semaphore()): proxies
// with typed methods, every call async.
import { checkFunction, checkInteger, checkTimeout } from "../core/validate";
import { callRemote, type ProxyAddress } from "./client";
import { ManagerError } from "./errors";

/** Extra time a client gives the server beyond a server-side wait (queue get, lock acquire). */
const ANSWER_MARGIN_MS = 5_000;

/** The common part of the manager's own objects (Queue, Lock, Semaphore): an address and a call. */
/** @internal */
export abstract class ManagedObject {
  /** @internal */
  constructor(protected readonly address: ProxyAddress) {}

  toString(): string {
    return `<manager ${this.address.kind} #${this.address.objectId}>`;
  }

  protected call<R>(method: string, args: unknown[], timeoutMs?: number): Promise<R> {
    return callRemote(this.address, method, args, timeoutMs) as Promise<R>;
  }

  /** Python's `with lock:` for the manager's Lock and Semaphore: acquire, run `fn`, release after it settles. */
  protected async holding<R>(fn: () => R | Promise<R>, failure: string, why: string): Promise<Awaited<R>> {
    checkFunction("fn", fn);
    const self = this as unknown as { acquire(): Promise<boolean>; release(): Promise<void> };
    if (!(await self.acquire())) {
      throw new ManagerError(
        `manager ${this.address.kind} #${this.address.objectId}: ${failure} within ${this.address.timeoutMs} ms${why ? ` ${why}` : ""}.`,
      );
    }
    try {
      return await fn();
    } finally {
      await self.release();
    }
  }

  /** How long the server may wait: the caller's timeout, or this manager's timeout. */
  protected serverWait(name: string, timeoutMs: unknown): number {
    return checkTimeout(name, timeoutMs, this.address.timeoutMs);
  }
}

/**
 * A queue that lives in the manager (Python's `manager.Queue()`): any process or thread holding it
 * can put and get. Items are copied (structured clone).
 *
 * @example
 * ```ts
 * const q = await manager.Queue();
 * await runProcesses(async (q) => { await q.put(process.pid); }, [[q], [q]]);
 * console.log(await q.get(1000), await q.get(1000));
 * ```
 * Warning: every call is async (`await q.get()`), even inside a child process. `get` without a
 * timeout waits at most the manager's `timeoutMs`, then rejects with a `RemoteError` named "Empty".
 */
export class ManagedQueue<T = unknown> extends ManagedObject {
  /**
   * Adds `item`; with a `maxsize`, waits up to `timeoutMs` for room (`RemoteError` "Full" after).
   *
   * @example
   * ```ts
   * await q.put({ job: 1 });
   * ```
   */
  put(item: T, timeoutMs?: number): Promise<void> {
    const wait = this.serverWait("timeoutMs", timeoutMs);
    return this.call("put", [item, wait], wait + ANSWER_MARGIN_MS);
  }

  /**
   * Removes and returns the oldest item, waiting up to `timeoutMs` for one (`RemoteError` "Empty" after).
   *
   * @example
   * ```ts
   * const job = await q.get(1000);
   * ```
   */
  get(timeoutMs?: number): Promise<T> {
    const wait = this.serverWait("timeoutMs", timeoutMs);
    return this.call("get", [wait], wait + ANSWER_MARGIN_MS);
  }

  /**
   * How many items are waiting (a snapshot).
   *
   * @example
   * ```ts
   * console.log(await q.qsize());
   * ```
   */
  qsize(): Promise<number> {
    return this.call("qsize", []);
  }

  /**
   * Whether the queue is empty (a snapshot: another process may put right after).
   *
   * @example
   * ```ts
   * if (await q.empty()) console.log("nothing yet");
   * ```
   */
  empty(): Promise<boolean> {
    return this.call("empty", []);
  }
}

/**
 * A lock that lives in the manager (Python's `manager.Lock()`): it works across processes because
 * every acquire and release is decided in the one server process.
 *
 * @example
 * ```ts
 * const lock = await manager.Lock();
 * await lock.withLock(async () => { const c = await pool.get(); await pool.put(c); });
 * ```
 * Warning: every call is async. The holder is the client connection (one per process or thread):
 * a different process cannot release it (`RemoteError` "LockReleaseError"). A process that ends
 * while holding it releases it (the server sees its connection close).
 */
export class ManagedLock extends ManagedObject {
  /**
   * Takes the lock, waiting up to `timeoutMs` (default: the manager's timeout). Resolves false on timeout.
   *
   * @example
   * ```ts
   * if (await lock.acquire(1000)) { try { await work(); } finally { await lock.release(); } }
   * ```
   */
  acquire(timeoutMs?: number): Promise<boolean> {
    const wait = this.serverWait("timeoutMs", timeoutMs);
    return this.call("acquire", [wait], wait + ANSWER_MARGIN_MS);
  }

  /**
   * Releases the lock (`RemoteError` "LockReleaseError" if this client does not hold it).
   *
   * @example
   * ```ts
   * await lock.release();
   * ```
   */
  release(): Promise<void> {
    return this.call("release", []);
  }

  /**
   * Whether some client holds the lock (a snapshot).
   *
   * @example
   * ```ts
   * console.log(await lock.locked());
   * ```
   */
  locked(): Promise<boolean> {
    return this.call("locked", []);
  }

  /**
   * Python's `with lock:` — runs `fn` (which may be async) holding the lock, releasing it after.
   *
   * @example
   * ```ts
   * await lock.withLock(async () => { const c = await pool.get(); used.push(c); });
   * ```
   * Warning: rejects with `ManagerError` if the lock is not free within the manager's timeout.
   */
  withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    return this.holding(fn, "not acquired", "(someone holds it that long)");
  }
}

/**
 * A counting semaphore that lives in the manager (Python's `manager.Semaphore(n)`).
 *
 * @example
 * ```ts
 * const slots = await manager.Semaphore(2);
 * await slots.withLock(async () => { await useConnection(); });
 * ```
 * Warning: every call is async; like Python's, any client may release (no owner), and permits held
 * by a process that ends are not given back.
 */
export class ManagedSemaphore extends ManagedObject {
  /**
   * Takes one permit, waiting up to `timeoutMs` (default: the manager's timeout); false on timeout.
   *
   * @example
   * ```ts
   * if (await slots.acquire(1000)) { try { await work(); } finally { await slots.release(); } }
   * ```
   */
  acquire(timeoutMs?: number): Promise<boolean> {
    const wait = this.serverWait("timeoutMs", timeoutMs);
    return this.call("acquire", [wait], wait + ANSWER_MARGIN_MS);
  }

  /**
   * Gives back `n` permits.
   *
   * @example
   * ```ts
   * await slots.release();
   * ```
   */
  release(n = 1): Promise<void> {
    checkInteger("n", n, 1, 1_000_000);
    return this.call("release", [n]);
  }

  /**
   * The permits free right now (a snapshot).
   *
   * @example
   * ```ts
   * console.log(await slots.value());
   * ```
   */
  value(): Promise<number> {
    return this.call("value", []);
  }

  /**
   * Runs `fn` holding one permit, giving it back after.
   *
   * @example
   * ```ts
   * await slots.withLock(async () => { await useConnection(); });
   * ```
   */
  withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    return this.holding(fn, "no permit", "");
  }
}
