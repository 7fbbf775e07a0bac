// The manager's server process (forked by Manager.start from src/dist/manager/manager-server.js): it owns
// the objects and runs their methods, for every client, on its one thread and one event loop. See
// protocol.ts for the protocol.
//
// Every request is handled as soon as it arrives, without waiting for earlier ones to finish: a
// method runs to its end or to its first `await` before the next request starts, and a method that
// awaits gives way to other calls (from any client) until it resumes. So a method with an `await`
// between "read the list" and "pop it" races, and one without cannot. Python's manager differs: it
// runs each connection's calls in a thread of its own, which may interleave wherever the interpreter
// switches threads.

import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { LockReleaseError } from "../core/errors";
import { encodeFrame, FrameReader, type BuiltinKind, type ManagerRequest, type ManagerResponse } from "./protocol";
import { reviveManagerProxy } from "./proxies";
import { decodeShared, registerSharable, type SharedState } from "../core/shared-object";
import { errorReport } from "../run/travel";
import { provideLibrary, rebuildFunction } from "../run/worker-scope";

// Classes sent with create() see race-lab's names; the library loads when one uses them.
provideLibrary(() => require("../index"));

// esbuild (tsx) writes `static { __name(this, "Pool") }` into classes; the class arrives without it.
(globalThis as any).__name ??= (target: object, value: string) => Object.defineProperty(target, "name", { value, configurable: true });

const socketPath = process.argv[2];

/** One connected client (a process or a thread). */
interface Connection {
  readonly id: number;
  readonly socket: net.Socket;
  open: boolean;
}

/** An error with a Python-like name that the client shows as `RemoteError` with this `remoteName`. */
function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

// ---------------------------------------------------------------------------------------------
// The server's own objects. Each method gets the calling connection first: a lock's holder is a
// connection, and a waiter whose connection closes must not later take an item or the lock.

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

abstract class Builtin {
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
        named("Full", `queue.put(): no room within ${timeoutMs} ms (the queue stayed full at maxsize ${this.maxsize}). Python raises queue.Full here.`),
      );
    }
    const getter = this.getters.shift();
    if (getter) getter.grant(item); // hand it straight to the oldest waiting get
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
      if (next) next.grant(true); // the permit goes straight to a waiter
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

function makeBuiltin(kind: BuiltinKind, args: unknown[]): Builtin {
  if (kind === "Queue") return new ServerQueue(args[0] as number);
  if (kind === "Lock") return new ServerLock();
  if (kind === "Semaphore") return new ServerSemaphore(args[0] as number);
  throw new Error(`no built-in manager object named ${String(kind)}`);
}

// ---------------------------------------------------------------------------------------------
// Objects and requests

interface Entry {
  object: any;
  className: string;
}

const objects = new Map<number, Entry>();
let nextObjectId = 1;
const classes = new Map<string, new (...args: any[]) => any>(); // by source: each class is built once

// A proxy of one of our own objects, passed back to us as an argument, is the object itself.
registerSharable("ManagerProxy", (state: SharedState) =>
  state.socketPath === socketPath && objects.has(state.objectId as number) ? objects.get(state.objectId as number)!.object : reviveManagerProxy(state),
);

function classFrom(source: string, name: string): new (...args: any[]) => any {
  let Class = classes.get(source);
  if (!Class) {
    Class = rebuildFunction(source, name) as unknown as new (...args: any[]) => any;
    classes.set(source, Class);
  }
  return Class;
}

/** Runs a request; returns its value, or a promise of it when the method is async (or waits). */
function handle(conn: Connection, request: ManagerRequest): unknown {
  switch (request.op) {
    case "ping":
      return null;
    case "create": {
      const Class = classFrom(request.source, request.name);
      const object = new Class(...(decodeShared(request.args) as unknown[]));
      const id = nextObjectId++;
      objects.set(id, { object, className: request.name });
      return id;
    }
    case "builtin": {
      const id = nextObjectId++;
      objects.set(id, { object: makeBuiltin(request.kind, request.args), className: request.kind });
      return id;
    }
    case "call": {
      const entry = objects.get(request.objectId);
      if (!entry) throw new Error(`the manager has no object #${request.objectId} (was it created by another manager?)`);
      const { object, className } = entry;
      const args = decodeShared(request.args) as unknown[];
      if (object instanceof Builtin) {
        if (!(object.methods as readonly string[]).includes(request.method)) {
          throw named("TypeError", `a manager ${className} has no method ${request.method}() (it has ${object.methods.join(", ")})`);
        }
        return (object as any)[request.method](conn, ...args);
      }
      const method = object[request.method];
      if (typeof method !== "function" || request.method === "constructor") {
        throw named(
          "TypeError",
          method === undefined
            ? `${className} has no method ${request.method}(): a proxy forwards method calls only`
            : `${className}.${request.method} is not a method (a proxy reaches methods only: add a method that returns it)`,
        );
      }
      return method.apply(object, args);
    }
    case "shutdown":
      setImmediate(() => {
        server.close();
        process.exit(0);
      });
      return null;
    default:
      throw new Error(`unknown manager request ${JSON.stringify((request as { op?: unknown }).op)}`);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function reply(conn: Connection, response: ManagerResponse): void {
  if (!conn.open) return;
  let frame: Buffer;
  try {
    frame = encodeFrame(response);
  } catch (error) {
    frame = encodeFrame({
      id: response.id,
      ok: false,
      error: { name: "DataCloneError", message: `the result cannot be copied back (${(error as Error).message}); return plain data` },
    });
  }
  conn.socket.write(frame);
}

let nextConnectionId = 1;

const server = net.createServer((socket) => {
  const conn: Connection = { id: nextConnectionId++, socket, open: true };
  const reader = new FrameReader();
  socket.on("data", (chunk: Buffer) => {
    let requests: unknown[];
    try {
      requests = reader.push(chunk);
    } catch {
      socket.destroy(); // unreadable: the client sees the connection close
      return;
    }
    for (const request of requests as ManagerRequest[]) {
      let value: unknown;
      try {
        value = handle(conn, request);
      } catch (error) {
        reply(conn, { id: request.id, ok: false, error: errorReport(error) });
        continue;
      }
      // A method that returned its value is answered now (its result copied as it is now, as
      // Python's manager pickles it right after the call); one that returned a promise is answered
      // when it settles, not awaited here: while it awaits, the next request starts (see the top).
      if (isThenable(value)) {
        Promise.resolve(value).then(
          (settled) => reply(conn, { id: request.id, ok: true, value: settled }),
          (error) => reply(conn, { id: request.id, ok: false, error: errorReport(error) }),
        );
      } else reply(conn, { id: request.id, ok: true, value });
    }
  });
  socket.on("error", () => {
    // "close" follows
  });
  socket.on("close", () => {
    conn.open = false;
    for (const { object } of objects.values()) if (object instanceof Builtin) object.disconnected(conn);
  });
});

// The manager never outlives the process that started it: when the IPC channel closes (the parent
// ended, even by SIGKILL), go.
process.on("disconnect", () => process.exit(0));

// The folder is the parent's per-run folder; a parent killed by SIGKILL cannot remove it, so the
// server removes its socket and the folder (only if that leaves it empty) on the way out.
process.on("exit", () => {
  fs.rmSync(socketPath, { force: true });
  try {
    fs.rmdirSync(path.dirname(socketPath));
  } catch {
    // not empty, or already removed by the parent
  }
});

if (!socketPath) {
  console.error("manager-server: no socket path given (it is started by Manager.start)");
  process.exit(2);
}
fs.rmSync(socketPath, { force: true });
server.listen(socketPath, () => process.send?.({ type: "listening" }));
server.on("error", (error) => {
  console.error(`manager-server: cannot listen on ${socketPath}: ${error.message}`);
  process.exit(2);
});
