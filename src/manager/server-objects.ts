// The manager server's own objects: Queue, Lock and Semaphore, which it serves to every client. Each
// method gets the calling connection first: a lock's holder is a connection, and a waiter whose
// connection closes must not later take an item or the lock.

import type * as net from "net";
import { LockReleaseError } from "../core/errors";
import type { BuiltinKind } from "./protocol";

/** One connected client (a process or a thread). */
export interface Connection {
  readonly id: number;
  readonly socket: net.Socket;
  open: boolean;
}

/** An error with a Python-like name that the client shows as `RemoteError` with this `remoteName`. */
export function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface Waiter<T> {
  conn: Connection;
  grant: (value: T) => void;
}

/** Removes `waiter` from `list` and answers it with `value` after `ms` (unless granted first). */
function waitWithTimeout<T>(list: Waiter<T>[], conn: Connection, ms: number, onTimeout: () => T | Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter<T> = {
      conn,
      grant: (value) => {
        clearTimeout(timer);
        resolve(value);
      },
    };
    const timer = setTimeout(() => {
      const at = list.indexOf(waiter);
      if (at >= 0) list.splice(at, 1);
      const outcome = onTimeout();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    }, ms);
    list.push(waiter);
  });
}

/** Drops the waiters of a closed connection: they must not be granted anything. */
function dropWaiters<T>(list: Waiter<T>[], conn: Connection): void {
  for (let i = list.length - 1; i >= 0; i--) if (list[i].conn === conn) list.splice(i, 1);
}

export abstract class Builtin {
  abstract readonly methods: readonly string[];
  abstract disconnected(conn: Connection): void;
}

class ServerQueue extends Builtin {
  readonly methods = ["put", "get", "qsize", "empty"] as const;
  private items: unknown[] = [];
  private getters: Waiter<unknown>[] = [];
  private putters: Waiter<void>[] = [];

  constructor(private readonly maxsize: number) {
    super();
  }

  async put(conn: Connection, item: unknown, timeoutMs: number): Promise<void> {
    while (this.maxsize > 0 && this.items.length >= this.maxsize) {
      await waitWithTimeout(this.putters, conn, timeoutMs, () =>
        named(
          "Full",
          `queue.put(): no room within ${timeoutMs} ms (the queue stayed full at maxsize ${this.maxsize}). Python raises queue.Full here.`,
        ),
      );
    }
    const getter = this.getters.shift();
    if (getter)
      getter.grant(item); // hand it straight to the oldest waiting get
    else this.items.push(item);
  }

  async get(conn: Connection, timeoutMs: number): Promise<unknown> {
    if (this.items.length > 0) {
      const item = this.items.shift();
      this.putters.shift()?.grant();
      return item;
    }
    return waitWithTimeout(this.getters, conn, timeoutMs, () =>
      named("Empty", `queue.get(): nothing arrived within ${timeoutMs} ms (the queue stayed empty). Python raises queue.Empty here.`),
    );
  }

  qsize(): number {
    return this.items.length;
  }

  empty(): boolean {
    return this.items.length === 0;
  }

  disconnected(conn: Connection): void {
    dropWaiters(this.getters, conn);
    dropWaiters(this.putters, conn);
  }
}

class ServerLock extends Builtin {
  readonly methods = ["acquire", "release", "locked"] as const;
  private holder: Connection | undefined;
  private waiters: Waiter<boolean>[] = [];

  async acquire(conn: Connection, timeoutMs: number): Promise<boolean> {
    if (!this.holder) {
      this.holder = conn;
      return true;
    }
    if (timeoutMs === 0) return false;
    return waitWithTimeout(this.waiters, conn, timeoutMs, () => false);
  }

  release(conn: Connection): void {
    if (this.holder !== conn) {
      throw new LockReleaseError(
        this.holder
          ? "lock.release(): another process (or thread) holds this manager Lock; only its holder may release it."
          : "lock.release(): the manager Lock is not held: it was never acquired, or it was already released.",
      );
    }
    this.handOver();
  }

  locked(): boolean {
    return this.holder !== undefined;
  }

  disconnected(conn: Connection): void {
    dropWaiters(this.waiters, conn);
    if (this.holder === conn) this.handOver(); // its process ended while holding it
  }

  private handOver(): void {
    const next = this.waiters.shift();
    this.holder = next?.conn;
    next?.grant(true);
  }
}

class ServerSemaphore extends Builtin {
  readonly methods = ["acquire", "release", "value"] as const;
  private waiters: Waiter<boolean>[] = [];

  constructor(private permits: number) {
    super();
  }

  async acquire(conn: Connection, timeoutMs: number): Promise<boolean> {
    if (this.permits > 0) {
      this.permits--;
      return true;
    }
    if (timeoutMs === 0) return false;
    return waitWithTimeout(this.waiters, conn, timeoutMs, () => false);
  }

  release(_conn: Connection, n: number): void {
    for (let i = 0; i < n; i++) {
      const next = this.waiters.shift();
      if (next)
        next.grant(true); // the permit goes straight to a waiter
      else this.permits++;
    }
  }

  value(): number {
    return this.permits;
  }

  disconnected(conn: Connection): void {
    dropWaiters(this.waiters, conn);
  }
}

export function makeBuiltin(kind: BuiltinKind, args: unknown[]): Builtin {
  if (kind === "Queue") return new ServerQueue(args[0] as number);
  if (kind === "Lock") return new ServerLock();
  if (kind === "Semaphore") return new ServerSemaphore(args[0] as number);
  throw new Error(`no built-in manager object named ${String(kind)}`);
}
