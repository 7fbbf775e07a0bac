// Barrier: Python's threading.Barrier, built the way CPython builds it — a Condition plus a small
// state machine (filling → draining → filling; resetting; broken) kept in shared memory.

import { Condition } from "./condition";
import { BrokenBarrierError } from "../core/errors";
import { blocking, deadlineOf, forbidMainThreadBlock, mayBlock, msLeft, type Steps, waiting } from "./futex";
import { Lock } from "./lock";
import { defineSharable } from "../core/shared-object";
import { checkInteger, checkOptions, checkTimeout } from "../core/validate";

const STATE = 0;
const COUNT = 1;
const SLOTS = 2;

const FILLING = 0; // parties are arriving
const DRAINING = 1; // the last party arrived: everyone is leaving
const RESETTING = -1; // reset() while parties waited: they leave with BrokenBarrierError
const BROKEN = -2; // a party timed out or abort() was called

/** The most parties a barrier accepts. */
export const MAX_PARTIES = 1_000_000;

/** Options of {@link Barrier}. */
export interface BarrierOptions {
  /** Default timeout of every `wait` (ms); none by default. */
  timeoutMs?: number;
}

/**
 * A meeting point for a fixed number of threads (Python's `threading.Barrier`): each `wait()` blocks
 * until `parties` threads have called it, then all go on together. Each gets a different index from
 * 0 to parties − 1 (arrival order), handy to pick one thread for a one-off job.
 *
 * @example
 * ```ts
 * const start = new Barrier(3, { timeoutMs: 5000 });
 * await runThreads((start) => { const i = start.wait(); if (i === 0) console.log("all here"); }, [[start], [start], [start]]);
 * ```
 * Warning: if a party times out, or `abort()` is called, the barrier is broken: every waiting and
 * future `wait()` throws `BrokenBarrierError` until `reset()`. `wait`, `abort` and `reset` block
 * (the last two briefly, for the barrier's internal lock): worker threads only; their `…Async`
 * forms work anywhere.
 */
export class Barrier {
  /** @internal */
  protected cond!: Condition;
  /** @internal [state, count]. */
  protected view!: Int32Array;
  /** The number of threads that must call `wait()` for all of them to pass. */
  readonly parties!: number;
  /** @internal */
  protected defaultTimeoutMs?: number;

  constructor(parties: number, options: BarrierOptions = {}) {
    checkInteger("parties", parties, 1, MAX_PARTIES);
    options = checkOptions("options", options, "{ timeoutMs: 5000 }");
    this.defaultTimeoutMs = checkTimeout("options.timeoutMs", options.timeoutMs);
    this.parties = parties;
    this.cond = new Condition(new Lock());
    this.view = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  }

  /**
   * Waits until all `parties` threads have called `wait()`, then returns this thread's index
   * (0 … parties − 1). Throws `BrokenBarrierError` if the barrier is or becomes broken, including
   * when `timeoutMs` (or the barrier's default) passes first — which breaks it for everyone.
   */
  wait(timeoutMs?: number): number {
    return blocking(this.waitSteps(timeoutMs));
  }

  /** The Atomics.waitAsync form of {@link wait}: usable anywhere, e.g. the notebook joining its worker threads at the barrier. */
  waitAsync(timeoutMs?: number): Promise<number> {
    return waiting(this.waitSteps(timeoutMs));
  }

  private *waitSteps(timeoutMs: number | undefined): Steps<number> {
    const deadline = deadlineOf("timeoutMs", timeoutMs === undefined ? this.defaultTimeoutMs : timeoutMs);
    yield mayBlock("barrier.wait()", "barrier.waitAsync()");
    yield* this.cond.acquireSteps();
    try {
      // Wait out a previous round that is still draining or resetting (Python's _enter).
      if (!(yield* this.cond.waitForSteps(() => !this.isPassing(), msLeft(deadline)))) this.breakAndThrow();
      this.throwIfBroken();
      const index = Atomics.add(this.view, COUNT, 1); // under the lock; atomic for the nWaiting snapshot
      try {
        if (index + 1 === this.parties) this.become(DRAINING);
        else if (!(yield* this.cond.waitForSteps(() => this.state !== FILLING, msLeft(deadline)))) this.breakAndThrow();
        this.throwIfBroken();
        return index;
      } finally {
        this.leave();
      }
    } finally {
      this.cond.release();
    }
  }

  /**
   * Breaks the barrier: every thread waiting now, and every later `wait()`, throws
   * `BrokenBarrierError` until `reset()`. Use it to free threads when one of them fails.
   *
   * @example
   * ```ts
   * try { step(); } catch (e) { barrier.abort(); throw e; }
   * ```
   */
  abort(): void {
    forbidMainThreadBlock("barrier.abort()", "barrier.abortAsync()");
    this.cond.withLock(() => this.become(BROKEN));
  }

  /** The Atomics.waitAsync form of {@link abort}: usable anywhere. */
  async abortAsync(): Promise<void> {
    await this.cond.withLockAsync(() => this.become(BROKEN));
  }

  /** Returns the barrier to its empty, unbroken state. Threads waiting on it right now get `BrokenBarrierError`. */
  reset(): void {
    forbidMainThreadBlock("barrier.reset()", "barrier.resetAsync()");
    this.cond.withLock(() => this.resetNow());
  }

  /** The Atomics.waitAsync form of {@link reset}: usable anywhere. */
  async resetAsync(): Promise<void> {
    await this.cond.withLockAsync(() => this.resetNow());
  }

  /** Whether the barrier is broken (a snapshot). */
  get broken(): boolean {
    return this.state === BROKEN;
  }

  /** How many threads are waiting at the barrier right now (a snapshot; Python's `n_waiting`). */
  get nWaiting(): number {
    // A lock-free snapshot: Atomics.load so it is a whole, current count (it may change at once).
    return this.state === FILLING ? Atomics.load(this.view, COUNT) : 0;
  }

  // The state is changed only while holding cond's lock; Atomics.load/store anyway so the lock-free
  // snapshots (`broken`, `nWaiting`) read whole, current values.
  private get state(): number {
    return Atomics.load(this.view, STATE);
  }

  private setState(state: number): void {
    Atomics.store(this.view, STATE, state);
  }

  private isPassing(): boolean {
    return this.state === DRAINING || this.state === RESETTING;
  }

  /** Moves to `state` and wakes every waiter to look at it. */
  private become(state: number): void {
    this.setState(state);
    this.cond.notifyAll();
  }

  private leave(): void {
    // The last one out of a draining or resetting round opens the barrier for the next round.
    if (Atomics.sub(this.view, COUNT, 1) === 1 && this.isPassing()) this.become(FILLING);
  }

  private resetNow(): void {
    if (Atomics.load(this.view, COUNT) > 0) {
      // under the lock; atomic like every COUNT access
      // Parties are inside: they must leave with BrokenBarrierError; the last one out refills.
      if (this.state === FILLING || this.state === BROKEN) this.setState(RESETTING);
    } else {
      this.setState(FILLING);
    }
    this.cond.notifyAll();
  }

  private breakAndThrow(): never {
    this.become(BROKEN);
    // (An atomic read of COUNT for the message only; we hold the lock, so it is exact.)
    throw new BrokenBarrierError(
      `barrier.wait(): timed out with ${Atomics.load(this.view, COUNT)} of ${this.parties} parties arrived; ` +
        `the barrier is now broken for everyone (reset() to use it again)`,
    );
  }

  private throwIfBroken(): void {
    if (this.state === BROKEN)
      throw new BrokenBarrierError(
        "barrier.wait(): the barrier is broken (a party timed out or abort() was called); reset() to use it again",
      );
    if (this.state === RESETTING) throw new BrokenBarrierError("barrier.wait(): the barrier was reset while this thread waited");
  }
}

defineSharable(Barrier, { name: "Barrier", module: __filename, fields: ["cond", "view", "parties", "defaultTimeoutMs"] });
