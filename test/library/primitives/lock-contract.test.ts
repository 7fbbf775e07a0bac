// ONE contract suite, run against every kind of thread lock: worker threads do unguarded
// read-modify-write increments (read, then write back +1, no Atomics) inside the lock, and no
// update may be lost. A deliberately broken NoLock shows that the suite's check does catch a lock
// that does not exclude: its interleaving is forced with an Atomics handshake, so it fails every
// time, not by luck. No wall-clock assertions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as raceLab from "race-lab";
import { Condition, Lock, RLock, Semaphore, Value } from "race-lab";
import { inThreads } from "../helpers/primitives";

declare const race_lab_1: typeof raceLab;

/** The surface the contract needs from a lock. */
interface ThreadLock {
  acquire(timeoutMs?: number): boolean;
  release(): void;
}

/**
 * A deliberately broken lock: every acquire succeeds at once, so it excludes nothing. It is defined
 * here and travels to the workers as source (a class cannot travel as a shared object).
 */
class NoLock implements ThreadLock {
  acquire(_timeoutMs?: number): boolean {
    return true;
  }
  async acquireAsync(_timeoutMs?: number): Promise<boolean> {
    return true;
  }
  release(): void {}
  withLock<T>(fn: () => T): T {
    return fn();
  }
  get synchronized() {
    return race_lab_1.synchronized(this as never);
  }
}

/** What travels to the workers for each kind: the lock itself, or NoLock's source code. */
type LockArg = ThreadLock | { noLockSource: string };

const kinds: { name: string; make: () => LockArg }[] = [
  { name: "Lock", make: () => new Lock() },
  { name: "RLock", make: () => new RLock() },
  { name: "Semaphore(1)", make: () => new Semaphore(1) },
  { name: "Value.getLock()", make: () => new Value("i", 0).getLock() },
  { name: "Condition (its default RLock)", make: () => new Condition() },
  { name: "Condition(new Lock())", make: () => new Condition(new Lock()) },
];
const noLock = { name: "NoLock (broken on purpose)", make: (): LockArg => ({ noLockSource: NoLock.toString() }) };

// ---------------------------------------------------------------------------------------------------
// Check 1: the forced interleaving. Two threads, `rounds` rounds. In each round one thread takes the
// lock and reads the counter; then, while it still holds the lock, the other thread tries to get in
// with acquire(0) (a try that never blocks). A real lock refuses: the other thread waits its turn and
// both increments land. A lock that does not exclude lets it in: both read the same value, both
// write value + 1, and one increment is lost — in every round, deterministically.

/** The worker body of check 1. Returns how many times this thread got in while the other held the lock. */
function probeWorker(me: number, lockArg: LockArg, shared: SharedArrayBuffer, rounds: number): number {
  const lock: ThreadLock = "noLockSource" in lockArg ? new (eval(`(${lockArg.noLockSource})`))() : lockArg;
  const counter = new Int32Array(shared, 0, 1); // the shared counter, incremented WITHOUT Atomics
  const ctl = new Int32Array(shared, 4, 2); // [phase, threads done with the round]
  const PHASE = 0;
  const DONE = 1;
  const HANDSHAKE_MS = 20_000; // only a safety net: each wait ends as soon as the other thread acts
  const waitUntil = (slot: number, ok: (v: number) => boolean) => {
    for (;;) {
      const v = Atomics.load(ctl, slot);
      if (ok(v)) return v;
      if (Atomics.wait(ctl, slot, v, HANDSHAKE_MS) === "timed-out") throw new Error(`handshake stuck at ${slot}=${v}`);
    }
  };
  const setPhase = (p: number) => {
    Atomics.store(ctl, PHASE, p);
    Atomics.notify(ctl, PHASE);
  };
  let overlaps = 0;
  for (let r = 0; r < rounds; r++) {
    const base = r * 4;
    if (me === r % 2) {
      if (!lock.acquire(HANDSHAKE_MS)) throw new Error("could not take the lock");
      const seen = counter[0]; // unguarded read…
      setPhase(base + 1); // "other thread: try to get in now"
      waitUntil(PHASE, (p) => p >= base + 2); // it got in and read (base+2), or was refused (base+3)
      counter[0] = seen + 1; // …unguarded write
      lock.release();
    } else {
      waitUntil(PHASE, (p) => p >= base + 1);
      if (lock.acquire(0)) {
        // Inside while the other thread holds the lock: mutual exclusion is broken.
        overlaps++;
        const seen = counter[0];
        setPhase(base + 2);
        counter[0] = seen + 1;
        lock.release();
      } else {
        setPhase(base + 3);
        if (!lock.acquire(HANDSHAKE_MS)) throw new Error("could not take the lock");
        const seen = counter[0];
        counter[0] = seen + 1;
        lock.release();
      }
    }
    Atomics.add(ctl, DONE, 1); // end of round: both threads finish it before the next begins
    Atomics.notify(ctl, DONE);
    waitUntil(DONE, (d) => d >= 2 * (r + 1));
  }
  return overlaps;
}

/** Check 1: runs the forced interleaving and reports lost updates (0 for a real lock). */
async function forcedInterleavingCheck(lockArg: LockArg, rounds = 6): Promise<{ lost: number; overlaps: number }> {
  const shared = new SharedArrayBuffer(12);
  const overlaps = await inThreads(probeWorker, [
    [0, lockArg, shared, rounds],
    [1, lockArg, shared, rounds],
  ]);
  const counter = new Int32Array(shared, 0, 1)[0];
  return { lost: 2 * rounds - counter, overlaps: overlaps[0] + overlaps[1] };
}

// ---------------------------------------------------------------------------------------------------
// Check 2: the hammer. N threads × M unguarded increments inside the lock, through each of the ways
// to use a lock: acquire/release, withLock, the @synchronized decorator (lock.synchronized and
// synchronized(lock)), and locked(lock, fn). The total must be exact.

type Style = "acquire/release" | "withLock" | "lock.synchronized" | "synchronized(lock)" | "locked(lock, fn)";
const styles: Style[] = ["acquire/release", "withLock", "lock.synchronized", "synchronized(lock)", "locked(lock, fn)"];

function hammerWorker(lockArg: any, shared: SharedArrayBuffer, n: number, style: Style): number {
  const lock = "noLockSource" in lockArg ? new (eval(`(${lockArg.noLockSource})`))() : lockArg;
  const counter = new Int32Array(shared);
  const bump = () => {
    const seen = counter[0]; // unguarded read-modify-write: only the lock makes it safe
    counter[0] = seen + 1;
  };
  let step = bump;
  if (style === "withLock") step = () => lock.withLock(bump);
  if (style === "locked(lock, fn)") step = race_lab_1.locked(lock, bump);
  if (style === "lock.synchronized" || style === "synchronized(lock)") {
    // What `@lock.synchronized bump() {…}` compiles to with experimentalDecorators.
    class Counter {
      bump() {
        bump();
      }
    }
    const decorator = style === "lock.synchronized" ? lock.synchronized : race_lab_1.synchronized(lock);
    const key = "bump";
    Object.defineProperty(Counter.prototype, key, decorator(Counter.prototype, key, Object.getOwnPropertyDescriptor(Counter.prototype, key)));
    const c = new Counter();
    step = () => c.bump();
  }
  for (let i = 0; i < n; i++) {
    if (style === "acquire/release") {
      lock.acquire();
      try {
        bump();
      } finally {
        lock.release();
      }
    } else {
      step();
    }
  }
  return n;
}

async function hammerCheck(lockArg: LockArg, style: Style, threads = 4, n = 1500): Promise<number> {
  const shared = new SharedArrayBuffer(4);
  const argLists = Array.from({ length: threads }, () => [lockArg, shared, n, style]);
  await inThreads(hammerWorker, argLists);
  return threads * n - new Int32Array(shared)[0]; // lost updates
}

// ---------------------------------------------------------------------------------------------------

for (const kind of kinds) {
  describe(`lock contract: ${kind.name}`, () => {
    test("the forced interleaving cannot get a second thread inside: no lost update", async () => {
      assert.deepEqual(await forcedInterleavingCheck(kind.make()), { lost: 0, overlaps: 0 });
    });
    for (const style of styles) {
      test(`4 threads of unguarded increments through ${style}: none lost`, async () => {
        assert.equal(await hammerCheck(kind.make(), style), 0);
      });
    }
  });
}

describe(`lock contract: ${noLock.name}`, () => {
  test("FAILS the forced-interleaving check: one lost update in every round, every time", async () => {
    const rounds = 6;
    const result = await forcedInterleavingCheck(noLock.make(), rounds);
    assert.deepEqual(result, { lost: rounds, overlaps: rounds });
    // What the real-lock tests assert, and NoLock fails:
    assert.notDeepEqual(result, { lost: 0, overlaps: 0 });
  });
  test("its hammer runs through every style (losses there depend on luck, so they are not asserted)", async () => {
    for (const style of styles) assert.ok((await hammerCheck(noLock.make(), style, 2, 200)) >= 0);
  });
});
