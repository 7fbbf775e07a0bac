import { builtinModules, createRequire } from "module";
import * as path from "path";
import { RaceLabArgumentError, TravelError, describe } from "../core/errors";
import { Destination, decodeShared, encodeForProcess, encodeForThread, notSharable } from "../core/shared-object";
import { type Guard, guardedInfo } from "../core/guarded";
import { checkFunction } from "../core/validate";

// A function sent to a worker thread or a child process travels as its source code: threads and
// processes share no JavaScript objects, only data. This file turns a function into source, and
// source back into a function on the other side, with the few names a notebook function may use.

const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

function compiles(expression: string): boolean {
  try {
    // Compiling only: the body is not run.
    new Function(`"use strict";\nreturn (${expression}\n);`);
    return true;
  } catch {
    return false;
  }
}

function displayName(name: string): string {
  return name ? `\`${name}\`` : "the function";
}

/**
 * The source code of `fn` as a JavaScript expression that evaluates to the function: what travels
 * to a worker. A method shorthand (`work(x) { … }`, as a class or object method prints itself) is
 * turned into a function expression.
 *
 * @example
 * ```ts
 * functionSource((x: number) => x + 1); // "(x) => x + 1"
 * ```
 * Warning: only the source travels, not the variables around the function. Built-in and bound
 * functions have no source (`[native code]`) and throw `TravelError`.
 */
export function functionSource(fn: (...args: any[]) => unknown): string {
  checkFunction("fn", fn);
  const partialInfo = partials.get(fn);
  if (partialInfo) return partialInfo.source;
  const guardedBy = guardedInfo(fn);
  if (guardedBy) return functionSource(guardedBy.inner);
  const raw = Function.prototype.toString.call(fn).trim();
  const name = fn.name;
  if (NATIVE.test(raw)) {
    throw new TravelError(
      `${displayName(name)} is a built-in or bound function (its source reads "[native code]"), so it cannot travel ` +
        `to a thread or process as source code. Wrap it in a function of your own, e.g. \`(x) => Math.sqrt(x)\`.`,
    );
  }
  if (compiles(raw)) return raw;
  // A method shorthand: `work(x) {…}`, `async work(x) {…}`, `*gen() {…}`, `async *gen() {…}`.
  const method = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(raw);
  if (method) {
    const [head, isAsync, isGenerator, methodName] = method;
    const asFunction = `${isAsync ? "async " : ""}function${isGenerator ? "*" : ""} ${methodName}${raw.slice(head.length - 1)}`;
    if (compiles(asFunction)) return asFunction;
    // A method named like a keyword (`delete(x) {…}`) cannot be a function name: keep it a method.
    const asMethod = `({ ${raw}\n })[${JSON.stringify(methodName)}]`;
    if (compiles(asMethod)) return asMethod;
  }
  throw new TravelError(
    `${displayName(name)} cannot travel to a thread or process: its source code does not compile on its own ` +
      `(getters, setters, computed method names and methods using \`super\` cannot travel). ` +
      `Write it as a plain function: \`function ${name || "work"}(…) { … }\`.`,
  );
}

// ---------------------------------------------------------------------------------------------
// The scope a rebuilt function sees.

let library: unknown;
function raceLab(): unknown {
  // Loaded on first use, not at import: index.ts re-exports this file.
  library ??= require("../index");
  return library;
}

const cwdRequire = createRequire(path.join(process.cwd(), "__race_lab_travel__.js"));

/** `require` inside a traveled function: resolves from the notebook's folder, like the cell's own. */
function travelRequire(id: string): unknown {
  if (id === "race-lab") return raceLab();
  try {
    return cwdRequire(id);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    return require(id);
  }
}
travelRequire.resolve = cwdRequire.resolve;

// TypeScript's emit helpers (the same behaviour as tslib's). A cell that defines a decorated class
// inside a function compiles to calls of these; the cell defines them at its top, which does not
// travel, so the worker provides them.
function keepName<T>(target: T): T {
  return target;
}

function __decorate(decorators: Function[], target: any, key?: string | symbol, desc?: PropertyDescriptor | null): any {
  const c = arguments.length;
  let r = c < 3 ? target : desc === null ? (desc = Object.getOwnPropertyDescriptor(target, key!)) : desc;
  const reflect = Reflect as any;
  if (typeof reflect.decorate === "function") r = reflect.decorate(decorators, target, key, desc);
  else
    for (let i = decorators.length - 1; i >= 0; i--) {
      const d = decorators[i] as any;
      if (d) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    }
  if (c > 3 && r) Object.defineProperty(target, key!, r);
  return r;
}
function __metadata(key: string, value: unknown): unknown {
  const reflect = Reflect as any;
  return typeof reflect.metadata === "function" ? reflect.metadata(key, value) : undefined;
}
function __param(index: number, decorator: Function) {
  return (target: unknown, key: unknown) => decorator(target, key, index);
}
function __importDefault(mod: any): any {
  return mod && mod.__esModule ? mod : { default: mod };
}
function __importStar(mod: any): any {
  if (mod && mod.__esModule) return mod;
  const result: any = {};
  if (mod != null) for (const k of Object.keys(mod)) if (k !== "default") result[k] = mod[k];
  result.default = mod;
  return result;
}

const builtins = new Set(builtinModules);

/** The Node module a tslab-compiled import name stands for: `fs_1` → "fs", `node_fs_1` → "fs". */
function builtinFor(compiledName: string): string | undefined {
  const base = compiledName.replace(/_\d+$/, "").replace(/^node_/, "");
  return builtins.has(base) ? base : undefined;
}

function travelScope(source: string, name: string): { names: string[]; values: unknown[] } {
  // __name is what tsx/esbuild insert to keep function names (`__name(fn, "fn")`): scripts and tests
  // run under tsx send functions whose source calls it.
  const names = ["require", "exports", "__decorate", "__metadata", "__param", "__importDefault", "__importStar", "__name"];
  const values: unknown[] = [travelRequire, cellNamesInWorker(name), __decorate, __metadata, __param, __importDefault, __importStar, keepName];
  const seen = new Set(names);
  // `import { sleep } from "race-lab"` in a cell compiles to `race_lab_1.sleep`: bind every such name.
  for (const [id] of source.matchAll(/\brace_lab_\d+\b/g)) {
    if (seen.has(id)) continue;
    seen.add(id);
    names.push(id);
    values.push(raceLab());
  }
  // `import fs from "fs"` compiles to `fs_1.default`: bind names of Node's own modules the same way.
  for (const [id] of source.matchAll(/\b[a-z][a-z0-9_]*_\d+\b/g)) {
    const module = builtinFor(id);
    if (!module || seen.has(id)) continue;
    seen.add(id);
    names.push(id);
    values.push(__importStar(require(module)));
  }
  return { names, values };
}

/**
 * The plain-words error for a name that did not travel, or `undefined` when `error` is something else.
 *
 * @example
 * ```ts
 * try { fn(); } catch (e) { throw travelErrorFor(e, source, "work") ?? e; }
 * ```
 */
export function travelErrorFor(error: unknown, source: string, name: string): TravelError | undefined {
  if (!(error instanceof Error) || error.name !== "ReferenceError") return undefined;
  const missing = /^(\S+) is not defined$/.exec(error.message)?.[1];
  if (!missing || !new RegExp(`(^|[^\\w$.])${missing.replace(/\$/g, "\\$")}(?![\\w$])`).test(source)) return undefined;
  let hint = "";
  if (builtins.has(missing) || builtins.has(missing.replace(/_\d+$/, ""))) {
    const module = missing.replace(/_\d+$/, "");
    hint = ` (\`${missing}\` is Node's "${module}" module imported in the cell: write \`const ${module} = require("${module}");\` inside the function instead.)`;
  } else if (/_\d+$/.test(missing)) {
    hint = ` (\`${missing}\` is how the notebook compiles a module imported in the cell: call \`require(…)\` for it inside the function.)`;
  }
  return notTraveled(name, missing, hint);
}

function notTraveled(name: string, missing: string, hint = ""): TravelError {
  return new TravelError(
    `${displayName(name)} uses \`${missing}\`, which did not travel with it. A function sent to a thread or process ` +
      `travels as its source code only (Python pickles functions by reference the same way, so it has the same rule): ` +
      `pass \`${missing}\` as an argument.${hint}`,
  );
}

// tslab compiles a name defined or imported in an EARLIER cell to `exports.name`.
const CELL_EXPORT = /(?<![\w$.])exports\.([A-Za-z_$][\w$]*)/g;

/** The kernel's table of names from earlier cells, when running under tslab. */
function tslabCellNames(): Record<string, unknown> | undefined {
  return (globalThis as { __tslab__?: { exports?: Record<string, unknown> } }).__tslab__?.exports;
}

/**
 * In the notebook, before anything starts: every `exports.name` the function uses must be a name
 * imported from race-lab in an earlier cell (the worker has those). Anything else is a cell variable.
 */
function checkCellNames(source: string, name: string): void {
  const lib = raceLab() as Record<string, unknown>;
  const cells = tslabCellNames();
  for (const [, used] of source.matchAll(CELL_EXPORT)) {
    const fromRaceLab = used in lib && (!cells || !(used in cells) || cells[used] === lib[used]);
    if (!fromRaceLab) throw notTraveled(name, used, " (It is defined in an earlier cell of the notebook.)");
  }
}

/** `exports` inside a traveled function: race-lab's names; any other name did not travel. */
function cellNamesInWorker(name: string): Record<string, unknown> {
  return new Proxy(
    {},
    {
      get(_, key) {
        if (typeof key !== "string") return undefined;
        const lib = raceLab() as Record<string, unknown>;
        if (key in lib) return lib[key];
        throw notTraveled(name, key, " (It is defined in an earlier cell of the notebook.)");
      },
    },
  );
}

/**
 * Rebuilds a function from {@link functionSource}'s text, on the other side. Inside it, `require`,
 * every `race_lab_N` (a cell's `import … from "race-lab"`), `exports.name` for race-lab names
 * imported in an earlier cell, Node modules imported in the cell (`fs_1`) and TypeScript's
 * decorator helpers are available. A `ReferenceError` for a name the function
 * expected from around it becomes a {@link TravelError} in plain words.
 *
 * @example
 * ```ts
 * const work = rebuildFunction("(x) => x * 2", "double");
 * work(21); // 42
 * ```
 * Warning: the source is run as code. Only rebuild source that came from your own functions.
 */
export function rebuildFunction(source: string, name = ""): (...args: any[]) => any {
  if (typeof source !== "string" || source.trim() === "") {
    throw new RaceLabArgumentError("source", "the source code of a function (a non-empty string)", source);
  }
  if (typeof name !== "string") throw new RaceLabArgumentError("name", "a string", name);
  const scope = travelScope(source, name);
  let fn: unknown;
  try {
    fn = new Function(...scope.names, `"use strict";\nreturn (${source}\n);`)(...scope.values);
  } catch (error) {
    throw travelErrorFor(error, source, name) ??
      new TravelError(`${displayName(name)} could not be rebuilt from its source code: ${(error as Error).message}`);
  }
  if (typeof fn !== "function") throw new RaceLabArgumentError("source", "the source code of a function", source);
  if (/^class\b/.test(source)) return fn as (...args: any[]) => any;
  const rebuilt = fn as (...args: any[]) => any;
  const explain = (error: unknown): unknown => travelErrorFor(error, source, name) ?? error;
  return function (this: unknown, ...args: any[]) {
    try {
      const result = rebuilt.apply(this, args);
      if (result instanceof Promise) return result.catch((error) => Promise.reject(explain(error)));
      return result;
    } catch (error) {
      throw explain(error);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// partial: bind arguments by parameter name, like Python's functools.partial.

interface Parameter {
  /** The parameter's name, or null for a destructured one (`{ a, b }`). */
  name: string | null;
  rest: boolean;
}

interface PartialInfo {
  source: string;
  name: string;
  parameters: Parameter[];
  /** Bound values by parameter index. */
  bound: Map<number, unknown>;
  /** The lock held around each call when the partial wraps a guarded function. */
  guard?: Guard;
}

const partials = new WeakMap<Function, PartialInfo>();

/** Splits the parameter list of a function's source at its top-level commas. */
function parameterList(source: string): Parameter[] {
  const arrow = /^(async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(source);
  if (arrow) return [{ name: arrow[2], rest: false }];
  const open = source.indexOf("(");
  if (open < 0) return [];
  const pieces: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === "`") {
      // Skip a string (or a template literal, without nested templates) in a default value.
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2) + 1 || source.length;
    } else if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? source.length : end;
    } else if (c === "(" || c === "[" || c === "{") {
      depth++;
    } else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        pieces.push(source.slice(start, i));
        break;
      }
    } else if (c === "," && depth === 1) {
      pieces.push(source.slice(start, i));
      start = i + 1;
    }
  }
  return pieces
    .map((p) => p.replace(/\/\*[\s\S]*?\*\//g, "").trim())
    .filter((p) => p !== "")
    .map((p) => {
      const rest = p.startsWith("...");
      const name = /^(?:\.\.\.)?\s*([A-Za-z_$][\w$]*)/.exec(p)?.[1] ?? null;
      return { name, rest };
    });
}

/**
 * The names of `fn`'s parameters, read from its source (`null` for a destructured one).
 *
 * @example
 * ```ts
 * parameterNames(function work(n, filename = "x.txt") {}); // ["n", "filename"]
 * ```
 */
export function parameterNames(fn: (...args: any[]) => unknown): (string | null)[] {
  const info = partials.get(fn);
  if (info) return info.parameters.filter((_, i) => !info.bound.has(i)).map((p) => p.name);
  functionSource(fn); // throws for functions that cannot travel
  return parameterList(Function.prototype.toString.call(fn)).map((p) => p.name);
}

/** Puts call arguments into the unbound parameter slots, in order, around the bound values. */
function assemble(bound: Map<number, unknown>, args: unknown[]): unknown[] {
  const full: unknown[] = [];
  let next = 0;
  const last = Math.max(-1, ...bound.keys());
  for (let i = 0; i <= last; i++) full.push(bound.has(i) ? bound.get(i) : args[next++]);
  return full.concat(args.slice(next));
}

/**
 * Binds some of `fn`'s arguments by parameter name, like Python's `functools.partial(work,
 * filename=f)`. The result takes the remaining parameters, in order. It can be called here, and it
 * travels to threads and processes (its source and its bound values travel together).
 *
 * @example
 * ```ts
 * function work(count: number, filename: string) { … }
 * await new Pool(2).map(partial(work, { filename: f }), [1000, 2000]); // work(1000, f), work(2000, f)
 * ```
 * Warning: bound values travel like arguments: data and shared objects only, and only threads can
 * receive shared-memory objects.
 */
export function partial<F extends (...args: any[]) => any>(fn: F, named: Record<string, unknown>): (...args: any[]) => ReturnType<F> {
  checkFunction("fn", fn);
  if (typeof named !== "object" || named === null || Array.isArray(named)) {
    throw new RaceLabArgumentError("named", "an object of { parameterName: value }", named);
  }
  const inner = partials.get(fn);
  const source = inner ? inner.source : functionSource(fn);
  if (/^class\b/.test(source)) throw new RaceLabArgumentError("fn", "a function (not a class)", fn);
  // Parsed from the function's own text: a method named like a keyword travels wrapped in an object.
  const guardedBy = inner ? undefined : guardedInfo(fn);
  const parameters = inner ? inner.parameters : parameterList(Function.prototype.toString.call(guardedBy ? guardedBy.inner : fn));
  const bound = new Map(inner ? inner.bound : []);
  const name = inner ? inner.name : (guardedBy?.inner.name ?? fn.name);
  const listed = parameters.map((p) => (p.rest ? "..." : "") + (p.name ?? "(destructured)")).join(", ") || "none";
  for (const [key, value] of Object.entries(named)) {
    const index = parameters.findIndex((p) => p.name === key);
    if (index < 0 || parameters[index].rest) {
      throw new RaceLabArgumentError(
        `named.${key}`,
        `a parameter of ${displayName(name)} (its parameters: ${listed}; a rest parameter cannot be bound)`,
        key,
      );
    }
    bound.set(index, value);
  }
  const target = inner ? (inner as PartialInfo & { target: F }).target : fn;
  const bound_ = function (this: unknown, ...args: any[]) {
    return target.apply(this, assemble(bound, args));
  };
  Object.defineProperty(bound_, "name", { value: name });
  const guard = inner ? inner.guard : guardedBy?.guard;
  const info: PartialInfo & { target: F } = { source, name, parameters, bound, target, guard };
  partials.set(bound_, info);
  return bound_;
}

// ---------------------------------------------------------------------------------------------
// What run.ts sends: a function's source, name and bound values.

/**
 * A function ready to travel: its source, its name and any values bound by {@link partial}.
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
}

/**
 * Checks that `value` can be copied to a thread or process: no functions or symbols (anywhere in
 * arrays and plain objects), and for processes no shared memory.
 *
 * @example
 * ```ts
 * checkSendable(args, "argLists[0]", "process");
 * ```
 */
export function checkSendable(value: unknown, where: string, to: Destination, depth = 0): void {
  if (typeof value === "function" || typeof value === "symbol") {
    throw new RaceLabArgumentError(
      where,
      `data or shared objects: a ${typeof value} cannot be copied to another ${to} (send a function as fn, or bind values to it with partial())`,
      value,
    );
  }
  if (to === "process" && (value instanceof SharedArrayBuffer || (ArrayBuffer.isView(value) && value.buffer instanceof SharedArrayBuffer))) {
    throw notSharable("SharedArrayBuffer");
  }
  if (depth >= 8 || typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) value.forEach((v, i) => checkSendable(v, `${where}[${i}]`, to, depth + 1));
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkSendable(v, `${where}.${k}`, to, depth + 1);
  }
}

/**
 * Packs `fn` (a plain function or a {@link partial}) for a thread or a process, checking that its
 * source compiles on its own.
 *
 * @example
 * ```ts
 * const packed = packFunction(work, "thread"); // → workerData; unpackFunction(packed) there
 * ```
 * Warning: throws `NotSharableError` when a value bound by `partial` lives in shared memory and goes
 * to a process.
 */
export function packFunction(fn: (...args: any[]) => unknown, to: Destination): TravelingFunction {
  const source = functionSource(fn);
  const info = partials.get(fn);
  const guardedBy = info ? undefined : guardedInfo(fn);
  const name = info ? info.name : (guardedBy?.inner.name ?? fn.name);
  const guard = info ? info.guard : guardedBy?.guard;
  // Check here first, so a function that cannot travel fails before any worker starts.
  checkCellNames(source, name);
  rebuildFunction(source, name);
  const encode = to === "thread" ? encodeForThread : encodeForProcess;
  const bound: [number, unknown][] = [];
  for (const [i, value] of info?.bound ?? []) {
    checkSendable(value, `the value bound to ${info!.parameters[i].name}`, to);
    bound.push([i, encode([value])[0]]);
  }
  if (guard === undefined) return { source, name, bound };
  checkSendable(guard, `the lock that ${displayName(name)} holds`, to);
  return { source, name, bound, guard: encode([guard])[0] };
}

/**
 * Rebuilds a {@link packFunction} result on the other side.
 *
 * @example
 * ```ts
 * const work = unpackFunction(workerData.fn);
 * ```
 */
export function unpackFunction(packed: TravelingFunction): (...args: any[]) => any {
  let fn = rebuildFunction(packed.source, packed.name);
  if (packed.guard !== undefined) {
    // Rebuild the wrapper: every call holds the lock that travelled with the function.
    const guard = decodeShared(packed.guard) as Guard;
    const inner = fn;
    const isAsync = /^async\b/.test(packed.source);
    fn = isAsync
      ? (...args: any[]) => guard.withLockAsync(() => inner(...args))
      : (...args: any[]) => guard.withLock(() => inner(...args));
  }
  if (packed.bound.length === 0) return fn;
  const bound = new Map(packed.bound.map(([i, v]) => [i, decodeShared(v)] as [number, unknown]));
  return (...args: any[]) => fn(...assemble(bound, args));
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
 * A thrown value as plain data that can cross to the main thread.
 *
 * @example
 * ```ts
 * catch (e) { parentPort.postMessage({ type: "error", error: errorReport(e) }); }
 * ```
 */
export function errorReport(error: unknown): ErrorReport {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "thrown value", message: describe(error) };
}
