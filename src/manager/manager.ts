// Manager: Python's multiprocessing.Manager. A server process owns objects; every other process
// (and thread) reaches them through proxies whose method calls are remote procedure calls over a Unix
// domain socket (protocol.ts, client.ts, proxies.ts). This file tracks and ends the server;
// server-process.ts starts it, and the server itself is manager-server.ts.
//
// Lesson 08's point: the server is ONE Node thread. A method without `await` runs start to end
// before any other call (atomic there); a method that awaits (a delay between reading a list and
// popping it) lets other clients' calls run in between, so it races — as in Python, whose manager
// serves each connection in its own thread.

import type { ChildProcess } from "child_process";
import * as path from "path";
import { LiveSet } from "../core/live-set";
import { RaceLabArgumentError } from "../core/errors";
import { encodeForProcess } from "../core/shared-object";
import { removeRunFolder, runFolder } from "../core/temp";
import { checkFunction, checkInteger, checkOptions, checkTimeout } from "../core/validate";
import { type Client, clientFor, type ProxyAddress } from "./client";
import { ManagerError } from "./errors";
import { ManagedLock, ManagedQueue, ManagedSemaphore } from "./managed";
import type { RequestBody } from "./protocol";
import { objectProxy, type Remote } from "./proxies";
import { startServerProcess } from "./server-process";
import { cellDefinitions } from "../run/cell-definitions";

/** How long `Manager.start` and each call may take unless told otherwise: 60 s, like a run. */
export const DEFAULT_MANAGER_TIMEOUT_MS = 60_000;
/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 107;

/** Managers end on the kernel's interrupt (SIGINT) and when this process ends. */
const running = new LiveSet<Manager>({
  interrupt: (managers) => managers.forEach((m) => m.killNow("the kernel was interrupted (SIGINT)")),
  exit: (managers) => managers.forEach((m) => m.killNow("the process exited")),
});

/** Options of {@link Manager.start}. */
export interface ManagerOptions {
  /** How long starting may take, and the default time limit of every call (ms). Default 60 000. */
  timeoutMs?: number;
}

/**
 * A server process that owns shared objects, reached through proxies: Python's
 * `multiprocessing.Manager()`. Objects created in it can be used from the notebook, from child
 * processes and from threads (pass the proxies as arguments).
 *
 * @example
 * ```ts
 * const manager = await Manager.start();
 * class ConnectionPool {
 *   free = ["c1", "c2", "c3"];
 *   get() { return this.free.pop(); }      // no await inside: atomic in the one-thread server
 *   put(c: string) { this.free.push(c); }
 * }
 * const pool = await manager.create(ConnectionPool);
 * console.log(await pool.get());           // "c3": a remote procedure call
 * await manager.shutdown();
 * ```
 * Warning: the class travels as its source code (like a function sent to a process), with the
 * classes, functions and constants it uses from earlier cells; not with live objects (a handle, a
 * connection, an instance): those raise a `TravelError` that names them. A method that `await`s
 * lets other clients' calls run in the middle of it. The server ends on `shutdown()`, when the
 * kernel is interrupted, and when this process ends.
 */
export class Manager {
  /** The Unix socket the server listens on (inside a per-run temporary folder). */
  readonly socketPath: string;
  /** The default time limit of calls (ms). */
  readonly timeoutMs: number;
  private client: Client;
  private closed: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly folder: string,
    socketPath: string,
    timeoutMs: number,
  ) {
    this.socketPath = socketPath;
    this.timeoutMs = timeoutMs;
    this.client = clientFor(socketPath);
  }

  /** The server's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Starts a manager: starts the server process (a spare process when one is ready, else a fork) and
   * waits until it listens.
   *
   * @example
   * ```ts
   * const manager = await Manager.start({ timeoutMs: 10_000 });
   * ```
   * Warning: rejects with `ManagerError` if the server does not start within `timeoutMs`.
   */
  static async start(options: ManagerOptions = {}): Promise<Manager> {
    checkOptions("options", options, "{ timeoutMs: 10000 }");
    const timeoutMs = checkTimeout("options.timeoutMs", options.timeoutMs, DEFAULT_MANAGER_TIMEOUT_MS);
    const folder = runFolder("manager");
    const socketPath = path.join(folder, "manager.sock");
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      removeRunFolder(folder);
      throw new ManagerError(
        `the manager's socket path ${socketPath} is longer than Unix allows (${MAX_SOCKET_PATH} bytes): set TMPDIR to a shorter folder.`,
      );
    }
    let child: ChildProcess;
    try {
      child = await startServerProcess(socketPath, timeoutMs);
    } catch (error) {
      removeRunFolder(folder);
      throw error;
    }
    const manager = new Manager(child, folder, socketPath, timeoutMs);
    child.once("exit", (code, signal) => manager.ended(`the manager's process ended (exit code ${code}, signal ${signal})`));
    running.add(manager);
    return manager;
  }

  /**
   * Creates an instance of `Class` in the server, `new Class(...args)`, and returns its proxy. Every
   * method call on the proxy is a remote procedure call: `await proxy.method(…)`.
   *
   * @example
   * ```ts
   * class Counter { n = 0; increment() { return ++this.n; } }
   * const counter = await manager.create(Counter);
   * await counter.increment(); // 1
   * ```
   * Warning: the class travels as source, with what it uses from earlier cells (a base class too),
   * never with a live object. Arguments and results are copied (structured clone).
   */
  async create<C extends new (...args: any[]) => any>(Class: C, ...args: ConstructorParameters<C>): Promise<Remote<InstanceType<C>>> {
    checkFunction("Class", Class);
    const source = Function.prototype.toString.call(Class).trim();
    if (/\{\s*\[native code\]\s*\}$/.test(source)) {
      throw new RaceLabArgumentError("Class", "a class written in the notebook (built-in classes have no source to send)", Class);
    }
    const name = Class.name || "AnonymousClass";
    // The class travels as a function sent to a process does: with the classes, functions and
    // constants it uses from the notebook's cells (a base class included).
    const definitions = cellDefinitions(source, name, "process");
    const objectId = (await this.request(
      { op: "create", source, name, definitions, args: encodeForProcess(args) },
      `manager.create(${name})`,
    )) as number;
    return objectProxy<InstanceType<C>>(this.address(objectId, "object", name));
  }

  /**
   * A queue in the server, shared by every process that gets it (Python's `manager.Queue()`).
   *
   * @example
   * ```ts
   * const q = await manager.Queue();
   * await q.put("job"); await q.get(1000);
   * ```
   */
  async Queue<T = unknown>(options: { maxsize?: number } = {}): Promise<ManagedQueue<T>> {
    const maxsize = checkInteger("options.maxsize", options.maxsize ?? 0, 0, 1_000_000_000);
    const objectId = (await this.request({ op: "builtin", kind: "Queue", args: [maxsize] }, "manager.Queue()")) as number;
    return new ManagedQueue<T>(this.address(objectId, "Queue", "Queue"));
  }

  /**
   * A lock in the server (Python's `manager.Lock()`): acquire/release/withLock, all async.
   *
   * @example
   * ```ts
   * const lock = await manager.Lock();
   * await lock.withLock(async () => { await pool.get(); });
   * ```
   */
  async Lock(): Promise<ManagedLock> {
    const objectId = (await this.request({ op: "builtin", kind: "Lock", args: [] }, "manager.Lock()")) as number;
    return new ManagedLock(this.address(objectId, "Lock", "Lock"));
  }

  /**
   * A counting semaphore in the server with `value` permits (Python's `manager.Semaphore(value)`).
   *
   * @example
   * ```ts
   * const slots = await manager.Semaphore(2);
   * ```
   */
  async Semaphore(value = 1): Promise<ManagedSemaphore> {
    checkInteger("value", value, 0, 1_000_000);
    const objectId = (await this.request({ op: "builtin", kind: "Semaphore", args: [value] }, "manager.Semaphore()")) as number;
    return new ManagedSemaphore(this.address(objectId, "Semaphore", "Semaphore"));
  }

  /**
   * One round trip to the server and back, in microseconds: what every proxy call costs at least.
   *
   * @example
   * ```ts
   * const us = await manager.ping();
   * console.log(`a proxy call costs at least ${us.toFixed(0)} µs`);
   * ```
   */
  async ping(): Promise<number> {
    const start = process.hrtime.bigint();
    await this.request({ op: "ping" }, "manager.ping()");
    return Number(process.hrtime.bigint() - start) / 1000;
  }

  /**
   * Ends the server process; its objects are gone and every proxy call fails after this.
   *
   * @example
   * ```ts
   * await manager.shutdown();
   * ```
   */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once("exit", () => resolve());
    });
    try {
      await this.request({ op: "shutdown" }, "manager.shutdown()", 2_000);
    } catch {
      // not answering: it is killed below
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2_000);
    await exited;
    clearTimeout(timer);
    this.ended("the manager was shut down");
  }

  /** @internal Ends the server now, synchronously (SIGINT, exit). */
  killNow(reason: string): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    this.ended(reason);
  }

  toString(): string {
    return `<Manager pid ${this.pid} at ${this.socketPath}${this.closed ? " (ended)" : ""}>`;
  }

  private ended(reason: string): void {
    if (this.closed) return;
    this.closed = reason;
    running.delete(this);
    this.client.close(reason);
    try {
      removeRunFolder(this.folder);
    } catch {
      // already removed
    }
  }

  private address(objectId: number, kind: ProxyAddress["kind"], className: string): ProxyAddress {
    return { socketPath: this.socketPath, objectId, kind, className, timeoutMs: this.timeoutMs };
  }

  private request(body: RequestBody, call: string, timeoutMs = this.timeoutMs): Promise<unknown> {
    if (this.closed) return Promise.reject(new ManagerError(`${call}: ${this.closed}.`));
    return this.client.request(body, call, timeoutMs);
  }
}
