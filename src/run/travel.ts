// What a run sends to a worker: a function packed as its source, name, bound values and lock
// (packFunction), rebuilt on the other side (unpackFunction); and errors coming back as data.
import { libraryFolder } from "../core/environment";
import { describe } from "../core/errors";
import { Destination, decodeShared, encodeForProcess, encodeForThread } from "../core/shared-object";
import { type Guard, guardedInfo } from "../core/guarded";
import { displayName, functionSource } from "./function-source";
import { assemble, partialInfo } from "./partials";
import { CellDefinition, cellDefinitions } from "./cell-definitions";
import { checkSendable } from "./sendable";
import { rebuildFunction } from "./worker-scope";

export { checkSendable } from "./sendable";

/**
 * A function ready to travel: its source, its name, any values bound by {@link partial} and the
 * functions, classes and constants it uses from the notebook's cells.
 *
 * @example
 * ```ts
 * const packed: TravelingFunction = packFunction(work, "process"); // { source: "function work(n) {…}", name: "work", bound: [] }
 * ```
 */
export interface TravelingFunction {
  source: string;
  name: string;
  /** [parameter index, encoded value] pairs bound by `partial`. */
  bound: [number, unknown][];
  /** The encoded lock held around each call, for `locked(lock, fn)` / `interprocessLocked(path)(fn)`. */
  guard?: unknown;
  /** What it uses from the notebook's cells, in dependency order (values encoded). */
  definitions?: CellDefinition[];
}

/**
 * Packs `fn` (a plain function or a {@link partial}) for a thread or a process, with what it uses
 * from earlier notebook cells (see `cellDefinitions`), checking that it all compiles.
 *
 * @example
 * ```ts
 * const packed = packFunction(work, "thread"); // → workerData; unpackFunction(packed) there
 * ```
 * Warning: throws `NotSharableError` when a value bound by `partial` lives in shared memory and goes
 * to a process, and `TravelError` when something it uses from the notebook cannot travel.
 */
export function packFunction(fn: (...args: any[]) => unknown, to: Destination, lookedUp?: Map<string, unknown>): TravelingFunction {
  const source = functionSource(fn);
  const info = partialInfo(fn);
  const guardedBy = info ? undefined : guardedInfo(fn);
  const name = info ? info.name : (guardedBy?.inner.name ?? fn.name);
  const guard = info ? info.guard : guardedBy?.guard;
  // Find and check here, so a function that cannot travel fails before any worker starts.
  const found = cellDefinitions(source, name, to, lookedUp);
  rebuildFunction(source, name, found.map(decoded));
  const definitions = found.length > 0 ? { definitions: found } : {};
  const encode = to === "thread" ? encodeForThread : encodeForProcess;
  const bound: [number, unknown][] = [];
  for (const [i, value] of info?.bound ?? []) {
    checkSendable(value, `the value bound to ${info!.parameters[i].name}`, to);
    bound.push([i, encode([value])[0]]);
  }
  if (guard === undefined) return { source, name, bound, ...definitions };
  checkSendable(guard, `the lock that ${displayName(name)} holds`, to);
  return { source, name, bound, guard: encode([guard])[0], ...definitions };
}

/**
 * Rebuilds a {@link packFunction} result on the other side.
 *
 * @example
 * ```ts
 * const work = unpackFunction(workerData.fn);
 * ```
 * Warning: runs the packed source as code: unpack only what {@link packFunction} made from your own functions.
 */
export function unpackFunction(packed: TravelingFunction): (...args: any[]) => any {
  let fn = rebuildFunction(packed.source, packed.name, (packed.definitions ?? []).map(decoded));
  if (packed.guard !== undefined) {
    // Rebuild the wrapper: every call holds the lock that travelled with the function.
    const guard = decodeShared(packed.guard) as Guard;
    const inner = fn;
    const isAsync = /^async\b/.test(packed.source);
    fn = isAsync ? (...args: any[]) => guard.withLockAsync(() => inner(...args)) : (...args: any[]) => guard.withLock(() => inner(...args));
  }
  if (packed.bound.length === 0) return fn;
  const bound = new Map(packed.bound.map(([i, v]) => [i, decodeShared(v)] as [number, unknown]));
  return (...args: any[]) => fn(...assemble(bound, args));
}

/** A definition as the rebuilt function uses it: a copied value decoded (a shared object revived). */
function decoded(definition: CellDefinition): CellDefinition {
  return "value" in definition ? { name: definition.name, value: decodeShared(definition.value) } : definition;
}

/**
 * What a worker reports when its function throws.
 *
 * @example
 * ```ts
 * const report: ErrorReport = errorReport(new TypeError("boom")); // { name: "TypeError", message: "boom", stack }
 * ```
 */
export interface ErrorReport {
  name: string;
  message: string;
  stack?: string;
}

/**
 * A thrown value as plain data that can cross to the main thread. Its stack keeps the frames that
 * are the user's (the traveled function, shown as `name:line:column` of its own source, and the
 * user's own files) and drops race-lab's and Node's internals.
 *
 * @example
 * ```ts
 * catch (e) { parentPort.postMessage({ type: "error", error: errorReport(e) }); }
 * ```
 * Warning: the stack is filtered: race-lab's and Node's frames are dropped, so a bug inside race-lab shows few frames.
 */
export function errorReport(error: unknown, functionName = ""): ErrorReport {
  if (!(error instanceof Error)) return { name: "thrown value", message: describe(error) };
  const frames = (error.stack ?? "").split("\n").flatMap((line) => userFrame(line, functionName));
  return { name: error.name, message: error.message, stack: [`${error.name}: ${error.message}`, ...frames].join("\n") };
}

// A traveled function runs as `new Function(…)` code: V8 names its frames "eval at rebuildFunction
// (race-lab's file), <anonymous>:line:column", where line 1 is the header `new Function` writes and
// rebuildFunction's `"use strict"` line: the function's own line 1 is line 4 (after `return (`).
const EVAL_FRAME = /^\s+at (?:(.+?) )?\(eval at .*, <anonymous>:(\d+):(\d+)\)$/;
const SOURCE_FIRST_LINE = 4;
const RETURN_PREFIX = "return (".length;

/** One line of a stack as the user should see it: [] for race-lab's and Node's own frames. */
function userFrame(line: string, functionName: string): string[] {
  const evaluated = EVAL_FRAME.exec(line);
  if (evaluated) {
    const [, caller, row, column] = evaluated;
    const sourceLine = Number(row) - SOURCE_FIRST_LINE + 1;
    const sourceColumn = sourceLine === 1 ? Number(column) - RETURN_PREFIX : Number(column);
    const where = `${functionName || "function"}:${sourceLine}:${sourceColumn}`;
    return [`    at ${caller && caller !== "eval" ? `${caller} (${where})` : where}`];
  }
  if (!/^\s+at /.test(line) || /\(?node:|\(<anonymous>\)|^\s+at <anonymous>$/.test(line) || line.includes(libraryFolder())) return [];
  return [line];
}
