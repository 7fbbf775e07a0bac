// The manager's client side: one socket per manager per process (or thread); calls are multiplexed
// by id, each with its own time limit.
import * as net from "net";
import { encodeForProcess } from "../core/shared-object";
import { ManagerError, RemoteError } from "./errors";
import { type BuiltinKind, encodeFrame, FrameReader, type ManagerResponse, type RequestBody } from "./protocol";

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** performance.now() after which sweep() fails the call (it waited `timeoutMs`). */
  deadline: number;
  timeoutMs: number;
  call: string;
}

/** @internal One connection to a manager, shared by every proxy of it in this process (or thread). */
export class Client {
  private socket: net.Socket | undefined;
  private connecting: Promise<net.Socket> | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closedReason: string | undefined;
  // One timer for every pending call's time limit, set for the earliest deadline, instead of a timer
  // per call (arming and clearing a timer cost about as much as the rest of a call's JavaScript).
  // unref()'d: while a call is pending, the socket (ref()'d while busy) keeps the process alive.
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweepAt = Infinity;

  constructor(readonly socketPath: string) {}

  /** Sends one request and waits for its answer (or `timeoutMs`). */
  request(body: RequestBody, call: string, timeoutMs: number): Promise<unknown> {
    if (this.closedReason) return Promise.reject(new ManagerError(`${call}: ${this.closedReason}`));
    // Connected (every call but the first): send now, without a turn through an awaited promise.
    if (this.socket) return this.send(this.socket, body, call, timeoutMs);
    return this.connect(call, timeoutMs).then((socket) => this.send(socket, body, call, timeoutMs));
  }

  private send(socket: net.Socket, body: RequestBody, call: string, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      this.pending.set(id, { resolve, reject, deadline, timeoutMs, call });
      this.armSweep(deadline);
      this.refWhileBusy();
      let frame: Buffer;
      try {
        frame = encodeFrame({ id, ...body });
      } catch (error) {
        this.settle(id);
        return reject(
          new ManagerError(`${call}: its arguments cannot be sent to the manager (${(error as Error).message}); send plain data.`),
        );
      }
      socket.write(frame);
    });
  }

  private armSweep(deadline: number): void {
    if (deadline >= this.sweepAt) return; // the timer fires earlier, and sets itself again for this one
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepAt = deadline;
    this.sweepTimer = setTimeout(() => this.sweep(), Math.max(1, Math.ceil(deadline - performance.now())));
    this.sweepTimer.unref();
  }

  /** Fails every call past its deadline, then sets the timer for the earliest one left. */
  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [id, p] of this.pending) {
      if (p.deadline > now) {
        next = Math.min(next, p.deadline);
        continue;
      }
      this.pending.delete(id);
      p.reject(
        new ManagerError(
          `${p.call} got no answer from the manager within ${p.timeoutMs} ms. Is a method stuck (an endless loop ` +
            `blocks the whole server: it is one thread)? Give Manager.start({ timeoutMs }) more time if the work is slow.`,
        ),
      );
    }
    this.refWhileBusy();
    if (next < Infinity) this.armSweep(next);
  }

  /** Stops using this connection: every pending call fails with `reason`. */
  close(reason: string): void {
    this.closedReason ??= reason;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
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
        const why =
          error.code === "ENOENT" || error.code === "ECONNREFUSED" ? "it is not running (shut down, or its process ended)" : error.message;
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

/** @internal The connection to the manager at `socketPath` (made on first use). */
export function clientFor(socketPath: string): Client {
  let client = clients.get(socketPath);
  if (!client) {
    client = new Client(socketPath);
    clients.set(socketPath, client);
  }
  return client;
}

/** @internal Everything a proxy needs to reach its object, and what travels to other processes. */
export interface ProxyAddress {
  socketPath: string;
  objectId: number;
  /** "Queue", "Lock", "Semaphore", or "object" for an instance of a class sent with create(). */
  kind: BuiltinKind | "object";
  className: string;
  timeoutMs: number;
}

/** @internal Calls `method` of the object at `address`, in the manager. */
export function callRemote(address: ProxyAddress, method: string, args: unknown[], timeoutMs = address.timeoutMs): Promise<unknown> {
  const call = `${address.className}.${method}()`;
  let encoded: unknown[];
  try {
    encoded = encodeForProcess(args);
  } catch (error) {
    return Promise.reject(error);
  }
  return clientFor(address.socketPath).request({ op: "call", objectId: address.objectId, method, args: encoded }, call, timeoutMs);
}
