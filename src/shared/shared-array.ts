// SharedArray: Python's multiprocessing.Array for worker threads — a fixed-length array of numbers
// in shared memory, with a lock that travels with it.

import { RaceLabArgumentError } from "../core/errors";
import type { Lock } from "../primitives/lock";
import type { RLock } from "../primitives/rlock";
import { defineSharable } from "../core/shared-object";
import { checkArray, checkInteger, checkOptions } from "../core/validate";
import { control } from "../primitives/schedule-control";
import {
  checkElement,
  checkTypeCode,
  type IntegerTypeCode,
  type IntegerTypedArray,
  type LockOption,
  makeLock,
  noLock,
  type SharedTypedArray,
  TYPE_CODES,
  type TypeCode,
  type TypedArrayOf,
} from "./value";

/** The most elements a SharedArray may have: 16 Mi (16 777 216). */
export const MAX_SHARED_ARRAY_LENGTH = 16 * 1024 * 1024;

/** Options of {@link SharedArray}. */
export interface SharedArrayOptions {
  /** As for Value: true (default) makes a new Lock for `getLock()`; a Lock/RLock to share one; false: none. */
  lock?: LockOption;
}

/**
 * A fixed-length array of numbers in shared memory (Python's `multiprocessing.Array`), shared by
 * every worker thread it is passed to. See {@link TypeCode} for the type letters.
 *
 * @example
 * ```ts
 * const hits = new SharedArray("i", 4);            // four int32 zeros
 * const primes = new SharedArray("d", [2, 3, 5]);  // from values
 * await runThreads((hits, i) => { Atomics.add(hits.typed as Int32Array, i, 1); }, [[hits, 0], [hits, 1]]);
 * hits.toArray(); // [1, 1, 0, 0]
 * ```
 * Warning: `get` and `set` are each atomic, `a.set(i, a.get(i) + 1)` is not: hold `getLock()` or use
 * `Atomics.add(a.typed, i, 1)`.
 */
export class SharedArray<T extends TypeCode = IntegerTypeCode> {
  /** The element type. (`SharedArray` alone means an integer one; `SharedArray<"d">` float64.) */
  readonly type!: T;
  /** @internal */
  protected items!: SharedTypedArray;
  /** @internal */
  protected lock!: Lock | RLock | null;

  constructor(type: T, lengthOrValues: number | number[], options: SharedArrayOptions = {}) {
    this.type = checkTypeCode("type", type) as T;
    let values: number[] | undefined;
    let length: number;
    if (typeof lengthOrValues === "number") {
      length = checkInteger("lengthOrValues", lengthOrValues, 0, MAX_SHARED_ARRAY_LENGTH);
    } else if (Array.isArray(lengthOrValues)) {
      values = checkArray("lengthOrValues", lengthOrValues, MAX_SHARED_ARRAY_LENGTH) as number[];
      values.forEach((x, i) => checkElement(`lengthOrValues[${i}]`, type, x));
      length = values.length;
    } else {
      throw new RaceLabArgumentError(
        "lengthOrValues",
        `a length from 0 to ${MAX_SHARED_ARRAY_LENGTH} or an array of numbers`,
        lengthOrValues,
      );
    }
    options = checkOptions("options", options, "{ lock: true }");
    this.lock = makeLock(options.lock);
    const array = TYPE_CODES[type].array;
    this.items = new array(new SharedArrayBuffer(length * array.BYTES_PER_ELEMENT));
    if (values) this.items.set(values); // not yet shared: plain writes are enough
  }

  /**
   * The number of elements.
   *
   * @example
   * ```ts
   * for (let i = 0; i < a.length; i++) total += a.get(i);
   * ```
   */
  get length(): number {
    return this.items.length;
  }

  /**
   * Element `i` (one atomic read for integer types).
   *
   * @example
   * ```ts
   * a.get(0);
   * ```
   */
  get(i: number): number {
    this.checkIndex(i);
    // Under explore's valuePoints, the read is a step of its own (a lost update can fall between it and a write).
    control.current?.valueAccess("read", `[${i}]`);
    if (TYPE_CODES[this.type].integer) {
      // Atomics.load: a whole, current value — not a lock; it may change right after.
      return Atomics.load(this.items as IntegerTypedArray, i);
    }
    return this.items[i]; // floats: no Atomics; aligned reads do not tear here, but use the lock for read-modify-write
  }

  /**
   * Sets element `i` (one atomic write for integer types).
   *
   * @example
   * ```ts
   * a.set(0, 42);
   * ```
   * Warning: `a.set(i, a.get(i) + 1)` loses updates between threads: lock, or `Atomics.add(a.typed, i, 1)`.
   */
  set(i: number, x: number): void {
    this.checkIndex(i);
    checkElement("x", this.type, x);
    control.current?.valueAccess("write", `[${i}]`);
    if (TYPE_CODES[this.type].integer) {
      // Atomics.store: others see the whole new value; it cannot stop overwriting an update made
      // since our read (that needs the lock).
      Atomics.store(this.items as IntegerTypedArray, i, x);
    } else {
      this.items[i] = x;
    }
  }

  /**
   * A plain (unshared) copy of the elements.
   *
   * @example
   * ```ts
   * console.log(a.toArray());
   * ```
   * Warning: other threads may be changing the array while it is copied: lock it for a consistent snapshot.
   */
  toArray(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.get(i);
    return out;
  }

  /**
   * The lock that travels with this array (Python's `Array.get_lock()`).
   *
   * @example
   * ```ts
   * a.getLock().withLock(() => a.set(0, a.get(0) + 1));
   * ```
   */
  getLock(): Lock | RLock {
    if (!this.lock) throw noLock("SharedArray");
    return this.lock;
  }

  /**
   * The raw shared typed array, for `Atomics` operations or fast loops.
   *
   * @example
   * ```ts
   * Atomics.add(a.typed, 3, 1); // a.typed is an Int32Array for new SharedArray("i", …)
   * ```
   * Warning: plain `a.typed[i]++` is a read-modify-write, as racy as `a.set(i, a.get(i) + 1)`.
   */
  get typed(): TypedArrayOf[T] {
    return this.items as TypedArrayOf[T];
  }

  private checkIndex(i: unknown): void {
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || i >= this.items.length) {
      throw new RaceLabArgumentError(
        "i",
        this.items.length === 0 ? "an index, but the array is empty" : `an index from 0 to ${this.items.length - 1}`,
        i,
      );
    }
  }
}

defineSharable(SharedArray, { name: "SharedArray", module: __filename, fields: ["type", "items", "lock"] });
