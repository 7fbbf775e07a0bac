import * as path from "path";
import { libraryFolder } from "./environment";
import { NotSharableError } from "./errors";

/**
 * The plain, structured-cloneable form in which a shared object crosses into a worker thread or a
 * child process: a tag naming its kind, plus its buffers (SharedArrayBuffer, shared, not copied) or,
 * for process-level objects, an address such as a file path or a socket.
 */
export interface SharedState {
  readonly __raceLab: string;
  readonly [field: string]: unknown;
}

/** Where an encoded object is going. */
export type Destination = "thread" | "process";

/**
 * An object that can be sent to a worker: it encodes itself to a {@link SharedState}, and its kind is
 * registered with {@link registerSharable} so the other side can rebuild it.
 *
 * @example
 * ```ts
 * class Value implements Sharable {
 *   toSharedState(to: Destination) { if (to === "process") throw notSharable("Value"); return { __raceLab: "Value", buffer: this.buffer }; }
 * }
 * registerSharable("Value", (s) => Value.fromSharedState(s));
 * ```
 */
export interface Sharable {
  toSharedState(to: Destination): SharedState;
}

interface Kind {
  revive: (state: SharedState) => unknown;
  /** The file that defines the kind: a worker that meets the kind first loads it from there. */
  module?: string;
}

// Every kind registers itself, with its own file, when its file loads. Worker threads and children
// load a kind's file only when an object of that kind arrives (loading the whole library costs a new
// thread ~15 ms): each shared state names the file it came from.
const kinds = new Map<string, Kind>();

/**
 * Registers how to rebuild a kind of shared object on the receiving side, and the file that defines
 * it (`__filename`): each kind's file calls this when it loads.
 *
 * @example
 * ```ts
 * registerSharable("Lock", (s) => Lock.fromSharedState(s), __filename);
 * ```
 */
export function registerSharable(kind: string, revive: (state: SharedState) => unknown, module?: string): void {
  kinds.set(kind, { revive, module: module ?? kinds.get(kind)?.module });
}

/** The kind's reviver, loading its file first when the state names one inside the library. */
function reviverOf(state: SharedState): ((state: SharedState) => unknown) | undefined {
  const known = kinds.get(state.__raceLab);
  if (known) return known.revive;
  const module = state.__module;
  if (typeof module !== "string" || path.relative(libraryFolder(), module).startsWith("..")) return undefined;
  require(module);
  return kinds.get(state.__raceLab)?.revive;
}

function isSharable(value: unknown): value is Sharable {
  return typeof value === "object" && value !== null && typeof (value as Sharable).toSharedState === "function";
}

function isSharedState(value: unknown): value is SharedState {
  return typeof value === "object" && value !== null && typeof (value as SharedState).__raceLab === "string";
}

const MAX_DEPTH = 8;

function encode(value: unknown, to: Destination, depth: number): unknown {
  if (isSharable(value)) {
    const state = value.toSharedState(to);
    const module = kinds.get(state.__raceLab)?.module;
    return module ? { ...state, __module: module } : state;
  }
  if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, to, depth + 1));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = encode(v, to, depth + 1);
    return out;
  }
  return value;
}

/**
 * Replaces every shared object in `args` (top level, arrays and plain objects) by its shared state,
 * ready for `postMessage`.
 *
 * @example
 * ```ts
 * worker.postMessage({ args: encodeForThread([balance, 1000]) });
 * ```
 */
export function encodeForThread(args: unknown[]): unknown[] {
  return args.map((a) => encode(a, "thread", 0));
}

/**
 * Like {@link encodeForThread} for a child process. Objects that live in memory refuse with
 * {@link NotSharableError}; process-level ones (file locks, manager proxies) encode their address.
 *
 * @example
 * ```ts
 * child.send({ args: encodeForProcess(["counter.txt", 1000]) });
 * ```
 */
export function encodeForProcess(args: unknown[]): unknown[] {
  return args.map((a) => encode(a, "process", 0));
}

/**
 * Rebuilds shared objects from their states, the inverse of the encoders. Used by the worker and
 * child entries.
 *
 * @example
 * ```ts
 * const args = decodeShared(message.args) as unknown[];
 * ```
 */
export function decodeShared(value: unknown, depth = 0): unknown {
  if (isSharedState(value)) {
    const revive = reviverOf(value);
    if (!revive) throw new Error(`race-lab cannot rebuild a shared object of kind "${value.__raceLab}" here`);
    return revive(value);
  }
  if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => decodeShared(v, depth + 1));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeShared(v, depth + 1);
    return out;
  }
  return value;
}

/**
 * The error a memory-backed object gives when it is sent to a process.
 *
 * @example
 * ```ts
 * if (to === "process") throw notSharable("Value");
 * ```
 */
export function notSharable(kind: string): NotSharableError {
  return new NotSharableError(
    `A ${kind} lives in shared memory, and processes share no memory: a child process would get a copy, ` +
      `and its changes would never come back. Use threads (runThreads) to share a ${kind}, or share through ` +
      `what processes do have in common: a file (with a FileLock), a Manager's objects, or manager.Queue(). ` +
      `(Python's multiprocessing.Value is placed in shared memory that forked processes inherit; Node has no such thing.)`,
  );
}
