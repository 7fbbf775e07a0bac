// Queue: Python's queue.Queue between worker threads. Items are JSON text in a shared byte ring
// buffer; one Lock and two Conditions on it (not empty / not full), exactly as CPython's queue.py.

import { Condition } from "./condition";
import { RaceLabArgumentError } from "../core/errors";
import { blocking, deadlineOf, mayBlock, msLeft, type Steps, waiting } from "./futex";
import { Lock } from "./lock";
import { defineSharable } from "../core/shared-object";
import { checkInteger, checkOptions } from "../core/validate";

// Header slots (Int32). All are read and written only while holding the queue's lock, which orders
// them between threads; Atomics is used where a lock-free snapshot (qsize, empty) reads them.
const HEAD = 0; // byte offset of the oldest item
const TAIL = 1; // byte offset where the next item goes
const USED = 2; // bytes in use
const COUNT = 3; // items in the queue
const MAXSIZE = 4; // 0 = no limit on the number of items
const SLOTS = 5;

const LENGTH_PREFIX = 4; // every item is stored as a 4-byte length, then its UTF-8 JSON text

/** Default size of a queue's shared buffer: 1 MiB. */
export const DEFAULT_QUEUE_BYTES = 1 << 20;
/** Largest shared buffer a queue may have: 256 MiB. */
export const MAX_QUEUE_BYTES = 1 << 28;
/** Largest `maxsize`. */
export const MAX_QUEUE_SIZE = 2 ** 31 - 1;

/** Options of {@link Queue}. */
export interface QueueOptions {
  /** Most items the queue holds; `put` waits while it is full. 0 (default): no limit but the buffer. */
  maxsize?: number;
  /** Size of the shared buffer holding the items' JSON text (default 1 MiB). `put` also waits while it is full. */
  capacityBytes?: number;
}

/**
 * A first-in-first-out queue between worker threads (Python's `queue.Queue`): producers `put`,
 * consumers `get`; both wait when they must. Items travel as JSON, so they must be
 * JSON-serialisable (numbers, strings, booleans, null, arrays, plain objects).
 *
 * @example
 * ```ts
 * const q = new Queue<number>({ maxsize: 10 });
 * await runThreads((q) => { for (let i = 0; i < 5; i++) q.put(i); q.put(-1); }, [[q]]);
 * let x; while ((x = await q.getAsync(1000)) !== -1) console.log(x);
 * ```
 * Warning: items are copied as JSON — `put` a Value or a class instance and the other side gets a
 * plain object; `NaN`/`Infinity` arrive as null. `get` returns `undefined` on timeout (never a
 * valid item). Blocking forms (`put`, `get`) are for worker threads; use `putAsync`/`getAsync` in a cell.
 */
export class Queue<T = unknown> {
  /** @internal */
  protected lock!: Lock;
  /** @internal */
  protected notEmpty!: Condition;
  /** @internal */
  protected notFull!: Condition;
  /** @internal */
  protected header!: Int32Array;
  /** @internal */
  protected data!: Uint8Array;

  constructor(options: QueueOptions = {}) {
    options = checkOptions("options", options, "{ maxsize: 10 }");
    const maxsize = checkInteger("options.maxsize", options.maxsize ?? 0, 0, MAX_QUEUE_SIZE);
    const capacity = checkInteger("options.capacityBytes", options.capacityBytes ?? DEFAULT_QUEUE_BYTES, 16, MAX_QUEUE_BYTES);
    this.lock = new Lock();
    this.notEmpty = new Condition(this.lock);
    this.notFull = new Condition(this.lock);
    this.header = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.header[MAXSIZE] = maxsize; // not yet shared: a plain write is enough
    this.data = new Uint8Array(new SharedArrayBuffer(capacity));
  }

  /**
   * Puts `item` at the end, blocking this worker while the queue is full, at most `timeoutMs`.
   * Returns false on timeout (the item was not added). `put(item, 0)` only tries (works anywhere).
   */
  put(item: T, timeoutMs?: number): boolean {
    return blocking(this.putSteps(item, timeoutMs));
  }

  /** The Atomics.waitAsync form of {@link put}: usable anywhere. */
  putAsync(item: T, timeoutMs?: number): Promise<boolean> {
    return waiting(this.putSteps(item, timeoutMs));
  }

  private *putSteps(item: T, timeoutMs: number | undefined): Steps<boolean> {
    const bytes = this.encode(item);
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    yield mayBlock("queue.put()", "queue.putAsync()", timeoutMs);
    return yield* this.lockedSteps(
      deadline,
      timeoutMs,
      this.notFull,
      () => this.fits(bytes),
      () => (this.store(bytes), true),
      false,
    );
  }

  /**
   * Takes the oldest item, blocking this worker while the queue is empty, at most `timeoutMs`.
   * Returns `undefined` on timeout. `get(0)` only tries (works anywhere).
   */
  get(timeoutMs?: number): T | undefined {
    return blocking(this.getSteps(timeoutMs));
  }

  /** The Atomics.waitAsync form of {@link get}: usable anywhere. */
  getAsync(timeoutMs?: number): Promise<T | undefined> {
    return waiting(this.getSteps(timeoutMs));
  }

  private *getSteps(timeoutMs: number | undefined): Steps<T | undefined> {
    const deadline = deadlineOf("timeoutMs", timeoutMs);
    yield mayBlock("queue.get()", "queue.getAsync()", timeoutMs);
    return yield* this.lockedSteps(
      deadline,
      timeoutMs,
      this.notEmpty,
      () => this.header[COUNT] > 0,
      () => this.take(),
      undefined,
    );
  }

  /**
   * put's and get's shared shape (CPython's queue.py): take the lock, wait on `condition` until
   * `ready()`, then `act()` and release; `timedOut` when the lock or the wait runs out of time.
   */
  private *lockedSteps<R, F>(
    deadline: number,
    timeoutMs: number | undefined,
    condition: Condition,
    ready: () => boolean,
    act: () => R,
    timedOut: F,
  ): Steps<R | F> {
    if (!(yield* this.lock.acquireSteps(timeoutMs === 0 ? 0 : msLeft(deadline)))) return timedOut;
    try {
      if (!(yield* condition.waitForSteps(ready, msLeft(deadline)))) return timedOut;
      return act();
    } finally {
      this.lock.release();
    }
  }

  /** The number of items in the queue (a snapshot: it may change right away). */
  qsize(): number {
    return Atomics.load(this.header, COUNT); // lock-free snapshot: atomic so it is whole and current
  }

  /** Whether the queue is empty (a snapshot). */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /** Whether the queue holds `maxsize` items (a snapshot; always false without a maxsize). */
  full(): boolean {
    const maxsize = this.header[MAXSIZE]; // written once before sharing
    return maxsize > 0 && this.qsize() >= maxsize;
  }

  private encode(item: T): Buffer {
    let text: string | undefined;
    try {
      text = JSON.stringify(item);
    } catch {
      text = undefined;
    }
    if (typeof text !== "string") {
      throw new RaceLabArgumentError("item", "JSON-serialisable (numbers, strings, booleans, null, arrays, plain objects)", item);
    }
    const bytes = Buffer.from(text, "utf8");
    if (bytes.length + LENGTH_PREFIX > this.data.length) {
      throw new RaceLabArgumentError(
        "item",
        `at most ${this.data.length - LENGTH_PREFIX} bytes of JSON (raise options.capacityBytes)`,
        item,
      );
    }
    return bytes;
  }

  // --- below: only called while holding this.lock, which orders these plain reads and writes ---

  private fits(bytes: Buffer): boolean {
    const maxsize = this.header[MAXSIZE];
    if (maxsize > 0 && this.header[COUNT] >= maxsize) return false;
    return this.data.length - this.header[USED] >= bytes.length + LENGTH_PREFIX;
  }

  private store(bytes: Buffer): void {
    const prefix = Buffer.alloc(LENGTH_PREFIX);
    prefix.writeUInt32LE(bytes.length);
    let at = this.copyIn(prefix, this.header[TAIL]);
    at = this.copyIn(bytes, at);
    this.header[TAIL] = at;
    this.header[USED] += bytes.length + LENGTH_PREFIX;
    // Atomic add: qsize()/empty() read COUNT without the lock.
    Atomics.add(this.header, COUNT, 1);
    this.notEmpty.notify();
  }

  private take(): T {
    const prefix = Buffer.alloc(LENGTH_PREFIX);
    let at = this.copyOut(prefix, this.header[HEAD]);
    const bytes = Buffer.alloc(prefix.readUInt32LE());
    at = this.copyOut(bytes, at);
    this.header[HEAD] = at;
    this.header[USED] -= bytes.length + LENGTH_PREFIX;
    Atomics.sub(this.header, COUNT, 1); // atomic for the lock-free qsize() snapshot
    this.notFull.notify();
    return JSON.parse(bytes.toString("utf8")) as T;
  }

  /** Copies `bytes` into the ring at `at`, wrapping around; returns the offset after them. */
  private copyIn(bytes: Uint8Array, at: number): number {
    const first = Math.min(bytes.length, this.data.length - at);
    this.data.set(bytes.subarray(0, first), at);
    this.data.set(bytes.subarray(first), 0);
    return (at + bytes.length) % this.data.length;
  }

  /** Fills `out` from the ring at `at`, wrapping around; returns the offset after it. */
  private copyOut(out: Uint8Array, at: number): number {
    const first = Math.min(out.length, this.data.length - at);
    out.set(this.data.subarray(at, at + first), 0);
    out.set(this.data.subarray(0, out.length - first), first);
    return (at + out.length) % this.data.length;
  }
}

defineSharable(Queue, { name: "Queue", module: __filename, fields: ["lock", "notEmpty", "notFull", "header", "data"] });
