// Sequencer: forces an interleaving between threads, so a race that normally happens "sometimes"
// happens every time — for teaching, and for tests that must not depend on luck.

import { RaceLabError } from "../core/errors";
import { blocking, deadlineOf, mayBlock, sleep, type Steps, wake, waiting } from "./futex";
import { defineSharable } from "../core/shared-object";
import { checkFunction, checkInteger, checkOptions, checkTimeout } from "../core/validate";

const TURN = 0;

/** The highest step number. */
export const MAX_STEP = 1_000_000;
/** Default wait for a turn: a forgotten step should fail a run, not hang it. */
export const DEFAULT_STEP_TIMEOUT_MS = 60_000;

/** Options of {@link Sequencer}. */
export interface SequencerOptions {
  /** How long `step` waits for its turn before throwing (default 60 000 ms). */
  timeoutMs?: number;
}

/**
 * A turn counter shared by threads: `step(n, fn)` waits until the turn is `n`, runs `fn`, then
 * makes it turn `n + 1`. Turns start at 0. Writing the steps of a read-modify-write across two
 * threads as 0: A reads, 1: B reads, 2: A writes, 3: B writes makes the lost update happen every run.
 *
 * @example
 * ```ts
 * const seq = new Sequencer();
 * await runThreads((counter, seq, first) => {
 *   let v = 0;
 *   seq.step(first ? 0 : 1, () => { v = counter.value; });     // both read the same value…
 *   seq.step(first ? 2 : 3, () => { counter.value = v + 1; }); // …so one increment is lost
 * }, [[counter, seq, true], [counter, seq, false]]);
 * ```
 * Warning: every number from 0 up must be stepped exactly once, or later steps wait until the
 * timeout and throw. `step` blocks: worker threads only (`stepAsync` anywhere). If `fn` throws, the
 * turn still advances, so the other threads are not left waiting.
 */
export class Sequencer {
  /** @internal [turn]. */
  protected view: Int32Array;
  /** @internal */
  protected timeoutMs: number;

  constructor(options: SequencerOptions = {}) {
    options = checkOptions("options", options, "{ timeoutMs: 5000 }");
    this.timeoutMs = checkTimeout("options.timeoutMs", options.timeoutMs, DEFAULT_STEP_TIMEOUT_MS);
    this.view = new Int32Array(new SharedArrayBuffer(4));
  }

  /** The current turn (a snapshot). */
  get turn(): number {
    return Atomics.load(this.view, TURN); // atomic read: whole and current
  }

  /**
   * Blocks this worker until the turn is `n`, runs `fn`, then advances the turn to `n + 1` and wakes
   * the others. Returns what `fn` returns.
   */
  step<T>(n: number, fn: () => T): T {
    this.checkStep(n, fn);
    blocking(this.turnSteps(n));
    try {
      return fn();
    } finally {
      this.advance(n);
    }
  }

  /** The Atomics.waitAsync form of {@link step}, usable anywhere; `fn` may be async (the turn advances when it settles). */
  async stepAsync<T>(n: number, fn: () => T | Promise<T>): Promise<T> {
    this.checkStep(n, fn);
    await waiting(this.turnSteps(n));
    try {
      return await fn();
    } finally {
      this.advance(n);
    }
  }

  /** Waits until the turn is `n`. */
  private *turnSteps(n: number): Steps<void> {
    yield mayBlock("sequencer.step()", "sequencer.stepAsync()");
    const deadline = deadlineOf("timeoutMs", this.timeoutMs);
    for (;;) {
      const turn = this.turn;
      if (turn === n) return;
      if (turn > n) {
        throw new RaceLabError(
          `sequencer.step(${n}): turn ${n} has already passed (the turn is ${turn}); each step number may be used once`,
        );
      }
      // Sleep only while the turn is still the one we read: an advance in between is not missed.
      if ((yield sleep(this.view, TURN, turn, deadline)) === "timed-out" && this.turn !== n) throw this.timedOut(n);
    }
  }

  private checkStep(n: number, fn: unknown): void {
    checkInteger("n", n, 0, MAX_STEP);
    checkFunction("fn", fn);
  }

  private advance(n: number): void {
    // compareExchange from n: only the holder of turn n moves it on, and a stray advance can never
    // skip a turn another thread is still waiting for.
    Atomics.compareExchange(this.view, TURN, n, n + 1);
    wake(this.view, TURN);
  }

  private timedOut(n: number): RaceLabError {
    return new RaceLabError(
      `sequencer.step(${n}) waited ${this.timeoutMs} ms for its turn, but the turn is still ${this.turn}: ` +
        `did some thread skip a step between ${this.turn} and ${n - 1}?`,
    );
  }
}

defineSharable(Sequencer, { name: "Sequencer", module: __filename, fields: ["view", "timeoutMs"] });
