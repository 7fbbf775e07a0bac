// Behaviour of each primitive: timeouts, ownership, re-entry, bounds, events, conditions, barriers,
// queues, the Sequencer's forced lost update, async forms on the main thread, AsyncLock and
// ContextDecorator. Interleavings are forced with Atomics handshakes; no wall-clock assertions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as raceLab from "race-lab";
import {
  AsyncLock,
  Barrier,
  BrokenBarrierError,
  Condition,
  ContextDecorator,
  Event,
  Lock,
  LockReleaseError,
  Queue,
  RLock,
  Semaphore,
  Sequencer,
  Value,
  WorkerFailedError,
  locked,
  runProcesses,
  synchronized,
} from "race-lab";
import { MainThreadBlockError, NotSharableError } from "race-lab/internal";
import { inThreads } from "../helpers/primitives";

declare const race_lab_1: typeof raceLab;

/** Lets other tasks (and Atomics.waitAsync callbacks) run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Lock", () => {
  test("acquire times out (returns false) while another thread holds it; then succeeds", async () => {
    const lock = new Lock();
    const held = new Event();
    const done = new Event();
    const results = await inThreads(
      (role: string, lock: Lock, held: Event, done: Event) => {
        if (role === "holder") {
          lock.acquire();
          held.set();
          done.wait(20_000); // hold the lock until the other thread has timed out
          lock.release();
          return "released";
        }
        held.wait(20_000);
        const whileHeld = lock.acquire(30); // the holder waits for `done`: this must time out
        done.set();
        const afterwards = lock.acquire(20_000);
        lock.release();
        return [whileHeld, afterwards];
      },
      [
        ["holder", lock, held, done],
        ["taker", lock, held, done],
      ],
    );
    assert.deepEqual(results, ["released", [false, true]]);
  });

  test("acquireAsync on the main thread: false on timeout while held, acquire(0) only tries", async () => {
    const lock = new Lock();
    assert.equal(await lock.acquireAsync(), true);
    assert.equal(lock.locked(), true);
    assert.equal(await lock.acquireAsync(20), false);
    assert.equal(lock.acquire(0), false); // a try never blocks, so it is allowed on the main thread
    lock.release();
    assert.equal(lock.acquire(0), true);
    lock.release();
    assert.equal(lock.locked(), false);
  });

  test("release by a thread that does not hold it throws LockReleaseError; so does a double release", async () => {
    const lock = new Lock();
    assert.throws(() => lock.release(), LockReleaseError); // never acquired
    await lock.acquireAsync();
    const [fromWorker] = await inThreads(
      (lock: Lock) => {
        try {
          lock.release();
          return "released someone else's lock";
        } catch (e) {
          return (e as Error).name;
        }
      },
      [[lock]],
    );
    assert.equal(fromWorker, "LockReleaseError");
    assert.equal(lock.locked(), true); // the failed release changed nothing
    lock.release();
    assert.throws(() => lock.release(), LockReleaseError);
  });

  test("the lock word names its holder, and a waiter that marked itself asleep is woken by the release", async () => {
    const lock = new Lock();
    const word = (lock as unknown as { view: Int32Array }).view; // the lock word (src/primitives/owner-word.ts)
    const ctl = new SharedArrayBuffer(8); // [0]: the holder's threadId once it holds the lock; [1]: 1 = release now
    const flags = new Int32Array(ctl);
    const run = inThreads(
      (lock: Lock, ctl: SharedArrayBuffer, role: string) => {
        const flags = new Int32Array(ctl);
        if (role === "holder") {
          lock.acquire();
          Atomics.store(flags, 0, require("node:worker_threads").threadId);
          Atomics.notify(flags, 0);
          while (Atomics.load(flags, 1) === 0) Atomics.wait(flags, 1, 0, 20_000);
          lock.release();
          return true;
        }
        while (Atomics.load(flags, 0) === 0) Atomics.wait(flags, 0, 0, 20_000);
        // Held: it spins, marks itself asleep and sleeps with no timeout of its own; only the release's
        // wake-up lets it on (without one, the run's timeout would end the test).
        const got = lock.acquire();
        lock.release();
        return got;
      },
      [
        [lock, ctl, "holder"],
        [lock, ctl, "waiter"],
      ],
      10_000,
    );
    while (Atomics.load(flags, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(lock.ownerThreadId(), Atomics.load(flags, 0));
    while ((Atomics.load(word, 0) & 1) === 0) await new Promise((resolve) => setTimeout(resolve, 1)); // the waiter's mark
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    assert.deepEqual(await run, [true, true]);
    assert.equal(lock.locked(), false);
    assert.equal(lock.ownerThreadId(), undefined);
  });

  test("a plain Lock acquired twice by one thread deadlocks on itself; the timeout ends it", async () => {
    const [again] = await inThreads(
      (lock: Lock) => {
        lock.acquire();
        const again = lock.acquire(30);
        lock.release();
        return again;
      },
      [[new Lock()]],
    );
    assert.equal(again, false);
  });

  test("blocking forms throw MainThreadBlockError on the main thread", () => {
    const lock = new Lock();
    assert.throws(() => lock.acquire(), MainThreadBlockError);
    assert.throws(() => lock.acquire(100), MainThreadBlockError);
    assert.throws(() => lock.withLock(() => 1), MainThreadBlockError);
    assert.equal(lock.locked(), false);
  });

  test("withLockAsync releases after the function settles, also when it throws", async () => {
    const lock = new Lock();
    assert.equal(await lock.withLockAsync(async () => (await tick(), lock.locked())), true);
    assert.equal(lock.locked(), false);
    await assert.rejects(
      lock.withLockAsync(() => Promise.reject(new Error("boom"))),
      /boom/,
    );
    assert.equal(lock.locked(), false);
  });

  test("shared objects refuse to travel to a process", async () => {
    await assert.rejects(
      runProcesses((l: unknown) => l, [[new Lock()]]),
      NotSharableError,
    );
  });
});

describe("RLock", () => {
  test("the owning thread re-enters; other threads wait until every level is released", async () => {
    const rlock = new RLock();
    const [result] = await inThreads(
      (rlock: RLock) => {
        const levels = [rlock.acquire(), rlock.acquire(100), rlock.withLock(() => rlock.acquire(0))];
        rlock.release();
        rlock.release();
        const stillHeld = rlock.locked();
        rlock.release();
        let extra = "none";
        try {
          rlock.release();
        } catch (e) {
          extra = (e as Error).name;
        }
        return { levels, stillHeld, free: !rlock.locked(), extra };
      },
      [[rlock]],
    );
    assert.deepEqual(result, { levels: [true, true, true], stillHeld: true, free: true, extra: "LockReleaseError" });
  });

  test("held by the main thread, it refuses a worker (acquire times out) and its release", async () => {
    const rlock = new RLock();
    await rlock.acquireAsync();
    await rlock.acquireAsync(); // re-entry on the main thread
    const [seen] = await inThreads(
      (rlock: RLock) => {
        let release = "ok";
        try {
          rlock.release();
        } catch (e) {
          release = (e as Error).name;
        }
        return { acquire: rlock.acquire(30), release };
      },
      [[rlock]],
    );
    assert.deepEqual(seen, { acquire: false, release: "LockReleaseError" });
    rlock.release();
    assert.equal(rlock.locked(), true);
    rlock.release();
    assert.equal(rlock.locked(), false);
  });
});

describe("Semaphore", () => {
  test("lets at most `value` threads in; acquire(0) fails when none is left", async () => {
    const sem = new Semaphore(2);
    assert.equal(sem.acquire(0), true);
    assert.equal(sem.acquire(0), true);
    assert.equal(sem.acquire(0), false);
    assert.equal(sem.locked(), true);
    assert.equal(await sem.acquireAsync(20), false);
    sem.release(2);
    assert.equal(sem.value, 2);
  });

  test("3 threads through Semaphore(2): never more than 2 inside, and 2 do get in together", async () => {
    const sem = new Semaphore(2);
    const inside = new Int32Array(new SharedArrayBuffer(8)); // [inside now, most inside at once]
    const pair = new Barrier(2, { timeoutMs: 20_000 });
    await inThreads(
      (sem: Semaphore, inside: Int32Array, pair: Barrier, first: boolean) => {
        sem.withLock(() => {
          const now = Atomics.add(inside, 0, 1) + 1;
          for (;;) {
            const most = Atomics.load(inside, 1);
            if (now <= most || Atomics.compareExchange(inside, 1, most, now) === most) break;
          }
          if (first) pair.wait(); // the first two meet inside: proves 2 can be in at once
          Atomics.sub(inside, 0, 1);
        });
      },
      [
        [sem, inside, pair, true],
        [sem, inside, pair, true],
        [sem, inside, pair, false],
      ],
    );
    assert.equal(inside[1], 2);
    assert.equal(sem.value, 2);
  });

  test("bounded: releasing past the initial value throws LockReleaseError", () => {
    const sem = new Semaphore(1, { bounded: true });
    assert.throws(() => sem.release(), LockReleaseError);
    assert.equal(sem.acquire(0), true);
    sem.release();
    assert.throws(() => sem.release(), LockReleaseError);
    const loose = new Semaphore(1);
    loose.release(3); // unbounded: fine, like Python's Semaphore
    assert.equal(loose.value, 4);
  });

  test("any thread may release it (it signals): a worker's release wakes the main thread", async () => {
    const sem = new Semaphore(0);
    const waiting = sem.acquireAsync(20_000);
    await inThreads((sem: Semaphore) => sem.release(), [[sem]]);
    assert.equal(await waiting, true);
  });
});

describe("Event", () => {
  test("set before anyone waits is kept: later waits return true at once until clear()", async () => {
    const event = new Event();
    event.set();
    const [seen] = await inThreads((event: Event) => [event.wait(20_000), event.wait(0), event.isSet()], [[event]]);
    assert.deepEqual(seen, [true, true, true]);
    assert.equal(await event.waitAsync(20_000), true);
    event.clear();
    assert.equal(event.isSet(), false);
    assert.equal(event.wait(0), false);
    assert.equal(await event.waitAsync(20), false);
    assert.throws(() => event.wait(), MainThreadBlockError);
  });

  test("set() wakes threads already waiting", async () => {
    const go = new Event();
    const waiting = new Semaphore(0);
    const run = inThreads(
      (go: Event, waiting: Semaphore) => {
        waiting.release();
        return go.wait(20_000);
      },
      [
        [go, waiting],
        [go, waiting],
      ],
    );
    assert.equal(await waiting.acquireAsync(20_000), true);
    assert.equal(await waiting.acquireAsync(20_000), true);
    go.set();
    assert.deepEqual(await run, [true, true]);
  });
});

describe("Condition", () => {
  test("waitFor loops until the predicate holds, across notifications that do not satisfy it", async () => {
    const cond = new Condition();
    const items = new Int32Array(new SharedArrayBuffer(4));
    const results = await inThreads(
      (role: string, cond: Condition, items: Int32Array) => {
        if (role === "consumer") {
          return cond.withLock(() => {
            let wakeUps = 0;
            const ok = cond.waitFor(() => (wakeUps++, items[0] >= 5), 20_000);
            return { ok, items: items[0], checkedMoreThanOnce: wakeUps > 1 };
          });
        }
        for (let i = 0; i < 5; i++) {
          cond.withLock(() => {
            items[0] += 1; // guarded by the condition's lock
            cond.notify();
          });
        }
        return "produced";
      },
      [
        ["consumer", cond, items],
        ["producer", cond, items],
      ],
    );
    assert.equal(results[1], "produced");
    assert.equal((results[0] as { ok: boolean }).ok, true);
    assert.equal((results[0] as { items: number }).items, 5);
  });

  test("waitFor returns the falsy predicate on timeout; wait returns false; the lock is held again", async () => {
    const [seen] = await inThreads(
      (cond: Condition) => {
        return cond.withLock(() => [cond.waitFor(() => 0, 30), cond.wait(30), cond.locked()]);
      },
      [[new Condition(new Lock())]],
    );
    assert.deepEqual(seen, [0, false, true]);
  });

  test("wait/notify need the lock: LockReleaseError without it", async () => {
    const cond = new Condition(new Lock());
    assert.throws(() => cond.notify(), LockReleaseError);
    assert.throws(() => cond.notifyAll(), LockReleaseError);
    await assert.rejects(cond.waitAsync(10), LockReleaseError);
  });

  test("the main thread waits with waitForAsync while a worker changes the state and notifies", async () => {
    const cond = new Condition();
    const state = new Value("i", 0);
    await cond.acquireAsync();
    const worker = inThreads(
      (cond: Condition, state: Value) => {
        for (let i = 1; i <= 3; i++) {
          cond.withLock(() => {
            state.value = i;
            cond.notifyAll();
          });
        }
      },
      [[cond, state]],
    );
    const ok = await cond.waitForAsync(() => state.value === 3, 20_000);
    cond.release();
    await worker;
    assert.equal(ok, true);
  });
});

describe("Barrier", () => {
  test("releases all parties together and gives each a different index 0…parties−1", async () => {
    const barrier = new Barrier(3, { timeoutMs: 20_000 });
    const arrivedBefore = new Int32Array(new SharedArrayBuffer(4));
    const results = await inThreads(
      (barrier: Barrier, arrived: Int32Array) => {
        Atomics.add(arrived, 0, 1);
        const index = barrier.wait();
        return { index, allArrived: Atomics.load(arrived, 0) === 3 };
      },
      [
        [barrier, arrivedBefore],
        [barrier, arrivedBefore],
        [barrier, arrivedBefore],
      ],
    );
    assert.deepEqual(results.map((r) => r.index).sort(), [0, 1, 2]);
    assert.ok(results.every((r) => r.allArrived));
    assert.equal(barrier.broken, false);
  });

  test("is reusable round after round; the main thread can be a party (waitAsync)", async () => {
    const barrier = new Barrier(3);
    const worker = inThreads(
      (barrier: Barrier) => {
        for (let round = 0; round < 5; round++) barrier.wait(20_000);
        return "done";
      },
      [[barrier], [barrier]],
    );
    for (let round = 0; round < 5; round++) await barrier.waitAsync(20_000);
    assert.deepEqual(await worker, ["done", "done"]);
  });

  test("a party that times out breaks the barrier for everyone; reset() repairs it", async () => {
    const barrier = new Barrier(3);
    const results = await inThreads(
      (barrier: Barrier, ms: number) => {
        try {
          barrier.wait(ms);
          return "passed";
        } catch (e) {
          return (e as Error).name;
        }
      },
      [
        [barrier, 30],
        [barrier, 20_000],
      ], // only 2 of 3 parties come: the first times out
    );
    assert.deepEqual(results, ["BrokenBarrierError", "BrokenBarrierError"]);
    assert.equal(barrier.broken, true);
    await assert.rejects(barrier.waitAsync(20_000), BrokenBarrierError);
    await barrier.resetAsync();
    assert.equal(barrier.broken, false);
    const again = inThreads((barrier: Barrier) => barrier.wait(20_000), [[barrier], [barrier]]);
    const mine = await barrier.waitAsync(20_000);
    assert.deepEqual([mine, ...(await again)].sort(), [0, 1, 2]);
  });

  test("abort() frees waiting threads with BrokenBarrierError", async () => {
    const barrier = new Barrier(2);
    const run = inThreads(
      (barrier: Barrier) => {
        try {
          barrier.wait(20_000);
          return "passed";
        } catch (e) {
          return (e as Error).name;
        }
      },
      [[barrier]],
    );
    while (barrier.nWaiting === 0) await tick(); // the worker is waiting at the barrier
    await barrier.abortAsync();
    assert.deepEqual(await run, ["BrokenBarrierError"]);
    assert.throws(() => barrier.wait(), MainThreadBlockError);
  });
});

describe("Queue", () => {
  test("items cross threads in order, through a small bounded queue and a tiny wrapping buffer", async () => {
    const q = new Queue<{ n: number; text: string }>({ maxsize: 4, capacityBytes: 64 });
    const results = await inThreads(
      (role: string, q: Queue<{ n: number; text: string }>, count: number) => {
        if (role === "producer") {
          for (let n = 0; n < count; n++) if (!q.put({ n, text: "é".repeat(n % 7) }, 20_000)) return "put timed out";
          return "produced";
        }
        const seen: number[] = [];
        for (let i = 0; i < count; i++) {
          const item = q.get(20_000);
          if (item === undefined || item.text !== "é".repeat(item.n % 7)) return "bad item";
          seen.push(item.n);
        }
        return seen.every((n, i) => n === i) ? "in order" : "out of order";
      },
      [
        ["producer", q, 300],
        ["consumer", q, 300],
      ],
    );
    assert.deepEqual(results, ["produced", "in order"]);
    assert.equal(q.empty(), true);
  });

  test("the main thread uses putAsync/getAsync; get times out with undefined, a full put with false", async () => {
    const q = new Queue<number | null>({ maxsize: 2 });
    assert.equal(await q.putAsync(1), true);
    assert.equal(await q.putAsync(null), true);
    assert.equal(q.full(), true);
    assert.equal(await q.putAsync(3, 20), false);
    assert.equal(q.put(3, 0), false);
    assert.equal(q.qsize(), 2);
    assert.equal(await q.getAsync(), 1);
    assert.equal(q.get(0), null);
    assert.equal(await q.getAsync(20), undefined);
    assert.equal(q.get(0), undefined);
    assert.throws(() => q.get(), MainThreadBlockError);
    assert.throws(() => q.put(1), MainThreadBlockError);
  });

  test("a worker's get waits for the main thread's putAsync", async () => {
    const q = new Queue<string>();
    const run = inThreads((q: Queue<string>) => [q.get(20_000), q.get(20_000)], [[q]]);
    await q.putAsync("a");
    await q.putAsync("b");
    assert.deepEqual(await run, [["a", "b"]]);
  });
});

describe("Sequencer", () => {
  test("forces the lost update on every run: A reads, B reads, A writes, B writes", async () => {
    for (let trial = 0; trial < 3; trial++) {
      const counter = new Value("i", 0);
      const seq = new Sequencer({ timeoutMs: 20_000 });
      const plan = (counter: Value, seq: Sequencer, first: boolean) => {
        let seen = 0;
        seq.step(first ? 0 : 1, () => {
          seen = counter.value;
        });
        seq.step(first ? 2 : 3, () => {
          counter.value = seen + 1;
        });
      };
      await inThreads(plan, [
        [counter, seq, true],
        [counter, seq, false],
      ]);
      assert.equal(counter.value, 1, "two increments, one lost");
      assert.equal(seq.turn, 4);
    }
  });

  test("with the lock around each read-modify-write, the same kind of schedule loses nothing", async () => {
    const counter = new Value("i", 0);
    const seq = new Sequencer({ timeoutMs: 20_000 });
    await inThreads(
      (counter: Value, seq: Sequencer, first: boolean) => {
        // The whole read-modify-write is one step, holding the value's lock.
        seq.step(first ? 0 : 1, () => counter.getLock().withLock(() => (counter.value = counter.value + 1)));
      },
      [
        [counter, seq, true],
        [counter, seq, false],
      ],
    );
    assert.equal(counter.value, 2);
  });

  test("stepAsync on the main thread interleaves with a worker; a passed turn and a missing turn are reported", async () => {
    const seq = new Sequencer({ timeoutMs: 20_000 });
    const order = new Queue<string>();
    const worker = inThreads(
      (seq: Sequencer, order: Queue<string>) => {
        seq.step(1, () => order.put("worker 1"));
        seq.step(3, () => order.put("worker 3"));
      },
      [[seq, order]],
    );
    await seq.stepAsync(0, () => order.putAsync("main 0"));
    await seq.stepAsync(2, () => order.putAsync("main 2"));
    await worker;
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await order.getAsync(0));
    assert.deepEqual(seen, ["main 0", "worker 1", "main 2", "worker 3"]);
    await assert.rejects(
      seq.stepAsync(1, () => 0),
      /already passed/,
    );
    const short = new Sequencer({ timeoutMs: 20 });
    await assert.rejects(
      short.stepAsync(2, () => 0),
      /skip a step/,
    );
    assert.throws(() => short.step(0, () => 0), MainThreadBlockError);
  });

  test("if a step throws, the turn still advances so the other thread is not stuck", async () => {
    const seq = new Sequencer({ timeoutMs: 20_000 });
    await assert.rejects(
      inThreads(
        (seq: Sequencer, first: boolean) => {
          if (first)
            seq.step(0, () => {
              throw new Error("step 0 failed");
            });
          else return seq.step(1, () => "ran");
        },
        [
          [seq, true],
          [seq, false],
        ],
      ),
      WorkerFailedError,
    );
  });
});

describe("decorators and ContextDecorator", () => {
  test("@lock.synchronized / @synchronized(lock) on async methods work on the main thread; sync ones refuse", async () => {
    const lock = new Lock();
    let inside = 0;
    let most = 0;
    class Account {
      balance = 100;
      @lock.synchronized
      async withdraw(n: number) {
        most = Math.max(most, ++inside);
        const b = this.balance;
        await tick(); // a task switch in the middle of the read-modify-write
        this.balance = b - n;
        inside--;
      }
      @synchronized(lock)
      peek() {
        return this.balance;
      }
    }
    const account = new Account();
    await Promise.all([account.withdraw(10), account.withdraw(20), account.withdraw(30)]);
    assert.equal(account.balance, 40);
    assert.equal(most, 1);
    assert.throws(() => account.peek(), MainThreadBlockError);
    const lockedAsync = locked(lock, async () => lock.locked());
    assert.equal(await lockedAsync(), true);
    assert.equal(lock.locked(), false);
  });

  test("a ContextDecorator subclass (the lesson's SimpleLock) works with run, wrap and decorator", async () => {
    const log: string[] = [];
    class SimpleLock extends ContextDecorator {
      enter() {
        log.push("enter");
      }
      exit(error?: unknown) {
        log.push(error ? `exit (${(error as Error).message})` : "exit");
      }
    }
    const guard = new SimpleLock();
    assert.equal(
      guard.run(() => (log.push("body"), 1)),
      1,
    );
    assert.throws(
      () =>
        guard.run(() => {
          throw new Error("boom");
        }),
      /boom/,
    );
    const twice = guard.wrap((x: number) => x * 2);
    assert.equal(twice(21), 42);
    assert.equal(await guard.run(async () => (await tick(), log.push("async body"), 2)), 2);
    class Job {
      @guard.decorator
      work() {
        log.push("work");
      }
    }
    new Job().work();
    assert.deepEqual(log, [
      "enter",
      "body",
      "exit",
      "enter",
      "exit (boom)",
      "enter",
      "exit",
      "enter",
      "async body",
      "exit",
      "enter",
      "work",
      "exit",
    ]);
  });

  test("a ContextDecorator around a real Lock, in worker threads, keeps a count exact", async () => {
    const counter = new Value("i", 0, { lock: false });
    const lock = new Lock();
    await inThreads(
      (counter: Value, lock: Lock, n: number) => {
        class SimpleLock extends race_lab_1.ContextDecorator {
          enter() {
            lock.acquire();
          }
          exit() {
            lock.release();
          }
        }
        const increment = new SimpleLock().wrap(() => (counter.value = counter.value + 1));
        for (let i = 0; i < n; i++) increment();
      },
      [
        [counter, lock, 2000],
        [counter, lock, 2000],
        [counter, lock, 2000],
      ],
    );
    assert.equal(counter.value, 6000);
  });
});

describe("AsyncLock", () => {
  test("withLock keeps async read-modify-writes whole; without it updates are lost", async () => {
    let balance = 100;
    const withdraw = async (n: number) => {
      const b = balance;
      await tick();
      balance = b - n;
    };
    await Promise.all([withdraw(10), withdraw(20)]);
    assert.notEqual(balance, 70, "without a lock, the await in the middle loses an update");
    balance = 100;
    const lock = new AsyncLock();
    await Promise.all([lock.withLock(() => withdraw(10)), lock.withLock(() => withdraw(20))]);
    assert.equal(balance, 70);
    assert.equal(lock.isLocked(), false);
  });

  test("acquire gives a release function; with a timeout, null when not free in time (and the lock recovers)", async () => {
    const lock = new AsyncLock();
    const release = await lock.acquire();
    assert.equal(lock.isLocked(), true);
    assert.equal(await lock.acquire(20), null);
    release();
    const again = await lock.acquire(1000);
    assert.ok(again);
    again();
    assert.equal(lock.isLocked(), false);
  });

  test("@asyncLock.synchronized serialises an async method", async () => {
    const lock = new AsyncLock();
    class Db {
      rows = 0;
      @lock.synchronized
      async insert() {
        const r = this.rows;
        await tick();
        this.rows = r + 1;
      }
    }
    const db = new Db();
    await Promise.all([db.insert(), db.insert(), db.insert()]);
    assert.equal(db.rows, 3);
  });

  test("cannot travel to a thread", async () => {
    await assert.rejects(
      inThreads((l: unknown) => l, [[new AsyncLock()]]),
      NotSharableError,
    );
  });
});
