// Value: Python's multiprocessing.Value for worker threads — one number in shared memory, plus a
// lock that travels with it. Also the type codes shared with SharedArray.

import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { control } from "../primitives/schedule-control";
import { Lock } from "../primitives/lock";
import { RLock } from "../primitives/rlock";
import { defineSharable } from "../core/shared-object";
import { checkOneOf, checkOptions } from "../core/validate";

/**
 * The element type of a {@link Value} or {@link SharedArray}, with the letters of Python's `array`
 * module and `multiprocessing.Value`:
 *
 * | code | type | range |
 * | --- | --- | --- |
 * | `"b"` | signed 8-bit integer (`Int8Array`) | −128 … 127 |
 * | `"B"` | unsigned 8-bit integer (`Uint8Array`) | 0 … 255 |
 * | `"h"` | signed 16-bit integer (`Int16Array`) | −32 768 … 32 767 |
 * | `"H"` | unsigned 16-bit integer (`Uint16Array`) | 0 … 65 535 |
 * | `"i"` | signed 32-bit integer (`Int32Array`) | −2 147 483 648 … 2 147 483 647 |
 * | `"I"` | unsigned 32-bit integer (`Uint32Array`) | 0 … 4 294 967 295 |
 * | `"f"` | 32-bit float (`Float32Array`) | about ±3.4e38, 7 digits |
 * | `"d"` | 64-bit float (`Float64Array`) | a JavaScript number |
 *
 * Integers wrap around like C's (`"b"` 127 + 1 is −128). Only integer types support `Atomics`.
 *
 * @example
 * ```ts
 * const counter = new Value("i", 0);
 * ```
 */
export type TypeCode = "b" | "B" | "h" | "H" | "i" | "I" | "f" | "d";

/** A typed array of one of the {@link TypeCode} types. */
export type SharedTypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** The {@link TypeCode}s of integers: the ones whose arrays `Atomics.add` and friends work on. */
export type IntegerTypeCode = "b" | "B" | "h" | "H" | "i" | "I";

/**
 * The typed array behind each {@link TypeCode}: what `value.typed` is, so that natural code such as
 * `Atomics.add(counter.typed, 0, 1)` type-checks for an integer value without a cast.
 *
 * @example
 * ```ts
 * const raw: TypedArrayOf["i"] = new Value("i", 0).typed; // Int32Array
 * ```
 */
export interface TypedArrayOf {
  b: Int8Array;
  B: Uint8Array;
  h: Int16Array;
  H: Uint16Array;
  i: Int32Array;
  I: Uint32Array;
  f: Float32Array;
  d: Float64Array;
}

/** An integer typed array: the ones `Atomics` works on. */
export type IntegerTypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

type TypedArrayClass = {
  new (buffer: SharedArrayBuffer, offset?: number, length?: number): SharedTypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** What each {@link TypeCode} means. */
export const TYPE_CODES: Readonly<Record<TypeCode, { readonly name: string; readonly array: TypedArrayClass; readonly integer: boolean }>> =
  {
    b: { name: "int8", array: Int8Array, integer: true },
    B: { name: "uint8", array: Uint8Array, integer: true },
    h: { name: "int16", array: Int16Array, integer: true },
    H: { name: "uint16", array: Uint16Array, integer: true },
    i: { name: "int32", array: Int32Array, integer: true },
    I: { name: "uint32", array: Uint32Array, integer: true },
    f: { name: "float32", array: Float32Array, integer: false },
    d: { name: "float64", array: Float64Array, integer: false },
  };

const CODES = Object.keys(TYPE_CODES) as TypeCode[];

/** @internal Checks a type code argument. */
export function checkTypeCode(name: string, type: unknown): TypeCode {
  return checkOneOf(name, type, CODES);
}

/** @internal Checks a number to store in an element of `type`: integers for integer types. */
export function checkElement(name: string, type: TypeCode, x: unknown): number {
  if (TYPE_CODES[type].integer) {
    if (typeof x !== "number" || !Number.isSafeInteger(x)) {
      throw new RaceLabArgumentError(name, `an integer (type "${type}" is ${TYPE_CODES[type].name})`, x);
    }
  } else if (typeof x !== "number") {
    throw new RaceLabArgumentError(name, `a number`, x);
  }
  return x;
}

/** The `lock` option of Value and SharedArray: true (a new Lock), false (none), or your own lock. */
export type LockOption = boolean | Lock | RLock;

/** Options of {@link Value}. */
export interface ValueOptions {
  /** As in Python: true (default) makes a new Lock for `getLock()`; pass a Lock/RLock to share one; false: none. */
  lock?: LockOption;
}

/** @internal Turns the `lock` option into a lock (or null). */
export function makeLock(option: unknown): Lock | RLock | null {
  if (option === undefined || option === true) return new Lock();
  if (option === false) return null;
  if (option instanceof Lock) return option; // an RLock is a Lock too
  throw new RaceLabArgumentError("options.lock", "true, false, a Lock or an RLock", option);
}

/** @internal The error of getLock() on an object made with { lock: false }. */
export function noLock(kind: string): RaceLabError {
  return new RaceLabError(
    `this ${kind} was made with { lock: false }, so it has no lock; make it with { lock: true } (the default) or create a Lock`,
  );
}

/**
 * One number in shared memory (Python's `multiprocessing.Value`), shared by every worker thread it
 * is passed to, with a lock that travels with it (`getLock()`).
 *
 * @example
 * ```ts
 * const counter = new Value("i", 0);
 * await runThreads((c) => { for (let i = 0; i < 1000; i++) c.getLock().withLock(() => { c.value += 1; }); },
 *   [[counter], [counter]]);
 * counter.value; // 2000
 * ```
 * Warning: reading `.value` is atomic and writing it is atomic, but `counter.value += 1` is a read
 * followed by a write: another thread can write in between, and its update is lost. That is the
 * race this course is about: hold `getLock()` around the whole read-modify-write.
 */
export class Value<T extends TypeCode = IntegerTypeCode> {
  /** The element type. (`Value` alone means an integer one, as the course's values are; `Value<"d">` a float64.) */
  readonly type!: T;
  /** @internal One element of `type`. */
  protected cell!: SharedTypedArray;
  /** @internal */
  protected lock!: Lock | RLock | null;

  constructor(type: T, initial = 0, options: ValueOptions = {}) {
    this.type = checkTypeCode("type", type) as T;
    checkElement("initial", type, initial);
    options = checkOptions("options", options, "{ lock: true }");
    this.lock = makeLock(options.lock);
    const array = TYPE_CODES[type].array;
    this.cell = new array(new SharedArrayBuffer(array.BYTES_PER_ELEMENT));
    this.cell[0] = initial; // not yet shared with any thread: a plain write is enough
  }

  /**
   * The number. Reading and writing are each one indivisible step; a read followed by a write
   * (`v.value += 1`) is not.
   *
   * @example
   * ```ts
   * counter.value = 0;
   * const seen = counter.value;
   * ```
   * Warning: `v.value += 1` loses updates when threads do it at once: use `getLock()`.
   */
  get value(): number {
    // Under explore's valuePoints, the read is a step of its own (a lost update can then fall between it and the write).
    control.current?.valueAccess("read");
    if (TYPE_CODES[this.type].integer) {
      // Atomics.load: the read is whole and current (no torn or stale value). It is NOT a lock:
      // another thread may change the number right after we read it.
      return Atomics.load(this.cell as IntegerTypedArray, 0);
    }
    // Floats: Atomics does not take float arrays; an aligned element read does not tear on the
    // machines we run on, but there is no atomic read-modify-write: use the lock.
    return this.cell[0];
  }

  set value(x: number) {
    checkElement("value", this.type, x);
    control.current?.valueAccess("write");
    if (TYPE_CODES[this.type].integer) {
      // Atomics.store: other threads see the whole new number (no torn write). It does not stop a
      // write from overwriting someone else's update made since our read — that needs the lock.
      Atomics.store(this.cell as IntegerTypedArray, 0, x);
    } else {
      this.cell[0] = x;
    }
  }

  /**
   * The lock that guards this value, shared by every thread holding the value (Python's
   * `Value.get_lock()`).
   *
   * @example
   * ```ts
   * counter.getLock().withLock(() => { counter.value += 1; });
   * ```
   * Warning: the lock only helps if every thread takes it around its read-modify-write.
   */
  getLock(): Lock | RLock {
    if (!this.lock) throw noLock("Value");
    return this.lock;
  }

  /**
   * The raw one-element typed array of the value's type (an `Int32Array` for `Value("i", …)`), e.g. for
   * `Atomics.add(v.typed, 0, 1)`.
   *
   * @example
   * ```ts
   * Atomics.add(counter.typed, 0, 1); // an atomic increment: no lock needed
   * ```
   * Warning: `Atomics` works on integer arrays only; for a `Value<"d">` or `Value<"f">` TypeScript says so.
   */
  get typed(): TypedArrayOf[T] {
    return this.cell as TypedArrayOf[T];
  }

  /** A short description, e.g. `Value("i", 42)`. */
  toString(): string {
    return `Value(${JSON.stringify(this.type)}, ${this.value})`;
  }
}

defineSharable(Value, { name: "Value", module: __filename, fields: ["type", "cell", "lock"] });
