// The manager's server process: it owns the objects and runs their methods, for every client, on its
// one thread and one event loop. Manager.start forks this file (src/dist/manager/manager-server.js),
// or tells a spare process to load it and call `serve`. See protocol.ts for the protocol.
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
import { encodeFrame, FrameReader, type ManagerRequest, type ManagerResponse } from "./protocol";
import { Builtin, makeBuiltin, named, type Connection } from "./server-objects";
import { reviveManagerProxy } from "./proxies";
import { decodeShared, registerSharable, type SharedState } from "../core/shared-object";
import { errorReport, unpackFunction } from "../run/travel";
import { provideLibrary } from "../run/worker-scope";

// Classes sent with create() see race-lab's names; the library loads when one uses them.
provideLibrary(() => require("../index"));

// esbuild (tsx) writes `static { __name(this, "Pool") }` into classes; the class arrives without it.
(globalThis as any).__name ??= (target: object, value: string) => Object.defineProperty(target, "name", { value, configurable: true });

/** The socket this server listens on (set by `serve`). */
let socketPath = "";

// ---------------------------------------------------------------------------------------------
// Objects and requests (the built-in Queue, Lock and Semaphore are server-objects.ts)

interface Entry {
  object: any;
  className: string;
}

const objects = new Map<number, Entry>();
let nextObjectId = 1;
const classes = new Map<string, new (...args: any[]) => any>(); // by source and definitions: each class is built once

// A proxy of one of our own objects, passed back to us as an argument, is the object itself.
registerSharable("ManagerProxy", (state: SharedState) =>
  state.socketPath === socketPath && objects.has(state.objectId as number)
    ? objects.get(state.objectId as number)!.object
    : reviveManagerProxy(state),
);

function classFrom(request: Extract<ManagerRequest, { op: "create" }>): new (...args: any[]) => any {
  const { source, name, definitions = [] } = request;
  const key = JSON.stringify([source, definitions]);
  let Class = classes.get(key);
  if (!Class) {
    Class = unpackFunction({ source, name, bound: [], definitions }) as unknown as new (...args: any[]) => any;
    classes.set(key, Class);
  }
  return Class;
}

/** Runs a request; returns its value, or a promise of it when the method is async (or waits). */
function handle(conn: Connection, request: ManagerRequest): unknown {
  switch (request.op) {
    case "ping":
      return null;
    case "create": {
      const Class = classFrom(request);
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
  return (
    (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
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

/**
 * Listens on the Unix socket `socketFile` and serves until the process that started it ends or sends "shutdown".
 *
 * @internal
 * @example
 * ```ts
 * serve("/tmp/race-lab-manager-1/manager.sock"); // then the parent connects
 * ```
 */
export function serve(socketFile: string): void {
  if (!socketFile) {
    console.error("manager-server: no socket path given (it is started by Manager.start)");
    process.exit(2);
  }
  socketPath = socketFile;
  // The manager never outlives the process that started it: when the IPC channel closes (the parent
  // ended, even by SIGKILL), go.
  process.on("disconnect", () => process.exit(0));
  // The folder is the parent's per-run folder; a parent killed by SIGKILL cannot remove it, so the
  // server removes its socket and the folder (only if that leaves it empty) on the way out.
  process.on("exit", removeSocket);
  fs.rmSync(socketPath, { force: true });
  server.listen(socketPath, () => process.send?.({ type: "listening" }));
  server.on("error", (error) => {
    console.error(`manager-server: cannot listen on ${socketPath}: ${error.message}`);
    process.exit(2);
  });
}

function removeSocket(): void {
  fs.rmSync(socketPath, { force: true });
  try {
    fs.rmdirSync(path.dirname(socketPath));
  } catch {
    // not empty, or already removed by the parent
  }
}

// Forked cold by Manager.start: the socket path is the first argument.
if (require.main === module) serve(process.argv[2]);
