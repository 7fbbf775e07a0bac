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

const revivers = new Map<string, (state: SharedState) => unknown>();

// Where each kind is defined. Worker threads and children load a kind's module only when an object of
// that kind arrives (loading the whole library costs a new thread ~15 ms); loading it registers it.
const KIND_MODULES: Readonly<Record<string, string>> = {
  Value: "../shared/value",
  SharedArray: "../shared/shared-array",
  Lock: "../primitives/lock",
  RLock: "../primitives/rlock",
  Semaphore: "../primitives/semaphore",
  Event: "../primitives/event",
  Condition: "../primitives/condition",
  Barrier: "../primitives/barrier",
  Queue: "../primitives/queue",
  Sequencer: "../primitives/sequencer",
  Trace: "../trace/trace",
  FileLock: "../files/file-lock",
  ManagerProxy: "../manager/manager",
};

function loadKind(kind: string): ((state: SharedState) => unknown) | undefined {
  const module = Object.prototype.hasOwnProperty.call(KIND_MODULES, kind) ? KIND_MODULES[kind] : undefined;
  if (module === undefined) return undefined;
  require(module);
  return revivers.get(kind);
}

/**
 * Registers how to rebuild a kind of shared object on the receiving side. Every class file calls this
 * at load; worker and child entries load the whole library, so every kind is known there.
 *
 * @example
 * ```ts
 * registerSharable("Lock", (s) => Lock.fromSharedState(s));
 * ```
 */
export function registerSharable(kind: string, revive: (state: SharedState) => unknown): void {
  revivers.set(kind, revive);
}

function isSharable(value: unknown): value is Sharable {
  return typeof value === "object" && value !== null && typeof (value as Sharable).toSharedState === "function";
}

function isSharedState(value: unknown): value is SharedState {
  return typeof value === "object" && value !== null && typeof (value as SharedState).__raceLab === "string";
}

const MAX_DEPTH = 8;

function encode(value: unknown, to: Destination, depth: number): unknown {
  if (isSharable(value)) return value.toSharedState(to);
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
    const revive = revivers.get(value.__raceLab) ?? loadKind(value.__raceLab);
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
