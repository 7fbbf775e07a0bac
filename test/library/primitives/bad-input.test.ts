// Bad input to every constructor and method of the shared-memory primitives throws
// RaceLabArgumentError naming the argument (before anything blocks or changes).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AsyncLock,
  Barrier,
  Condition,
  ContextDecorator,
  Event,
  Lock,
  Queue,
  RLock,
  Semaphore,
  Sequencer,
  SharedArray,
  Value,
  locked,
  synchronized,
} from "race-lab";
import { MAX_SHARED_ARRAY_LENGTH, RaceLabArgumentError } from "race-lab/internal";

const BAD_TIMEOUTS: unknown[] = [-1, NaN, Infinity, "10", 600_001, null];

/** Asserts that `call` throws RaceLabArgumentError naming `argument`. */
function bad(argument: string, call: () => unknown): void {
  assert.throws(call, (e: unknown) => {
    assert.ok(e instanceof RaceLabArgumentError, `expected RaceLabArgumentError, got ${e}`);
    assert.equal(e.argument, argument);
    assert.match(e.message, new RegExp(`^${argument.replace(/[.()[\]]/g, "\\$&")} must be `));
    return true;
  });
}

/** The same for an async call (it must reject, not throw synchronously or hang). */
async function badAsync(argument: string, call: () => Promise<unknown>): Promise<void> {
  await assert.rejects(call, (e: unknown) => e instanceof RaceLabArgumentError && e.argument === argument);
}

const any = (x: unknown) => x as any;

test("Value: type, initial, value, options", () => {
  for (const type of ["x", "", undefined, 1, "int"]) bad("type", () => new Value(any(type)));
  for (const initial of [1.5, "1", NaN, 2 ** 60, null]) bad("initial", () => new Value("i", any(initial)));
  bad("initial", () => new Value("d", any("1.5")));
  bad("options", () => new Value("i", 0, any(null)));
  for (const lock of ["yes", 1, {}, new Semaphore(1)]) bad("options.lock", () => new Value("i", 0, { lock: any(lock) }));
  const v = new Value("b", 1);
  for (const x of [1.5, "2", undefined, Infinity]) bad("value", () => (v.value = any(x)));
  assert.equal(v.value, 1);
  assert.equal(Number.isNaN((Object.assign(new Value("f"), { value: NaN }) as Value<"f">).value), true); // floats take NaN
});

test("SharedArray: type, lengthOrValues, options, index, element", () => {
  bad("type", () => new SharedArray(any("q"), 1));
  for (const n of [-1, 1.5, MAX_SHARED_ARRAY_LENGTH + 1, NaN]) bad("lengthOrValues", () => new SharedArray("i", n));
  bad("lengthOrValues", () => new SharedArray("i", any("3")));
  bad("lengthOrValues", () => new SharedArray("i", any(undefined)));
  bad("lengthOrValues[1]", () => new SharedArray("i", any([1, "x"])));
  bad("lengthOrValues[0]", () => new SharedArray("h", [1.5]));
  bad("options", () => new SharedArray("i", 1, any(7)));
  bad("options.lock", () => new SharedArray("i", 1, { lock: any("no") }));
  const a = new SharedArray("i", 3);
  for (const i of [-1, 3, 1.5, "0", undefined]) {
    bad("i", () => a.get(any(i)));
    bad("i", () => a.set(any(i), 1));
  }
  bad("x", () => a.set(0, any("1")));
  bad("x", () => a.set(0, 0.5));
  bad("i", () => new SharedArray("i", 0).get(0));
});

test("Lock and RLock: no constructor arguments; timeouts", async () => {
  for (const make of [() => new Lock(), () => new RLock()]) {
    const lock = make();
    for (const t of BAD_TIMEOUTS) {
      bad("timeoutMs", () => lock.acquire(any(t))); // checked before the main-thread rule
      await badAsync("timeoutMs", () => lock.acquireAsync(any(t)));
    }
    bad("fn", () => lock.withLock(any("not a function")));
    await badAsync("fn", async () => lock.withLockAsync(any(null)));
    assert.equal(lock.locked(), false);
  }
  bad("new Lock()", () => new (Lock as any)(true));
  bad("new RLock()", () => new (RLock as any)({}));
});

test("Semaphore: value, options, release count, timeouts", async () => {
  for (const value of [-1, 1.5, "2", 2 ** 31, NaN]) bad("value", () => new Semaphore(any(value)));
  bad("options", () => new Semaphore(1, any(null)));
  bad("options.bounded", () => new Semaphore(1, { bounded: any("yes") }));
  const sem = new Semaphore(1);
  for (const n of [0, -1, 1.5, "1"]) bad("n", () => sem.release(any(n)));
  assert.equal(sem.value, 1);
  for (const t of BAD_TIMEOUTS) {
    bad("timeoutMs", () => sem.acquire(any(t)));
    await badAsync("timeoutMs", () => sem.acquireAsync(any(t)));
  }
});

test("Event: no constructor arguments; timeouts", async () => {
  bad("new Event()", () => new (Event as any)(1));
  const event = new Event();
  for (const t of BAD_TIMEOUTS) {
    bad("timeoutMs", () => event.wait(any(t)));
    await badAsync("timeoutMs", () => event.waitAsync(any(t)));
  }
});

test("Condition: lock, timeouts, predicate, notify count", async () => {
  for (const lock of [{}, "lock", new Semaphore(1), new Event(), null]) bad("lock", () => new Condition(any(lock)));
  const cond = new Condition(new Lock());
  await cond.acquireAsync();
  for (const t of BAD_TIMEOUTS) {
    bad("timeoutMs", () => cond.wait(any(t)));
    await badAsync("timeoutMs", () => cond.waitAsync(any(t)));
    bad("timeoutMs", () => cond.waitFor(() => true, any(t)));
    await badAsync("timeoutMs", () => cond.waitForAsync(() => true, any(t)));
  }
  bad("predicate", () => cond.waitFor(any("ready")));
  await badAsync("predicate", () => cond.waitForAsync(any(undefined)));
  for (const n of [0, -2, 1.5, "1"]) bad("n", () => cond.notify(any(n)));
  cond.release();
});

test("Barrier: parties, options, timeouts", async () => {
  for (const parties of [0, -1, 1.5, "3", undefined, 2_000_000]) bad("parties", () => new Barrier(any(parties)));
  bad("options", () => new Barrier(2, any("fast")));
  for (const t of BAD_TIMEOUTS) bad("options.timeoutMs", () => new Barrier(2, { timeoutMs: any(t) }));
  const barrier = new Barrier(2);
  for (const t of BAD_TIMEOUTS) {
    bad("timeoutMs", () => barrier.wait(any(t)));
    await badAsync("timeoutMs", () => barrier.waitAsync(any(t)));
  }
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

test("Queue: options, items that are not JSON or too big, timeouts", async () => {
  bad("options", () => new Queue(any(5)));
  for (const maxsize of [-1, 1.5, "2"]) bad("options.maxsize", () => new Queue({ maxsize: any(maxsize) }));
  for (const capacityBytes of [8, 2 ** 29, 1.5]) bad("options.capacityBytes", () => new Queue({ capacityBytes: any(capacityBytes) }));
  const q = new Queue<unknown>({ capacityBytes: 32 });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const item of [undefined, () => 1, Symbol("s"), 10n, cyclic, "x".repeat(40)]) {
    bad("item", () => q.put(item, 0));
    await badAsync("item", () => q.putAsync(item));
  }
  for (const t of BAD_TIMEOUTS) {
    bad("timeoutMs", () => q.put(1, any(t)));
    bad("timeoutMs", () => q.get(any(t)));
    await badAsync("timeoutMs", () => q.putAsync(1, any(t)));
    await badAsync("timeoutMs", () => q.getAsync(any(t)));
  }
  assert.equal(q.qsize(), 0);
});

test("Sequencer: options, step numbers, functions", async () => {
  bad("options", () => new Sequencer(any([])));
  bad("options.timeoutMs", () => new Sequencer({ timeoutMs: -5 }));
  const seq = new Sequencer();
  for (const n of [-1, 1.5, "0", 2_000_000]) {
    bad("n", () => seq.step(any(n), () => 0));
    await badAsync("n", () => seq.stepAsync(any(n), () => 0));
  }
  bad("fn", () => seq.step(0, any("go")));
  await badAsync("fn", () => seq.stepAsync(0, any(null)));
  assert.equal(seq.turn, 0);
});

test("synchronized, locked, decorators and ContextDecorator", () => {
  for (const lock of [null, {}, "lock", new Event()]) {
    bad("lock", () => synchronized(any(lock)));
    bad("lock", () => locked(any(lock), () => 0));
  }
  bad("fn", () => locked(new Lock(), any(42)));
  const lock = new Lock();
  bad("the decorated member", () => lock.synchronized({}, "x", { get: () => 1 }));
  bad("the decorated member", () => synchronized(lock)({}, "x", { value: 5 }));
  class Guard extends ContextDecorator {
    enter() {}
    exit() {}
  }
  const guard = new Guard();
  bad("fn", () => guard.run(any("x")));
  bad("fn", () => guard.wrap(any(undefined)));
  bad("the decorated member", () => guard.decorator({}, "x", { value: "not a method" }));
});

test("AsyncLock: no constructor arguments; timeouts; functions", async () => {
  bad("new AsyncLock()", () => new (AsyncLock as any)(1));
  const lock = new AsyncLock();
  for (const t of BAD_TIMEOUTS) await badAsync("timeoutMs", () => lock.acquire(any(t)));
  bad("fn", () => lock.withLock(any(3)));
  bad("the decorated member", () => lock.synchronized({}, "x", { value: 1 }));
  assert.equal(lock.isLocked(), false);
});
