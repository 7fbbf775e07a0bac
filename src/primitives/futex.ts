// Internal helpers shared by every primitive: who is calling (thread identity), deadlines, and the two
// ways to sleep on a shared Int32Array slot (blocking Atomics.wait in workers, Atomics.waitAsync
// anywhere). Not re-exported by index.ts: the public surface is the primitives themselves.
//
// The pattern every primitive uses is the "futex loop" (Linux's fast userspace mutex):
//   for (;;) { read the slot; if the condition holds, act and stop; else sleep *while the slot still
//   holds the value just read*; re-check. }
// Atomics.wait(slot, seen) only sleeps if the slot still equals `seen` at the moment of sleeping, so a
// change (and its notify) that lands between our read and our sleep is never lost: wait returns
// "not-equal" at once and we loop. Loops, never recursion: a long wait must not grow the stack.

import { threadId } from "node:worker_threads";
import { canBlock } from "../core/environment";
import { MainThreadBlockError, RaceLabArgumentError } from "../core/errors";
import { checkTimeout } from "../core/validate";
import { control } from "./schedule-control";

/** The identity stored as a lock's owner: `worker_threads.threadId` (the main thread is 0). */
export const myThreadId: number = threadId;

/** Stored in an owner slot when nobody owns the lock (0 would be the main thread). */
export const NO_OWNER = -1;

/** What Atomics.wait / waitAsync report. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

// TypeScript 5.6's ES2022 lib does not declare Atomics.waitAsync (ES2024); Node 20 has it.
type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const waitAsyncImpl = (Atomics as unknown as {
  waitAsync(view: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
}).waitAsync;

/**
 * Throws {@link MainThreadBlockError} when a blocking call is made on the main thread. A zero
 * timeout never blocks (it only tries once), so it is allowed everywhere.
 */
export function forbidMainThreadBlock(call: string, asyncForm: string, timeoutMs?: number): void {
  if (!canBlock() && timeoutMs !== 0) throw new MainThreadBlockError(call, asyncForm);
  // Under explore()/replay() every blocking call is a scheduling point (undefined elsewhere: no cost).
  control.current?.point(call);
}

/** Checks an optional timeout and turns it into an absolute deadline (Infinity when absent). */
export function deadlineOf(name: string, timeoutMs: unknown): number {
  const ms = checkTimeout(name, timeoutMs);
  return ms === undefined ? Infinity : Date.now() + ms;
}

/** Milliseconds left until `deadline` (never negative; Infinity for no deadline). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - Date.now());
}

/**
 * Sleeps (blocking the calling worker) while `view[index]` still equals `seen`, at most until
 * `deadline`. Returns "timed-out" only when the deadline has passed.
 */
export function sleepWhile(view: Int32Array, index: number, seen: number, deadline: number): WaitResult {
  // Under explore()/replay() the scheduler decides when this worker goes on (undefined elsewhere).
  if (control.current) return control.current.block(view, index, seen, deadline);
  const ms = remaining(deadline);
  if (ms === 0) return "timed-out";
  // Atomics.wait re-checks view[index] === seen atomically with going to sleep: a notify sent after
  // our caller read `seen` cannot slip in before we sleep (the lost wake-up race).
  return Atomics.wait(view, index, seen, ms);
}

/** The async twin of {@link sleepWhile}, usable on the main thread (Atomics.waitAsync). */
export async function sleepWhileAsync(view: Int32Array, index: number, seen: number, deadline: number): Promise<WaitResult> {
  if (control.current) return control.current.block(view, index, seen, deadline);
  const ms = remaining(deadline);
  if (ms === 0) return "timed-out";
  // Same re-check as Atomics.wait, without blocking: the promise settles on notify or timeout.
  const result = waitAsyncImpl(view, index, seen, ms === Infinity ? undefined : ms);
  if (!result.async) return result.value;
  // A pending waitAsync does not keep Node's event loop alive: with nothing else to do, a script
  // would exit in the middle of `await lock.acquireAsync(100)`. A finite wait holds a timer of the
  // same length so the process stays until the wait is over. A wait without timeout does not (it
  // would keep a deadlocked script alive forever); inside a notebook or a run the kernel or the
  // run's workers keep the process alive anyway.
  const keepAlive = ms === Infinity ? undefined : setTimeout(() => {}, ms + 50);
  try {
    return await result.value;
  } finally {
    if (keepAlive) clearTimeout(keepAlive);
  }
}

/**
 * Wakes up to `count` sleepers on `view[index]` (all by default).
 */
export function wake(view: Int32Array, index: number, count = Infinity): void {
  // Pairs with sleepWhile: whoever changed the slot must notify, or a sleeper stays asleep until
  // its timeout although the condition it waits for is already true.
  Atomics.notify(view, index, count === Infinity ? undefined : count);
}

// ---------------------------------------------------------------------------------------------------
// A three-state mutex on one Int32Array slot (Ulrich Drepper, "Futexes Are Tricky", mutex #2):
// 0 = unlocked, 1 = locked with no sleepers, 2 = locked and maybe sleepers. Only 2 makes an unlock
// pay for a notify. Owner bookkeeping is the caller's job.

const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;
/**
 * How many times a blocking acquire re-checks a held lock before it goes to sleep (this mutex's and
 * Lock's lock word, owner-word.ts).
 *
 * @internal
 * @example
 * ```ts
 * for (let spin = 0; spin < SPIN_ROUNDS; spin++) if (Atomics.load(view, i) === 0 && tryTake()) return true;
 * ```
 */
export const SPIN_ROUNDS = 100;

/** One attempt to take the mutex; never blocks. */
export function mutexTryLock(view: Int32Array, index: number): boolean {
  // compareExchange is one indivisible step: two threads that both see 0 cannot both turn it into 1
  // (the check-then-act race a plain `if (s === 0) s = 1` has).
  return Atomics.compareExchange(view, index, UNLOCKED, LOCKED) === UNLOCKED;
}

/** Takes the mutex, blocking the worker until `deadline`; false on timeout. */
export function mutexLock(view: Int32Array, index: number, deadline: number): boolean {
  if (mutexTryLock(view, index)) return true;
  // Spin briefly before sleeping: the lessons guard sections of a few nanoseconds, while a futex
  // sleep and wake-up costs microseconds. The load reads the slot without writing, so spinning
  // threads do not fight over the cache line (test-and-test-and-set); the compareExchange then
  // takes it indivisibly, so two spinners that both saw "unlocked" cannot both win.
  for (let spin = 0; spin < SPIN_ROUNDS; spin++) {
    if (Atomics.load(view, index) === UNLOCKED && mutexTryLock(view, index)) return true;
  }
  for (;;) {
    // Mark "contended" so the holder knows to notify us; exchange returns the previous state, so
    // if the lock was released meanwhile (0) we just took it (as contended: harmless, one extra notify).
    if (Atomics.exchange(view, index, CONTENDED) === UNLOCKED) return true;
    if (sleepWhile(view, index, CONTENDED, deadline) === "timed-out") {
      // One last try: the lock may have been released right as the deadline passed.
      return Atomics.compareExchange(view, index, UNLOCKED, CONTENDED) === UNLOCKED;
    }
  }
}

/** Takes the mutex without blocking the thread (Atomics.waitAsync); false on timeout. */
export async function mutexLockAsync(view: Int32Array, index: number, deadline: number): Promise<boolean> {
  if (mutexTryLock(view, index)) return true;
  for (;;) {
    // Same race as in mutexLock: exchange both marks "contended" and tells whether we got it.
    if (Atomics.exchange(view, index, CONTENDED) === UNLOCKED) return true;
    if ((await sleepWhileAsync(view, index, CONTENDED, deadline)) === "timed-out") {
      // Last try as in mutexLock: compareExchange, so a release at the deadline is not lost.
      return Atomics.compareExchange(view, index, UNLOCKED, CONTENDED) === UNLOCKED;
    }
  }
}

/** Releases the mutex and wakes one sleeper if there may be any. */
export function mutexUnlock(view: Int32Array, index: number): void {
  // exchange (not store-then-check): reading the old state and unlocking in one step means a thread
  // that marks "contended" concurrently is never missed, so it is always woken.
  if (Atomics.exchange(view, index, UNLOCKED) === CONTENDED) wake(view, index, 1);
}

/** Whether the mutex is held by anyone (a snapshot: it may change right after). */
export function mutexIsLocked(view: Int32Array, index: number): boolean {
  // A single atomic read: never a torn or stale-cached value, though the answer can be outdated at once.
  return Atomics.load(view, index) !== UNLOCKED;
}

/** Python's `Lock()` takes no arguments: say so instead of silently ignoring them. */
export function checkNoArguments(call: string, args: unknown[]): void {
  if (args.length > 0) throw new RaceLabArgumentError(call, "called without arguments", args[0]);
}
