// Internal helpers shared by every primitive: who is calling (thread identity), deadlines, the two
// ways to sleep on a shared Int32Array slot (blocking Atomics.wait in workers, Atomics.waitAsync
// anywhere), and the two drivers that run one algorithm in either way. Not re-exported by index.ts:
// the public surface is the primitives themselves.
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
// Atomics.waitAsync is ES2024, past the ES2022 library this compiles with: its type is declared there.
import "../core/atomics-wait-async";

/** The identity stored as a lock's owner: `worker_threads.threadId` (the main thread is 0). */
export const myThreadId: number = threadId;

/** What Atomics.wait / waitAsync report. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/**
 * Throws {@link MainThreadBlockError} when a blocking call is made on the main thread. A zero
 * timeout never blocks (it only tries once), so it is allowed everywhere.
 */
export function forbidMainThreadBlock(call: string, asyncForm: string, timeoutMs?: number): void {
  if (!canBlock() && timeoutMs !== 0) throw new MainThreadBlockError(call, asyncForm);
  // Under explore()/replay() every blocking call is a scheduling point (undefined elsewhere: no cost).
  control.current?.point(call);
}

/** Checks an optional timeout and turns it into an absolute deadline (Infinity when absent, -Infinity for 0: a try). */
export function deadlineOf(name: string, timeoutMs: unknown): number {
  const ms = checkTimeout(name, timeoutMs);
  if (ms === undefined) return Infinity;
  return ms === 0 ? -Infinity : Date.now() + ms;
}

/** Milliseconds left until `deadline` (never negative; Infinity for no deadline, 0 for a try). */
export function remaining(deadline: number): number {
  if (deadline === Infinity || deadline === -Infinity) return deadline === Infinity ? Infinity : 0;
  // Under explore()/replay() the time is the explorer's: a timed wait ends when it grants the time-out
  // (nobody else can go on), never because the schedule took the timeout's real time meanwhile (a
  // loaded machine, or this worker parked while others ran). So some time is always left.
  if (control.current) return Math.max(1, deadline - Date.now());
  return Math.max(0, deadline - Date.now());
}

/** What is left until `deadline` as a timeout argument: milliseconds, or undefined for no deadline. */
export function msLeft(deadline: number): number | undefined {
  const ms = remaining(deadline);
  return ms === Infinity ? undefined : ms;
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
async function sleepWhileAsync(view: Int32Array, index: number, seen: number, deadline: number): Promise<WaitResult> {
  if (control.current) return control.current.block(view, index, seen, deadline);
  const ms = remaining(deadline);
  if (ms === 0) return "timed-out";
  // Same re-check as Atomics.wait, without blocking: the promise settles on notify or timeout.
  const result = Atomics.waitAsync(view, index, seen, ms === Infinity ? undefined : ms);
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

/** Wakes up to `count` sleepers on `view[index]` (all by default). */
export function wake(view: Int32Array, index: number, count = Infinity): void {
  // Pairs with sleepWhile: whoever changed the slot must notify, or a sleeper stays asleep until
  // its timeout although the condition it waits for is already true.
  Atomics.notify(view, index, count === Infinity ? undefined : count);
}

// ---------------------------------------------------------------------------------------------------
// Each primitive's algorithm is written once, as a generator of the waits it needs: it yields
// sleep(...) where it would sleep, and mayBlock(...) where its blocking form must refuse the main
// thread (and be a scheduling point under explore). A driver runs the steps: blocking() with
// Atomics.wait in a worker, waiting() with Atomics.waitAsync anywhere. `yield*` nests one algorithm
// in another (a Condition's wait re-takes its lock's acquire), so a composite primitive is written
// once too. What a generator's `finally` does runs on both forms, also when a wait throws.

/** One request of an algorithm to its driver. */
export type Step =
  | { readonly view: Int32Array; readonly index: number; readonly seen: number; readonly deadline: number }
  | { readonly call: string; readonly asyncForm: string; readonly timeoutMs?: number };

/** An algorithm written once: the waits it yields, how each ended, and its result. */
export type Steps<T> = Generator<Step, T, WaitResult>;

/** The step "sleep while `view[index] === seen`, at most until `deadline`" ("ok" or "timed-out" comes back). */
export function sleep(view: Int32Array, index: number, seen: number, deadline: number): Step {
  return { view, index, seen, deadline };
}

/** The step "a blocking call starts here": the blocking driver runs {@link forbidMainThreadBlock}. */
export function mayBlock(call: string, asyncForm: string, timeoutMs?: number): Step {
  return { call, asyncForm, timeoutMs };
}

/** Runs `steps` blocking this thread (Atomics.wait): the blocking form of a primitive. */
export function blocking<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    let result: WaitResult;
    try {
      if ("call" in step) {
        forbidMainThreadBlock(step.call, step.asyncForm, step.timeoutMs);
        result = "ok";
      } else {
        result = sleepWhile(step.view, step.index, step.seen, step.deadline);
      }
    } catch (error) {
      next = steps.throw(error); // into the algorithm, so that its `finally` blocks run
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

/** Runs `steps` without blocking the thread (Atomics.waitAsync): the async form, usable anywhere. */
export async function waiting<T>(steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const step = next.value;
    let result: WaitResult;
    try {
      // An async form never blocks: the main-thread refusal and the scheduling point are for blocking calls.
      result = "call" in step ? "ok" : await sleepWhileAsync(step.view, step.index, step.seen, step.deadline);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

/** The futex loop of a counter or a flag: tries `take` until it succeeds, at most until `deadline`. */
export function* tryUntil(take: () => boolean, view: Int32Array, index: number, seen: number, deadline: number): Steps<boolean> {
  for (;;) {
    if (take()) return true;
    // Sleep only while the slot still reads `seen`: a change between the failed try and the sleep
    // makes the wait return at once instead of being missed (the lost wake-up race). A change at the
    // deadline is not lost either: one last try.
    if ((yield sleep(view, index, seen, deadline)) === "timed-out") return take();
  }
}

/** Python's `Lock()` takes no arguments: say so instead of silently ignoring them. */
export function checkNoArguments(call: string, args: unknown[]): void {
  if (args.length > 0) throw new RaceLabArgumentError(call, "called without arguments", args[0]);
}
