// A mutex whose one Int32 word also says who holds it, the lock word of race-lab's Lock and RLock:
//   0                   free
//   id                  held by the thread whose id this is, nobody asleep waiting for it
//   id | SLEEPERS       held, and some thread may be asleep waiting for it
// where a thread's id is (threadId + 1) * 2: never 0, its low bit free for SLEEPERS, and unique among
// the threads of one process (a Lock never leaves its process). Linux keeps the holder's thread id
// in the futex word of its priority-inheritance mutexes the same way. Taking a free lock is one
// compareExchange that records the owner in the same step, and giving it back one exchange after an
// ordinary read: the owner checks cost no extra write to the shared cache line (measured against a
// separate owner slot in bench/ANALYSIS.md). RLock uses the same word, with a depth beside it.

import { myThreadId, sleep, type Steps, wake } from "./futex";

const FREE = 0;
const SLEEPERS = 1;

/** @internal This thread's id in a lock word. */
export const MY_WORD_ID = (myThreadId + 1) * 2;
// The same, as a module-local constant: the compiled CommonJS reads an exported one through `exports`.
const ME = MY_WORD_ID;

/** @internal One attempt to take the lock for this thread; never blocks. */
export function wordTryLock(view: Int32Array, index: number): boolean {
  // compareExchange is one indivisible step: two threads that both see the lock free cannot both take
  // it (the check-then-act race of `if (word === 0) word = id`), and the owner is written with it.
  return Atomics.compareExchange(view, index, FREE, ME) === FREE;
}

/** @internal How many times an acquire re-checks a held lock before it goes to sleep. */
export const SPIN_ROUNDS = 100;

/** @internal Re-checks the lock {@link SPIN_ROUNDS} times, taking it if it is freed meanwhile; never sleeps. */
export function wordSpin(view: Int32Array, index: number): boolean {
  // Spin briefly before sleeping: the lessons guard sections of a few nanoseconds, while a futex sleep
  // and wake-up costs microseconds. The load reads without writing, so a spinning thread does not take
  // the cache line from the holder (test-and-test-and-set); the compareExchange then takes the lock
  // indivisibly, so two spinners that both saw it free cannot both win.
  for (let spin = 0; spin < SPIN_ROUNDS; spin++) {
    if (Atomics.load(view, index) === FREE && wordTryLock(view, index)) return true;
  }
  return false;
}

/**
 * @internal Takes the lock, sleeping until it is free or `deadline` (Date.now() time; Infinity for none)
 * passes; false on timeout. Run it with futex.ts's `blocking` or `waiting`.
 */
export function* wordSleepSteps(view: Int32Array, index: number, deadline: number): Steps<boolean> {
  for (;;) {
    const seen = markSleepers(view, index);
    if (seen === FREE) return true;
    // The deadline passed: the lock may have been freed right then, so one last indivisible try.
    if ((yield sleep(view, index, seen, deadline)) === "timed-out") return takeMarked(view, index);
  }
}

/** @internal Whether this thread holds the lock. */
export function wordHeldByMe(view: Int32Array, index: number): boolean {
  // Only this thread writes its own id into the word, so equality is a reliable answer.
  return (Atomics.load(view, index) & ~SLEEPERS) === ME;
}

/**
 * Takes the lock if it is free (returning FREE: taken), else makes sure its SLEEPERS bit is set and
 * returns the word a sleeper waits on. Either way the holder's release will wake a sleeper.
 */
function markSleepers(view: Int32Array, index: number): number {
  for (;;) {
    const word = Atomics.load(view, index);
    if (word === FREE) {
      if (takeMarked(view, index)) return FREE;
      continue;
    }
    // compareExchange, not a plain store: a release between our read and our write must not be
    // overwritten (that would leave the lock "held" by a thread that gave it back). If the word
    // changed meanwhile, look again. The sleep that follows returns at once if the word changes after
    // this (Atomics.wait re-checks it), so a release is never missed (the lost wake-up race).
    if ((word & SLEEPERS) !== 0 || Atomics.compareExchange(view, index, word, word | SLEEPERS) === word) return word | SLEEPERS;
  }
}

/**
 * Takes a free lock with SLEEPERS set, as a thread that has waited must: others may still be asleep,
 * and our release must wake one of them. compareExchange, so two takers cannot both win.
 */
function takeMarked(view: Int32Array, index: number): boolean {
  return Atomics.compareExchange(view, index, FREE, ME | SLEEPERS) === FREE;
}

/**
 * @internal Gives the lock back if this thread holds it (true), and wakes one sleeper if there may be any;
 * false, changing nothing, when this thread does not hold it.
 */
export function wordUnlock(view: Int32Array, index: number): boolean {
  // The owner check is a plain read, not Atomics.load (which costs as much as the rest of a pair here,
  // bench/ANALYSIS.md): an aligned Int32 read never tears (ECMAScript's memory model), only this thread
  // ever writes its own id into the word, waiters only add SLEEPERS to it, and a thread always sees its
  // own last write. So the id part reads ME exactly when this thread holds the lock.
  if ((view[index] & ~SLEEPERS) !== ME) return false;
  // exchange frees and reads in one step: a waiter that set SLEEPERS just before is always seen, and woken.
  if ((Atomics.exchange(view, index, FREE) & SLEEPERS) !== 0) wake(view, index, 1);
  return true;
}

/** @internal The threadId of the lock's holder, or undefined when it is free (a snapshot). */
export function wordOwner(view: Int32Array, index: number): number | undefined {
  const word = Atomics.load(view, index);
  return word === FREE ? undefined : (word >>> 1) - 1;
}
