// ONE contract suite, run against every kind of thread lock: worker threads do unguarded
// read-modify-write increments (read, then write back +1, no Atomics) inside the lock, and no
// update may be lost. A deliberately broken NoLock shows that the suite's check does catch a lock
// that does not exclude: its interleaving is forced with an Atomics handshake, so it fails every
// time, not by luck. No wall-clock assertions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as raceLab from "race-lab";
import { AsyncLock, Condition, FileLock, Lock, Manager, RLock, Semaphore, Value } from "race-lab";
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
    Object.defineProperty(
      Counter.prototype,
      key,
      decorator(Counter.prototype, key, Object.getOwnPropertyDescriptor(Counter.prototype, key)),
    );
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

// ---------------------------------------------------------------------------------------------------
// Every implementation of the lock interface, in each form it has: Lock, RLock and FileLock blocking
// (acquire) and async (acquireAsync), the manager's Lock (async only, a proxy each thread connects
// with on its own), AsyncLock (async tasks of one thread), and NoLock, broken on purpose. The same
// worker bodies drive them all, through `take(ms)` and `give()`. The interleavings are forced with an
// Atomics handshake between two threads, so each check fails or passes every time, not by luck.

type Form = "blocking" | "async";

interface Implementation {
  name: string;
  forms: Form[];
  /** What a second acquire(0) by the holder gives: false (waits for itself), true (re-entrant), or the error it throws. */
  reentry: boolean | string;
  make(): Promise<{ lock: unknown; close?: () => Promise<void> }>;
}

const implementations: Implementation[] = [
  { name: "Lock", forms: ["blocking", "async"], reentry: false, make: async () => ({ lock: new Lock() }) },
  { name: "RLock", forms: ["blocking", "async"], reentry: true, make: async () => ({ lock: new RLock() }) },
  { name: "FileLock", forms: ["blocking", "async"], reentry: "RaceLabError", make: async () => ({ lock: new FileLock() }) },
  {
    name: "the manager's Lock",
    forms: ["async"],
    reentry: false,
    make: async () => {
      const manager = await Manager.start({ timeoutMs: 10_000 });
      return { lock: await manager.Lock(), close: () => manager.shutdown() };
    },
  },
];
const brokenImplementation: Implementation = {
  name: "NoLock (broken on purpose)",
  forms: ["blocking", "async"],
  reentry: false,
  make: async () => ({ lock: { noLockSource: NoLock.toString() } }),
};

/**
 * The worker body of the checks below. `check` picks one:
 * - "exclusion": the forced interleaving of check 1 (above) through `take`/`give`; returns overlaps.
 * - "holder and other": thread 0 holds the lock while thread 1 tries acquire(0), acquire(30) and a
 *   release; returns what thread 1 got.
 * - "reentry": takes it, then acquire(0) again; returns that result (or the error's name).
 * - "cleanup": a body that throws inside withLock; returns whether the lock is free afterwards.
 */
async function contractWorker(
  check: string,
  me: number,
  lockArg: any,
  form: Form,
  shared: SharedArrayBuffer,
  rounds: number,
): Promise<unknown> {
  const lock = "noLockSource" in lockArg ? new (eval(`(${lockArg.noLockSource})`))() : lockArg;
  const take = async (ms?: number): Promise<boolean> =>
    form === "blocking" ? lock.acquire(ms) : await (lock.acquireAsync ?? lock.acquire).call(lock, ms);
  const give = async () => {
    await lock.release();
  };
  const errorName = (e: any) => e?.remoteName ?? e?.name;
  const counter = new Int32Array(shared, 0, 1); // incremented WITHOUT Atomics: only the lock guards it
  const ctl = new Int32Array(shared, 4, 2); // [phase, threads done with the round]
  const HANDSHAKE_MS = 20_000; // a safety net only: each wait ends as soon as the other thread acts
  const waitUntil = (slot: number, ok: (v: number) => boolean) => {
    for (;;) {
      const v = Atomics.load(ctl, slot);
      if (ok(v)) return;
      if (Atomics.wait(ctl, slot, v, HANDSHAKE_MS) === "timed-out") throw new Error(`handshake stuck at ${slot}=${v}`);
    }
  };
  const setPhase = (p: number) => {
    Atomics.store(ctl, 0, p);
    Atomics.notify(ctl, 0);
  };
  if (check === "reentry") {
    if (!(await take())) throw new Error("could not take the lock");
    let again: unknown;
    try {
      again = await take(0);
    } catch (e) {
      again = errorName(e);
    }
    if (again === true) await give();
    await give();
    return again;
  }
  if (check === "cleanup") {
    const boom = () => {
      throw new Error("boom");
    };
    try {
      if (form === "blocking") lock.withLock(boom);
      else await (lock.withLockAsync ?? lock.withLock).call(lock, boom);
    } catch {
      // expected: the body threw
    }
    const free = await take(0);
    if (free) await give();
    return free;
  }
  if (check === "holder and other") {
    if (me === 0) {
      if (!(await take(HANDSHAKE_MS))) throw new Error("could not take the lock");
      setPhase(1);
      waitUntil(0, (p) => p >= 2);
      await give();
      return "held";
    }
    waitUntil(0, (p) => p >= 1);
    const tried = await take(0);
    const timed = await take(30);
    let release: string;
    try {
      await give();
      release = "released another thread's lock";
    } catch (e) {
      release = errorName(e);
    }
    setPhase(2);
    return { tried, timed, release };
  }
  // "exclusion": as probeWorker above.
  let overlaps = 0;
  for (let r = 0; r < rounds; r++) {
    const base = r * 4;
    if (me === r % 2) {
      if (!(await take(HANDSHAKE_MS))) throw new Error("could not take the lock");
      const seen = counter[0];
      setPhase(base + 1); // "other thread: try to get in now"
      waitUntil(0, (p) => p >= base + 2);
      counter[0] = seen + 1;
      await give();
    } else {
      waitUntil(0, (p) => p >= base + 1);
      const inside = await take(0);
      if (inside) {
        overlaps++; // inside while the other thread holds it: exclusion is broken
      } else {
        setPhase(base + 3); // refused: the holder finishes, then this thread takes its turn
        if (!(await take(HANDSHAKE_MS))) throw new Error("could not take the lock");
      }
      const seen = counter[0];
      if (inside) setPhase(base + 2); // read before the holder writes: one update is lost, every round
      counter[0] = seen + 1;
      await give();
    }
    Atomics.add(ctl, 1, 1); // end of round: both threads finish it before the next begins
    Atomics.notify(ctl, 1);
    waitUntil(1, (d) => d >= 2 * (r + 1));
  }
  return overlaps;
}

async function runContract(check: string, impl: Implementation, form: Form, rounds = 6): Promise<{ results: unknown[]; lost: number }> {
  const { lock, close } = await impl.make();
  try {
    const shared = new SharedArrayBuffer(12);
    const threads = check === "reentry" || check === "cleanup" ? 1 : 2;
    const results = await inThreads(
      contractWorker,
      Array.from({ length: threads }, (_, me) => [check, me, lock, form, shared, rounds]),
    );
    return { results, lost: check === "exclusion" ? 2 * rounds - new Int32Array(shared, 0, 1)[0] : 0 };
  } finally {
    await close?.();
  }
}

for (const impl of implementations) {
  for (const form of impl.forms) {
    describe(`lock interface contract: ${impl.name}, ${form} form`, () => {
      test("mutual exclusion: the forced interleaving cannot get a second thread inside", async () => {
        const { results, lost } = await runContract("exclusion", impl, form);
        assert.deepEqual({ overlaps: (results as number[]).reduce((a, b) => a + b), lost }, { overlaps: 0, lost: 0 });
      });
      test("held by another thread: acquire(0) and acquire(30) fail, release throws LockReleaseError", async () => {
        const { results } = await runContract("holder and other", impl, form);
        assert.deepEqual(results, ["held", { tried: false, timed: false, release: "LockReleaseError" }]);
      });
      test(`re-entry: ${impl.reentry === true ? "promised, so a second acquire succeeds" : "not promised, so a second acquire does not succeed"}`, async () => {
        assert.deepEqual((await runContract("reentry", impl, form)).results, [impl.reentry]);
      });
      test("cleanup: a body that throws inside withLock leaves the lock free", async () => {
        assert.deepEqual((await runContract("cleanup", impl, form)).results, [true]);
      });
    });
  }
}

describe(`lock interface contract: ${brokenImplementation.name}`, () => {
  for (const form of brokenImplementation.forms) {
    test(`${form} form FAILS mutual exclusion and "held by another thread", every time`, async () => {
      const { results, lost } = await runContract("exclusion", brokenImplementation, form);
      assert.deepEqual({ overlaps: (results as number[]).reduce((a, b) => a + b), lost }, { overlaps: 6, lost: 6 });
      const other = (await runContract("holder and other", brokenImplementation, form)).results[1];
      assert.deepEqual(other, { tried: true, timed: true, release: "released another thread's lock" });
    });
  }
});

describe("lock interface contract: AsyncLock (async tasks of one thread)", () => {
  // Its tasks share one thread, so the interleaving is forced between tasks: the holder awaits in the middle.
  test("mutual exclusion: a task that awaits while holding it keeps the others out", async () => {
    const lock = new AsyncLock();
    let counter = 0;
    const release = await lock.acquire();
    const seen = counter;
    assert.equal(await lock.acquire(0), null, "acquire(0) by another task while held");
    assert.equal(await lock.acquire(30), null, "acquire(30) times out");
    const other = lock.withLock(async () => {
      counter += 1; // runs only after the holder's write
    });
    await new Promise((resolve) => setTimeout(resolve, 10)); // the holder awaits mid-section
    counter = seen + 1;
    release();
    await other;
    assert.equal(counter, 2);
  });
  test("re-entry: not promised, so a second acquire by the holder does not succeed", async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    assert.equal(await lock.acquire(0), null);
    release();
  });
  test("cleanup: a body that throws inside withLock leaves the lock free", async () => {
    const lock = new AsyncLock();
    await assert.rejects(
      lock.withLock(() => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(lock.isLocked(), false);
  });
});
