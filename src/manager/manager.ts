// Manager: Python's multiprocessing.Manager. A server process owns objects; every other process
// (and thread) reaches them through proxies whose method calls are remote procedure calls over a Unix
// domain socket. This file is the client side: starting the server, the socket protocol, proxies.
// The server is manager-server.ts (loaded from src/dist).
//
// Protocol: each message is a 4-byte big-endian length, then a v8.serialize'd object (structured
// clone: Maps, Sets, Dates, typed arrays and undefined survive; functions and class identity do not).
//   request  { id, op: "create" | "builtin" | "call" | "ping" | "shutdown", … }
//   response { id, ok: true, value } | { id, ok: false, error: { name, message, stack } }
//
// Lesson 07's point: the server is ONE Node thread. A method without `await` runs start to end
// before any other call (atomic there); a method that awaits (a delay between reading a list and
// popping it) lets other clients' calls run in between, so it races — as in Python, whose manager
// serves each connection in its own thread.

import { type ChildProcess, fork } from "child_process";
import * as net from "net";
import * as path from "path";
import * as v8 from "v8";
import { libraryFolder } from "../core/environment";
import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { type Destination, encodeForProcess, registerSharable, type Sharable, type SharedState } from "../core/shared-object";
import { removeRunFolder, runFolder } from "../core/temp";
import { checkFunction, checkInteger, checkTimeout } from "../core/validate";

/** How long `Manager.start` and each call may take unless told otherwise: 60 s, like a run. */
export const DEFAULT_MANAGER_TIMEOUT_MS = 60_000;
/** Extra time a client gives the server beyond a server-side wait (queue get, lock acquire). */
const ANSWER_MARGIN_MS = 5_000;
/** The largest message either side accepts. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 107;

/**
 * The manager could not be reached, did not answer in time, or was shut down.
 *
 * @example
 * ```ts
 * await manager.shutdown();
 * await pool.get(); // ManagerError: the manager was shut down …
 * ```
 */
export class ManagerError extends RaceLabError {}

/**
 * A method of a managed object threw, in the manager's process. `message` is the original error's
 * message; `remoteName` its name (e.g. "Error", "TypeError", "Empty" for a queue get that timed out).
 *
 * @example
 * ```ts
 * try { await pool.get(); } catch (e) { if (e instanceof RemoteError) console.log(e.remoteName, e.message); }
 * ```
 */
export class RemoteError extends RaceLabError {
  constructor(
    message: string,
    /** The original error's name. */
    readonly remoteName: string,
    /** The original stack trace, in the manager's process. */
    readonly remoteStack: string | undefined,
    /** What was called, e.g. "ConnectionPool.get()". */
    readonly call: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Framing

/** @internal A message as it goes over the socket: length prefix + v8 serialization. */
export function encodeFrame(message: unknown): Buffer {
  const body = v8.serialize(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/** @internal Collects socket chunks and hands out whole messages. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  /** Adds a chunk; returns every message now complete. Throws on an oversized frame. */
  push(chunk: Buffer): unknown[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: unknown[] = [];
    while (this.buffer.length >= 4) {
      const size = this.buffer.readUInt32BE(0);
      if (size > MAX_FRAME_BYTES) throw new ManagerError(`a manager message of ${size} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
      if (this.buffer.length < 4 + size) break;
      messages.push(v8.deserialize(this.buffer.subarray(4, 4 + size)));
      this.buffer = this.buffer.subarray(4 + size);
    }
    return messages;
  }
}

/** @internal What a request asks. */
export type ManagerRequest =
  | { id: number; op: "ping" }
  | { id: number; op: "shutdown" }
  | { id: number; op: "create"; source: string; name: string; args: unknown[] }
  | { id: number; op: "builtin"; kind: BuiltinKind; args: unknown[] }
  | { id: number; op: "call"; objectId: number; method: string; args: unknown[] };

/** @internal The server's answer. */
export type ManagerResponse =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; stack?: string } };

/** @internal The objects the server provides itself. */
export type BuiltinKind = "Queue" | "Lock" | "Semaphore";

type RequestBody = ManagerRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

// ---------------------------------------------------------------------------------------------
// Client: one socket per manager per process (or thread); calls are multiplexed by id.

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  call: string;
}

class Client {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closedReason: string | undefined;

  constructor(readonly socketPath: string) {}

  /** Sends one request and waits for its answer (or `timeoutMs`). */
  async request(body: RequestBody, call: string, timeoutMs: number): Promise<unknown> {
    if (this.closedReason) throw new ManagerError(`${call}: ${this.closedReason}`);
    const socket = await this.connect(call, timeoutMs);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.refWhileBusy();
        reject(
          new ManagerError(
            `${call} got no answer from the manager within ${timeoutMs} ms. Is a method stuck (an endless loop ` +
              `blocks the whole server: it is one thread)? Give Manager.start({ timeoutMs }) more time if the work is slow.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, call });
      this.refWhileBusy();
      let frame: Buffer;
      try {
        frame = encodeFrame({ id, ...body });
      } catch (error) {
        this.settle(id);
        return reject(new ManagerError(`${call}: its arguments cannot be sent to the manager (${(error as Error).message}); send plain data.`));
      }
      socket.write(frame);
    });
  }

  /** Stops using this connection: every pending call fails with `reason`. */
  close(reason: string): void {
    this.closedReason ??= reason;
    for (const [id, p] of this.pending) {
      this.settle(id);
      p.reject(new ManagerError(`${p.call}: ${reason}`));
    }
    this.socket?.destroy();
  }

  private connect(call: string, timeoutMs: number): Promise<net.Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const socket = net.createConnection(this.socketPath);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ManagerError(`${call}: could not connect to the manager at ${this.socketPath} within ${timeoutMs} ms.`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        this.socket = socket;
        this.listen(socket);
        resolve(socket);
      });
      socket.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = error.code === "ENOENT" || error.code === "ECONNREFUSED" ? "it is not running (shut down, or its process ended)" : error.message;
        reject(new ManagerError(`${call}: could not connect to the manager at ${this.socketPath}: ${why}.`));
      });
    });
    this.connecting.catch(() => {
      this.connecting = undefined; // let a later call try again
    });
    return this.connecting;
  }

  private listen(socket: net.Socket): void {
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      let messages: unknown[];
      try {
        messages = reader.push(chunk);
      } catch (error) {
        return this.close(`the manager sent a message that cannot be read (${(error as Error).message})`);
      }
      for (const message of messages as ManagerResponse[]) this.answer(message);
    });
    socket.on("error", () => {
      // "close" follows and fails every pending call with a clear reason
    });
    socket.on("close", () => {
      // Kept in `clients`, closed: later calls fail at once with the reason (each manager has its own path).
      this.close("the connection to the manager closed (it was shut down, or its process ended)");
    });
    this.refWhileBusy();
  }

  private answer(message: ManagerResponse): void {
    const p = this.pending.get(message.id);
    if (!p) return; // its caller already gave up (timeout)
    this.settle(message.id);
    if (message.ok) p.resolve(message.value);
    else p.reject(new RemoteError(message.error.message, message.error.name, message.error.stack, p.call));
  }

  private settle(id: number): void {
    const p = this.pending.get(id);
    if (p) clearTimeout(p.timer);
    this.pending.delete(id);
    this.refWhileBusy();
  }

  /** An idle connection must not keep a finished script (or a child process) alive. */
  private refWhileBusy(): void {
    if (!this.socket) return;
    if (this.pending.size > 0) this.socket.ref();
    else this.socket.unref();
  }
}

const clients = new Map<string, Client>();

function clientFor(socketPath: string): Client {
  let client = clients.get(socketPath);
  if (!client) {
    client = new Client(socketPath);
    clients.set(socketPath, client);
  }
  return client;
}

// ---------------------------------------------------------------------------------------------
// Proxies

/** @internal Everything a proxy needs to reach its object, and what travels to other processes. */
export interface ProxyAddress {
  socketPath: string;
  objectId: number;
  /** "Queue", "Lock", "Semaphore", or "object" for an instance of a class sent with create(). */
  kind: BuiltinKind | "object";
  className: string;
  timeoutMs: number;
}

function callRemote(address: ProxyAddress, method: string, args: unknown[], timeoutMs = address.timeoutMs): Promise<unknown> {
  const call = `${address.className}.${method}()`;
  let encoded: unknown[];
  try {
    encoded = encodeForProcess(args);
  } catch (error) {
    return Promise.reject(error);
  }
  return clientFor(address.socketPath).request({ op: "call", objectId: address.objectId, method, args: encoded }, call, timeoutMs);
}

function proxyState(address: ProxyAddress): SharedState {
  return { __raceLab: "ManagerProxy", ...address };
}

/**
 * A proxy's type: every method of `T`, returning a Promise (each call is a remote procedure call).
 * Fields are not reachable through a proxy (as with Python's proxies): add a method that returns them.
 */
export type Remote<T> = {
  [K in keyof T as T[K] extends (...args: any[]) => any ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

function objectProxy<T>(address: ProxyAddress): Remote<T> {
  const describe = `<proxy of ${address.className} #${address.objectId} in the manager>`;
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(Object.create(null), {
    get(_target, property) {
      if (property === inspectSymbol) return () => describe;
      if (property === Symbol.toPrimitive) return () => describe;
      if (typeof property === "symbol") return undefined;
      // `await manager.create(…)` resolves the proxy: it must not look like a promise itself.
      if (property === "then") return undefined;
      if (property === "toSharedState") return (_to: Destination) => proxyState(address);
      if (property === "toString") return () => describe;
      if (property === "toJSON") return () => ({ proxyOf: address.className, objectId: address.objectId });
      let method = methods.get(property);
      if (!method) {
        method = (...args: unknown[]) => callRemote(address, property, args);
        methods.set(property, method);
      }
      return method;
    },
    set(_target, property) {
      throw new RaceLabError(
        `Cannot set ${String(property)} on a proxy of ${address.className}: the object lives in the manager's process. ` +
          `Add a method that sets it, and call that (Python's proxies work the same way).`,
      );
    },
    has(_target, property) {
      return property === "toSharedState";
    },
  }) as Remote<T>;
}

/** The common part of the manager's own objects (Queue, Lock, Semaphore): an address and a call. */
abstract class ManagedObject implements Sharable {
  /** @internal */
  constructor(protected readonly address: ProxyAddress) {}

  /** @internal Travels to threads and processes as its address; the other side connects its own client. */
  toSharedState(_to: Destination): SharedState {
    return proxyState(this.address);
  }

  toString(): string {
    return `<manager ${this.address.kind} #${this.address.objectId}>`;
  }

  protected call<R>(method: string, args: unknown[], timeoutMs?: number): Promise<R> {
    return callRemote(this.address, method, args, timeoutMs) as Promise<R>;
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
  async withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    checkFunction("fn", fn);
    if (!(await this.acquire())) {
      throw new ManagerError(`manager Lock #${this.address.objectId}: not acquired within ${this.address.timeoutMs} ms (someone holds it that long).`);
    }
    try {
      return await fn();
    } finally {
      await this.release();
    }
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
  async withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    checkFunction("fn", fn);
    if (!(await this.acquire())) {
      throw new ManagerError(`manager Semaphore #${this.address.objectId}: no permit within ${this.address.timeoutMs} ms.`);
    }
    try {
      return await fn();
    } finally {
      await this.release();
    }
  }
}

/**
 * @internal Rebuilds a proxy from its travelling state (in a child process, a worker thread, or the
 * server itself, which replaces its own objects' states by the objects).
 */
export function reviveManagerProxy(state: SharedState): unknown {
  const address: ProxyAddress = {
    socketPath: state.socketPath as string,
    objectId: state.objectId as number,
    kind: state.kind as ProxyAddress["kind"],
    className: state.className as string,
    timeoutMs: state.timeoutMs as number,
  };
  switch (address.kind) {
    case "Queue":
      return new ManagedQueue(address);
    case "Lock":
      return new ManagedLock(address);
    case "Semaphore":
      return new ManagedSemaphore(address);
    default:
      return objectProxy(address);
  }
}

registerSharable("ManagerProxy", reviveManagerProxy);

// ---------------------------------------------------------------------------------------------
// The Manager: starting, tracking and ending the server process.

const running = new Set<Manager>();
let hooksInstalled = false;

/** Marks race-lab's SIGINT listeners, so each can tell whether anyone else (tslab) handles Ctrl-C. */
const RACE_LAB_LISTENER = Symbol.for("race-lab.sigint-listener");

function onSigint(): void {
  for (const manager of [...running]) manager.killNow("the kernel was interrupted (SIGINT)");
  const others = process.listeners("SIGINT").filter((l) => l !== onSigint && !(l as any)[RACE_LAB_LISTENER] && l.name !== "onSigint");
  process.off("SIGINT", onSigint);
  hooksInstalled = false;
  process.off("exit", onExit);
  // A plain script with nobody else handling Ctrl-C: let SIGINT do what it always does (end it).
  if (others.length === 0 && process.listenerCount("SIGINT") === 0) process.kill(process.pid, "SIGINT");
}
(onSigint as any)[RACE_LAB_LISTENER] = true;

function onExit(): void {
  for (const manager of [...running]) manager.killNow("the process exited");
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", onExit);
  // The SIGINT listener is added one turn later, as in run.ts: during a cell's synchronous part vm's
  // breakOnSigint swaps the SIGINT handlers and restores the default (which kills the kernel) when the
  // part ends, so a listener added meanwhile would leave the next interrupt without a handler.
  setImmediate(() => {
    if (hooksInstalled && running.size > 0 && !process.listeners("SIGINT").includes(onSigint)) process.on("SIGINT", onSigint);
  });
}

function forwardOutput(from: NodeJS.ReadableStream | null, to: NodeJS.WriteStream): void {
  if (!from) return;
  let partial = "";
  from.setEncoding("utf8");
  from.on("data", (text: string) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) to.write(`[manager] ${line}\n`);
  });
  from.on("end", () => {
    if (partial) to.write(`[manager] ${partial}\n`);
  });
}

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
 * Warning: the class travels as its source code (like a function sent to a process): it may use
 * `require(…)` and race-lab imports, not other variables of the notebook. A method that `await`s
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
   * Starts a manager: forks the server process and waits until it listens.
   *
   * @example
   * ```ts
   * const manager = await Manager.start({ timeoutMs: 10_000 });
   * ```
   * Warning: rejects with `ManagerError` if the server does not start within `timeoutMs`.
   */
  static async start(options: ManagerOptions = {}): Promise<Manager> {
    if (typeof options !== "object" || options === null) throw new RaceLabArgumentError("options", "an object like { timeoutMs: 10000 }", options);
    const timeoutMs = checkTimeout("options.timeoutMs", options.timeoutMs, DEFAULT_MANAGER_TIMEOUT_MS);
    const folder = runFolder("manager");
    const socketPath = path.join(folder, "manager.sock");
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
      removeRunFolder(folder);
      throw new ManagerError(`the manager's socket path ${socketPath} is longer than Unix allows (${MAX_SOCKET_PATH} bytes): set TMPDIR to a shorter folder.`);
    }
    const env = { ...process.env };
    delete env.RACE_LAB_WORKER; // the server is not a worker of a run
    const child = fork(path.join(libraryFolder(), "manager", "manager-server.js"), [socketPath], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env,
    });
    forwardOutput(child.stdout, process.stdout);
    forwardOutput(child.stderr, process.stderr);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new ManagerError(`the manager did not start within ${timeoutMs} ms.`)), timeoutMs);
        child.once("message", (m: { type?: string }) => {
          clearTimeout(timer);
          if (m?.type === "listening") resolve();
          else reject(new ManagerError(`the manager sent ${JSON.stringify(m)} instead of starting.`));
        });
        child.once("exit", (code, signal) => {
          clearTimeout(timer);
          reject(new ManagerError(`the manager's process ended while starting (exit code ${code}, signal ${signal}); its error is printed above.`));
        });
        child.once("error", (error) => {
          clearTimeout(timer);
          reject(new ManagerError(`the manager's process could not start: ${error.message}`));
        });
      });
    } catch (error) {
      child.kill("SIGKILL");
      removeRunFolder(folder);
      throw error;
    }
    // Started: the server must not keep a finished script alive (the exit hook ends it then).
    child.unref();
    child.channel?.unref();
    (child.stdout as unknown as net.Socket | null)?.unref?.();
    (child.stderr as unknown as net.Socket | null)?.unref?.();
    const manager = new Manager(child, folder, socketPath, timeoutMs);
    child.once("exit", (code, signal) => manager.ended(`the manager's process ended (exit code ${code}, signal ${signal})`));
    running.add(manager);
    installHooks();
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
   * Warning: the class travels as source, so it cannot use notebook variables or extend another
   * notebook class. Arguments and results are copied (structured clone).
   */
  async create<C extends new (...args: any[]) => any>(Class: C, ...args: ConstructorParameters<C>): Promise<Remote<InstanceType<C>>> {
    checkFunction("Class", Class);
    const source = Function.prototype.toString.call(Class).trim();
    if (/\{\s*\[native code\]\s*\}$/.test(source)) {
      throw new RaceLabArgumentError("Class", "a class written in the notebook (built-in classes have no source to send)", Class);
    }
    const name = Class.name || "AnonymousClass";
    const objectId = (await this.request({ op: "create", source, name, args: encodeForProcess(args) }, `manager.create(${name})`)) as number;
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
