// Tests of explore() / replay(): what they promise, primitives cooperating under control,
// deadlocks with their cycle, seeded random mode, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Lock, WorkerFailedError, Queue, Scheduler, Semaphore, SharedArray, Value, explore, replay, runThreads } from "race-lab";
import { NotControlledError, RaceLabArgumentError, exploringThreads } from "race-lab/internal";
import { NOTHING_LEFT, leftovers } from "../helpers/run";

function increment(x: Value, s: Scheduler) {
  s.point("read");
  const seen = x.value;
  s.point("write");
  x.value = seen + 1;
}

const options = {
  fn: increment,
  workers: 2,
  setup: () => {
    const x = new Value("i", 0);
    return { args: [[x], [x]], observe: () => x.value };
  },
  expected: 2,
};

function nothingLeft(): void {
  assert.equal(exploringThreads(), 0, "every controlled thread has been ended");
  assert.deepEqual(leftovers(), NOTHING_LEFT);
}

test("the lost update: exactly 6 schedules, 4 of them anomalies that observe 1", async () => {
  const report = await explore(options);
  assert.equal(report.schedules.length, 6);
  assert.equal(report.anomalies, 4);
  assert.equal(report.complete, true);
  const orders = report.schedules.map((s) => s.order.join(""));
  assert.deepEqual([...orders].sort(), ["0011", "0101", "0110", "1001", "1010", "1100"]);
  for (const s of report.schedules) {
    const serial = s.order.join("") === "0011" || s.order.join("") === "1100";
    assert.equal(s.observed, serial ? 2 : 1, `schedule ${s.order}`);
    assert.equal(s.anomaly, !serial);
    assert.equal(s.deadlock, false);
    assert.equal(s.steps.length, 4);
  }
  nothingLeft();
});

test("replay follows the order on real threads, with the same outcome every time", async () => {
  for (let i = 0; i < 3; i++) {
    const again = await replay({ ...options, order: [0, 1, 0, 1] });
    assert.equal(again.observed, 1);
    assert.deepEqual(again.order, [0, 1, 0, 1]);
    assert.deepEqual(
      again.steps.map((s) => [s.worker, s.label, s.state]),
      [
        [0, "read", 0],
        [1, "read", 0],
        [0, "write", 1],
        [1, "write", 1],
      ],
    );
  }
  assert.equal((await replay({ ...options, order: [1, 1, 0, 0] })).observed, 2);
  nothingLeft();
});

test("two workers of three points each: 20 schedules", async () => {
  function three(x: Value, s: Scheduler) {
    s.point("a");
    x.value += 1;
    s.point("b");
    x.value += 1;
    s.point("c");
    x.value += 1;
  }
  const report = await explore({ ...options, fn: three, expected: 6 });
  assert.equal(report.schedules.length, 20);
  assert.equal(report.anomalies, 0, "each step is one indivisible += here");
});

// A lock is checked by exploring every schedule of a locked increment: the real Lock makes all of them
// correct; a broken one (it only tries, and goes on without the lock when it is taken) is caught.
function lockedIncrement(x: Value, lock: Lock, s: Scheduler) {
  lock.acquire();
  s.point("read");
  const seen = x.value;
  s.point("write");
  x.value = seen + 1;
  lock.release();
}
function brokenLockIncrement(x: Value, lock: Lock, s: Scheduler) {
  const got = lock.acquire(0); // the broken part: does not wait for the lock
  s.point("read");
  const seen = x.value;
  s.point("write");
  x.value = seen + 1;
  if (got) lock.release();
}
const lockSetup = () => {
  const x = new Value("i", 0);
  const lock = new Lock();
  return {
    args: [
      [x, lock],
      [x, lock],
    ],
    observe: () => x.value,
  };
};

test("a lock makes every schedule correct; a broken lock is caught by exploration", async () => {
  const good = await explore({ fn: lockedIncrement, workers: 2, setup: lockSetup, expected: 2 });
  assert.equal(good.complete, true);
  assert.ok(good.schedules.length >= 2);
  assert.equal(good.anomalies, 0, good.summary);
  const broken = await explore({ fn: brokenLockIncrement, workers: 2, setup: lockSetup, expected: 2 });
  assert.ok(broken.anomalies > 0, broken.summary);
  const bad = broken.schedules.find((s) => s.anomaly)!;
  assert.equal((await replay({ fn: brokenLockIncrement, workers: 2, setup: lockSetup, expected: 2, order: bad.order })).observed, 1);
  nothingLeft();
});

function twoLocks(first: Lock, second: Lock) {
  first.acquire();
  second.acquire();
  second.release();
  first.release();
}

test("two lock orders: the deadlock is found and reported with its wait-for cycle; one order has none", async () => {
  const setup = (sameOrder: boolean) => () => {
    const a = new Lock();
    const b = new Lock();
    return { args: [[a, b], sameOrder ? [a, b] : [b, a]], observe: () => [a.locked(), b.locked()], names: { a, b } };
  };
  const report = await explore({ fn: twoLocks, workers: 2, setup: setup(false) });
  assert.ok(report.deadlocks > 0, report.summary);
  const dead = report.schedules.find((s) => s.deadlock)!;
  assert.equal(dead.anomaly, true);
  assert.deepEqual(dead.cycle, [0, 1]);
  assert.deepEqual(
    dead.waits!.map((w) => [w.worker, w.resource, w.heldBy]),
    [
      [0, "b", 1],
      [1, "a", 0],
    ],
  );
  assert.match(
    dead.description!,
    /worker 0 waits in lock\.acquire\(\) for b, held by worker 1; worker 1 waits in lock\.acquire\(\) for a, held by worker 0/,
  );
  assert.match(dead.description!, /cycle: worker 0 → worker 1 → worker 0/);
  // The threads unwound and were reused: the other schedules ran to their end.
  assert.ok(report.schedules.some((s) => !s.deadlock && s.observed !== undefined));
  const safe = await explore({ fn: twoLocks, workers: 2, setup: setup(true) });
  assert.equal(safe.deadlocks, 0, safe.summary);
  assert.equal(safe.complete, true);
  nothingLeft();
});

test("a blocked worker is never chosen: semaphores and queues wait under control", async () => {
  // Rendezvous (The Little Book of Semaphores, 3.3): each signals its arrival, then waits for the other.
  function rendezvous(mine: Semaphore, theirs: Semaphore, log: Value, s: Scheduler) {
    s.point("arrive");
    log.value += 1;
    mine.release();
    theirs.acquire();
    s.point("after");
    if (log.value !== 2) throw new Error(`went on before the other arrived (log ${log.value})`);
  }
  const setup = () => {
    const a = new Semaphore(0);
    const b = new Semaphore(0);
    const log = new Value("i", 0);
    return {
      args: [
        [a, b, log],
        [b, a, log],
      ],
      observe: () => log.value,
      names: { a, b },
    };
  };
  const good = await explore({ fn: rendezvous, workers: 2, setup, expected: 2 });
  assert.equal(good.anomalies, 0, good.summary + " " + good.schedules.map((s) => s.description).join(" / "));
  // Waiting before signalling deadlocks in every schedule, and nobody holds a semaphore.
  function waitsFirst(mine: Semaphore, theirs: Semaphore) {
    theirs.acquire();
    mine.release();
  }
  const dead = await explore({ fn: waitsFirst, workers: 2, setup });
  assert.equal(dead.deadlocks, dead.schedules.length);
  assert.match(
    dead.schedules[0].description!,
    /worker 0 waits in semaphore\.acquire\(\) for b; worker 1 waits in semaphore\.acquire\(\) for a — and nobody left can wake them/,
  );
  // A queue: the consumer waits for the producer, in every schedule.
  function pass(q: Queue<number>, producer: boolean, got: Value) {
    if (producer) q.put(41);
    else got.value = q.get()! + 1;
  }
  const queued = await explore({
    fn: pass,
    workers: 2,
    setup: () => {
      const q = new Queue<number>();
      const got = new Value("i", 0);
      return {
        args: [
          [q, true, got],
          [q, false, got],
        ],
        observe: () => got.value,
      };
    },
    expected: 42,
  });
  assert.equal(queued.anomalies, 0, queued.summary);
  nothingLeft();
});

test("random mode: the same seed gives the same schedules", async () => {
  function three(x: Value, s: Scheduler) {
    for (let i = 0; i < 3; i++) {
      s.point("read");
      const seen = x.value;
      s.point("write");
      x.value = seen + 1;
    }
  }
  const random = { ...options, fn: three, expected: 6, mode: "random" as const, schedules: 12 };
  const first = await explore({ ...random, seed: 7 });
  const second = await explore({ ...random, seed: 7 });
  const other = await explore({ ...random, seed: 8 });
  const orders = (r: typeof first) => r.schedules.map((s) => s.order.join(""));
  assert.deepEqual(orders(first), orders(second));
  assert.deepEqual(
    first.schedules.map((s) => s.observed),
    second.schedules.map((s) => s.observed),
  );
  assert.notDeepEqual(orders(first), orders(other));
  assert.equal(first.runs, 12);
  assert.equal(first.seed, 7);
  assert.equal(first.complete, false);
  nothingLeft();
});

test("the cap is reported when reached", async () => {
  const report = await explore({ ...options, maxSchedules: 3 });
  assert.equal(report.schedules.length, 3);
  assert.equal(report.complete, false);
  assert.equal(report.stoppedBy, "maxSchedules");
  assert.match(report.summary, /stopped at maxSchedules = 3/);
});

test("bad input: clear errors naming the argument", async () => {
  const argError = (argument: string) => (e: unknown) => e instanceof RaceLabArgumentError && e.argument === argument;
  await assert.rejects(replay({ ...options, order: [0, 2, 0, 1] }), argError("options.order[1]"));
  await assert.rejects(replay({ ...options, order: [0, -1] }), argError("options.order[1]"));
  await assert.rejects(replay({ ...options, order: "0101" as never }), argError("options.order"));
  await assert.rejects(
    replay({ ...options, order: [0, 1, 0] }),
    /options\.order is too short: it ends after 3 steps, but worker 1 can still go on/,
  );
  await assert.rejects(
    replay({ ...options, order: [0, 1, 0, 1, 1] }),
    /options\.order is too long: the schedule ended after 4 steps \(every worker had finished\), but the order has 5: drop the last 1/,
  );
  await assert.rejects(replay({ ...options, order: [0, 0, 0, 1, 1] }), /options\.order\[2\] is 0, but worker 0 has finished/);
  await assert.rejects(explore({ ...options, workers: 0 }), argError("options.workers"));
  await assert.rejects(explore({ ...options, fn: undefined as never }), argError("options.fn"));
  await assert.rejects(explore({ ...options, workerz: 2 } as never), argError("options.workerz"));
  await assert.rejects(explore({ ...options, seed: 3 }), argError("options.mode"));
  await assert.rejects(explore({ ...options, setup: () => ({ args: [[1]], observe: () => 0 }) }), argError("setup().args"));
  // A point outside a controlled run: nothing by default, an error when the scheduler is strict.
  new Scheduler().point("read");
  assert.throws(() => new Scheduler({ strict: true }).point("read"), NotControlledError);
  assert.throws(() => new Scheduler({ strict: "yes" } as never), argError("options.strict"));
  nothingLeft();
});

test("outside explore/replay, point() does nothing and the primitives behave as always", async () => {
  const x = new Value("i", 0);
  const lock = new Lock();
  await runThreads(lockedIncrement, [
    [x, lock, new Scheduler()],
    [x, lock, new Scheduler()],
  ]);
  assert.equal(x.value, 2);
});

test("an error in a worker is an anomaly of its schedule, named in it", async () => {
  function failsSometimes(x: Value, s: Scheduler) {
    s.point("read");
    const seen = x.value;
    s.point("write");
    if (seen !== 0) throw new Error("saw the other's write");
    x.value = seen + 1;
  }
  const report = await explore({ ...options, fn: failsSometimes, expected: (v: unknown) => typeof v === "number" });
  const failed = report.schedules.filter((s) => s.errors);
  assert.equal(failed.length, 2, report.summary);
  assert.match(failed[0].errors![0], /worker \d: Error: saw the other's write/);
  assert.ok(failed.every((s) => s.anomaly));
  nothingLeft();
});

test("a timed wait times out only when nothing else can happen (two lock orders with timeouts: no deadlock)", async () => {
  function politeLocks(first: Lock, second: Lock, gaveUp: Value) {
    first.acquire();
    if (second.acquire(50)) second.release();
    else gaveUp.value += 1; // backs off instead of waiting forever
    first.release();
  }
  const report = await explore({
    fn: politeLocks,
    workers: 2,
    setup: () => {
      const a = new Lock(),
        b = new Lock(),
        gaveUp = new Value("i", 0);
      return {
        args: [
          [a, b, gaveUp],
          [b, a, gaveUp],
        ],
        observe: () => gaveUp.value,
      };
    },
  });
  assert.equal(report.deadlocks, 0, report.summary);
  assert.ok(
    report.schedules.some((s) => s.observed > 0), // a number: what observe returns
    "in the crossed schedules a worker gives up",
  );
  assert.ok(
    report.schedules.some((s) => s.observed === 0),
    "in the serial ones nobody does",
  );
  nothingLeft();
});

// `x.value += 1` with no point of its own: a read and a write of the Value, one step unless
// valuePoints makes each access a point.
function plainIncrement(x: Value) {
  x.value += 1;
}

function lockedPlainIncrement(x: Value, lock: Lock) {
  lock.withLock(() => {
    x.value += 1;
  });
}

const plainSetup = () => {
  const x = new Value("i", 0);
  const lock = new Lock();
  return {
    args: [
      [x, lock],
      [x, lock],
    ],
    observe: () => x.value,
  };
};

test("valuePoints: `x.value += 1` is one step without it (no anomaly seen) and two with it (the lost update found)", async () => {
  const blind = await explore({ fn: plainIncrement, workers: 2, setup: plainSetup, expected: 2 });
  assert.equal(blind.anomalies, 0, "without valuePoints the read and the write are one step");
  const seen = await explore({ fn: plainIncrement, workers: 2, setup: plainSetup, expected: 2, valuePoints: true });
  assert.equal(seen.complete, true);
  assert.ok(seen.anomalies > 0, "the read and the write of another worker fall between");
  const lost = seen.schedules.find((s) => s.anomaly);
  assert.equal(lost?.observed, 1);
  assert.ok(
    lost?.steps.some((step) => /read \.value/.test(JSON.stringify(step))),
    "steps name the access",
  );
  nothingLeft();
});

test("valuePoints: the same increment under a lock explores to zero anomalies", async () => {
  const report = await explore({ fn: lockedPlainIncrement, workers: 2, setup: plainSetup, expected: 2, valuePoints: true });
  assert.equal(report.complete, true);
  assert.equal(report.anomalies, 0);
  assert.ok(report.schedules.length > 1);
  nothingLeft();
});

// The same on an item of a SharedArray: a get, then a set of the same item.
function itemIncrement(items: SharedArray) {
  items.set(1, items.get(1) + 1);
}

test("valuePoints: a SharedArray's get and set are points too, named by their index; without it one step", async () => {
  const setup = () => {
    const items = new SharedArray("i", 3);
    return { args: [[items], [items]], observe: () => items.get(1) };
  };
  const blind = await explore({ fn: itemIncrement, workers: 2, setup, expected: 2 });
  assert.equal(blind.anomalies, 0, "without valuePoints the get and the set are one step");
  const seen = await explore({ fn: itemIncrement, workers: 2, setup, expected: 2, valuePoints: true });
  assert.equal(seen.complete, true);
  const lost = seen.schedules.find((s) => s.anomaly);
  assert.equal(lost?.observed, 1, "both read 0 before either writes");
  assert.ok(
    lost?.steps.some((step) => /read \[1\]/.test(JSON.stringify(step))),
    "steps name the item read",
  );
  assert.ok(
    lost?.steps.some((step) => /write \[1\]/.test(JSON.stringify(step))),
    "steps name the item written",
  );
  nothingLeft();
});

test("valuePoints must be true or false", async () => {
  await assert.rejects(
    explore({ fn: plainIncrement, workers: 2, setup: plainSetup, valuePoints: "yes" as unknown as boolean }),
    (e: unknown) => e instanceof RaceLabArgumentError && /options\.valuePoints/.test(String(e)),
  );
});

test("a schedule without end (a worker spinning around a point) is stopped at timeoutMs, and the report says so", async () => {
  // The first schedule explored always chooses worker 0, which spins forever waiting for worker 1.
  function spinUntilSet(who: number, flag: Value, s: Scheduler) {
    if (who === 1) {
      s.point("set");
      flag.value = 1;
      return;
    }
    while (flag.value === 0) s.point("spin");
  }
  const started = Date.now();
  const report = await explore({
    fn: spinUntilSet,
    workers: 2,
    timeoutMs: 300,
    setup: () => {
      const flag = new Value("i", 0);
      return {
        args: [
          [0, flag],
          [1, flag],
        ],
        observe: () => flag.value,
      };
    },
  });
  assert.ok(Date.now() - started < 10_000, "it ended soon after its time limit");
  assert.equal(report.complete, false);
  assert.equal(report.stoppedBy, "timeoutMs");
  assert.match(report.summary, /one schedule had not ended/);
  nothingLeft();
});

test("a stub left in the function (notImplemented) fails the exploration as a stub, not as a schedule gone wrong", async () => {
  function unsolved(x: Value, s: Scheduler) {
    s.point("start");
    x.value = 1;
    require("race-lab").notImplemented("unsolved");
  }
  await assert.rejects(
    explore({ ...options, fn: unsolved }),
    (e: unknown) => e instanceof WorkerFailedError && e.causeName === "NotImplementedError" && /called a stub/.test(e.message),
  );
  nothingLeft();
});
