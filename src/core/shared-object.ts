import * as path from "path";
import { libraryFolder } from "./environment";
import { NotSharableError } from "./errors";

/**
 * The plain, structured-cloneable form in which a shared object crosses into a worker thread or a
 * child process: its kind's name (a string: structured cloning drops symbols), the file defining the
 * kind, and its fields (SharedArrayBuffers and views over them are shared, not copied; process-level
 * objects carry an address such as a file path or a socket).
 */
export interface SharedState {
  readonly __raceLab: string;
  readonly [field: string]: unknown;
}

/** Where an encoded object is going. */
export type Destination = "thread" | "process";

/**
 * The tag of a sharable object: its kind, on its class's prototype. `Symbol.for`, so that objects made
 * by another copy of race-lab in the same process (its built and its source form) are known too.
 */
export const SHARABLE: unique symbol = Symbol.for("race-lab.sharable");

/**
 * How one kind of object crosses to threads and processes, given once to {@link defineSharable}.
 * Either `fields` (what crosses; the other side gets an object of the class with them, made without
 * its constructor), or `encode` and `decode`.
 */
export interface SharableKind<T = any> {
  /** The kind's name, the tag its state crosses with. */
  readonly name: string;
  /** The file that defines the kind (`__filename`): a worker that meets the kind first loads it. */
  readonly module: string;
  /** Whether it may go to a child process. Objects living in memory may not (NotSharableError). */
  readonly toProcesses?: boolean;
  /** The fields that cross, by name; a sharable field crosses as itself. */
  readonly fields?: readonly string[];
  /** The fields that cross, computed (instead of `fields`); it may throw to refuse. */
  encode?(object: T, to: Destination): Record<string, unknown>;
  /** Rebuilds the object from its (decoded) fields (instead of `fields`). */
  decode?(state: SharedState): T;
}

/**
 * An object that can be sent to a worker: its class was given to {@link defineSharable}.
 *
 * @example
 * ```ts
 * const sharable = (value as Partial<Sharable>)[SHARABLE] !== undefined;
 * ```
 */
export interface Sharable {
  readonly [SHARABLE]: SharableKind;
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
 * Makes the objects of `cls` sharable: the one definition of their kind. Call it once, below the class.
 *
 * @example
 * ```ts
 * defineSharable(Lock, { name: "Lock", module: __filename, fields: ["view"] });
 * defineSharable(FileLock, { name: "FileLock", module: __filename, toProcesses: true, fields: ["path"], decode: (s) => new FileLock(s.path as string) });
 * ```
 * Warning: with `fields`, the object is rebuilt without its constructor: list every field it needs.
 */
export function defineSharable<T extends object>(cls: abstract new (...args: any[]) => T, kind: SharableKind<T>): void {
  const pick = (from: object) => Object.fromEntries((kind.fields ?? []).map((f) => [f, (from as Record<string, unknown>)[f]]));
  const complete: SharableKind<T> = {
    ...kind,
    encode: kind.encode ?? pick,
    decode: kind.decode ?? ((state) => Object.assign(Object.create(cls.prototype) as T, pick(state))),
  };
  Object.defineProperty(cls.prototype, SHARABLE, { value: complete });
  registerSharable(kind.name, complete.decode!, kind.module);
}

/**
 * Sets how a kind is rebuilt in this process, replacing what {@link defineSharable} said (the
 * manager's server turns a proxy of its own object back into the object).
 *
 * @example
 * ```ts
 * registerSharable("ManagerProxy", (s) => mine(s) ?? reviveManagerProxy(s));
 * ```
 * Warning: replaces the reviver in this thread or process only, for every object of that kind decoded afterwards.
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

// How a function crosses: packed with what it uses from the notebook. The run layer knows how
// (run/function-arguments.ts gives it through defineFunctionTravel); until then a function is left
// as it is.
let functionKind: SharableKind | undefined;

/**
 * Makes functions travel when they are found among the values being encoded (an argument of a run
 * or an exploration): the one definition of how, given by the layer that packs functions.
 *
 * @internal
 * @example
 * ```ts
 * defineFunctionTravel({ name: "Function", module: __filename, toProcesses: true, encode: pack, decode: unpack });
 * ```
 * Warning: `encode` runs for every function met while encoding: keep it quick, or cache.
 */
export function defineFunctionTravel(kind: SharableKind<(...args: any[]) => unknown>): void {
  functionKind = kind;
  registerSharable(kind.name, kind.decode!, kind.module);
}

function kindOf(value: unknown): SharableKind | undefined {
  if (typeof value === "function") return functionKind;
  return typeof value === "object" && value !== null ? (value as Partial<Sharable>)[SHARABLE] : undefined;
}

function isSharedState(value: unknown): value is SharedState {
  return typeof value === "object" && value !== null && typeof (value as SharedState).__raceLab === "string";
}

const MAX_DEPTH = 8;

function encode(value: unknown, to: Destination, depth: number): unknown {
  const kind = kindOf(value);
  if (kind) {
    if (to === "process" && !kind.toProcesses) throw notSharable(kind.name);
    // The fields go through encode too: a Condition's lock crosses as a Lock.
    const fields = encode(kind.encode!(value, to), to, depth) as Record<string, unknown>;
    return { __raceLab: kind.name, ...fields, __module: kind.module };
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
 * Warning: only arrays and plain objects up to 8 levels deep are searched; any other object is left for `postMessage`
 * to copy, which drops its class.
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
 * Warning: throws {@link NotSharableError} for any memory-backed object (a Value, a Lock, a Trace, …) among `args`.
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
 * Warning: throws a plain Error for a kind this thread or process cannot revive (not registered here, and not a file of
 * the library).
 */
export function decodeShared(value: unknown, depth = 0): unknown {
  if (depth >= MAX_DEPTH || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => decodeShared(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = decodeShared(v, depth + 1);
  if (!isSharedState(out)) return out;
  // A shared state: its fields are decoded above (a Condition's lock is a Lock again), then the kind rebuilds it.
  const revive = reviverOf(out);
  if (!revive) throw new Error(`race-lab cannot rebuild a shared object of kind "${out.__raceLab}" here`);
  return revive(out);
}

/**
 * The error a memory-backed object gives when it is sent to a process.
 *
 * @example
 * ```ts
 * if (to === "process") throw notSharable("Value");
 * ```
 * Warning: it returns the error without throwing it: write `throw notSharable(kind)`.
 */
export function notSharable(kind: string): NotSharableError {
  return new NotSharableError(
    `A ${kind} lives in shared memory, and processes share no memory: a child process would get a copy, ` +
      `and its changes would never come back. Use threads (runThreads) to share a ${kind}, or share through ` +
      `what processes do have in common: a file (with a FileLock), a Manager's objects, or manager.Queue(). ` +
      `(Python's multiprocessing.Value is placed in shared memory that forked processes inherit; Node has no such thing.)`,
  );
}
