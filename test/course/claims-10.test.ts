// Lesson 10's safety claims, over every interleaving: each protocol the lesson calls safe is explored
// exhaustively with the explorer of lesson 11 and goes wrong in no schedule, and each unsafe variant
// the lesson shows goes wrong in at least one — a deadlock with its cycle of waits. The workers run
// the lesson's own functions, taken out of instructor/10-process-safety.ipynb (lesson-code.ts). Where
// the lesson's code has no synchronization between a read and a write (the bank's accounts), every
// get and set of the SharedArray is made a scheduling point, so the explorer can interleave there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Condition, Event, Lock, Queue, RLock, Semaphore, SharedArray, Value } from "race-lab";
import { exploreRoles, type LessonFunction, lessonFunction } from "./lesson-code";

const LESSON = "10-process-safety";
const fn = (name: string) => lessonFunction(LESSON, name);

type Report = Awaited<ReturnType<typeof exploreRoles>>;
type Transfer = [number, number, number];

/** Every schedule ran, none went wrong. */
function allSafe(report: Report): void {
  assert.equal(report.complete, true, report.summary);
  assert.equal(report.anomalies, 0, `${report.summary} ${report.schedules.find((s) => s.anomaly)?.description ?? ""}`);
}

/** The lesson's function with its lock timeouts left out, so that a deadlock is reported with its cycle instead of timing out. */
function withoutTimeouts(f: LessonFunction): LessonFunction {
  const source = f.source.replace(/\.acquire\(\d+\)/g, ".acquire()");
  assert.notEqual(source, f.source, "the lesson's function takes its locks with timeouts");
  return { ...f, source };
}

test("RLock (cell 10-code06): a plain Lock taken again by its holder times out; without the timeout, the thread waits for itself", async () => {
  const depositAndLog = fn("depositAndLog");
  const timed = await exploreRoles(() => ({ roles: [[depositAndLog, [new Lock(), new Value("i", 0)]]] }), {
    outcomes: ["balance 10", "timed out"],
    expected: ["balance 10"],
  });
  assert.equal(timed.complete, true);
  assert.deepEqual(
    timed.schedules.map((s) => s.observed),
    [["timed out"]],
  );
  const hang = await exploreRoles(
    () => {
      const lock = new Lock();
      return { roles: [[withoutTimeouts(depositAndLog), [lock, new Value("i", 0)]]], names: { lock } };
    },
    { outcomes: ["balance 10"] },
  );
  assert.equal(hang.deadlocks, hang.schedules.length, hang.summary);
  for (const s of hang.schedules) assert.deepEqual(s.cycle, [0], `${s.description}: a cycle of one thread`);
});

test("RLock (cell 10-code06): two threads depositing through an RLock never time out, in every interleaving", async () => {
  const depositAndLog = fn("depositAndLog");
  const report = await exploreRoles(
    () => {
      const lock = new RLock(),
        balance = new Value("i", 0);
      return {
        roles: [
          [depositAndLog, [lock, balance]],
          [depositAndLog, [lock, balance]],
        ],
        observe: (got) => ({ timedOut: got.includes("timed out"), balance: balance.value }),
      };
    },
    { outcomes: ["balance 10", "balance 20", "timed out"], expected: { timedOut: false, balance: 20 } },
  );
  allSafe(report);
});

/** Three workers using slots (cell 10-code08), with the semaphore or without; the explorer does the forcing. */
async function slots(useSemaphore: boolean): Promise<Report> {
  const useSlot = fn("useSlot");
  return exploreRoles(
    () => {
      const inside = new Value("i", 0),
        most = new Value("i", 0),
        sem = useSemaphore ? new Semaphore(2, { bounded: true }) : null;
      return { roles: [0, 1, 2].map(() => [useSlot, [[inside, most, null], sem]]), observe: () => most.value };
    },
    { outcomes: ["undefined"], expected: (most: unknown) => (most as number) <= 2, start: false },
  );
}

test("Semaphore(2) (cell 10-code08): at most two inside in every interleaving of three workers, and two together in some", async () => {
  const report = await slots(true);
  allSafe(report);
  assert.ok(
    report.schedules.some((s) => s.observed === 2),
    "two can be inside together",
  );
});

test("without the semaphore (cell 10-code08): some interleaving has all three inside at once", async () => {
  const report = await slots(false);
  assert.equal(report.complete, true);
  assert.ok(
    report.schedules.some((s) => s.observed === 3),
    report.summary,
  );
});

/** The producer and the consumer of cell 10-code10, handing over 1..n through a one-item box. */
async function handOver(consume: LessonFunction, n: number): Promise<Report> {
  const produce = fn("produce");
  return exploreRoles(
    () => {
      const cond = new Condition(),
        box = new Value("i", 0),
        done = new Event(),
        total = new Value("i", 0);
      return {
        roles: [
          [produce, [cond, box, done, n]],
          [consume, [cond, box, done, total]],
        ],
        observe: () => total.value,
      };
    },
    { outcomes: ["undefined"], expected: (n * (n + 1)) / 2, start: false, maxSchedules: 20_000 },
  );
}

test("Condition and Event (cell 10-code10): the consumer gets every item and stops, in every interleaving", async () => {
  allSafe(await handOver(fn("consume"), 2));
});

test("the consumer that ignores `done` in its predicate (a broken variant) waits for an item that never comes", async () => {
  const consume = fn("consume");
  const broken = { ...consume, source: consume.source.replace("box.value !== 0 || done.isSet()", "box.value !== 0") };
  assert.notEqual(broken.source, consume.source, "the lesson's consumer looks at `done` in its predicate");
  const report = await handOver(broken, 2);
  assert.equal(report.complete, true);
  assert.ok(
    report.schedules.some((s) => (s.errors ?? []).some((e) => e.includes("producer stuck"))),
    report.summary,
  );
});

// One sender of two messages: a second sender puts tens of thousands of interleavings inside the
// queue's own lock and conditions. That the queue itself is safe for several senders is the
// library's claim (test/library/primitives/primitives.test.ts, "Queue"); the lesson's claim is about the owner: only it
// touches the count, so nothing it receives is lost, whatever the interleaving.
test("the owner and its queue (cell 10-code14): the owner counts every message, in every interleaving", async () => {
  const ownerOrSender = fn("ownerOrSender");
  const report = await exploreRoles(
    () => {
      const queue = new Queue();
      return {
        roles: [
          [ownerOrSender, ["owner", queue, 2]],
          [ownerOrSender, ["sender", queue, 2]],
        ],
        observe: (got) => got[0],
      };
    },
    { outcomes: ["0", "1", "2"], expected: "2", start: false, maxSchedules: 20_000 },
  );
  allSafe(report);
});

/** A broken variant kept as the thing the owner pattern avoids: every sender adds to one shared counter itself. */
function sharedCounter(counter: SharedArray, n: number): number {
  for (let i = 0; i < n; i++) counter.set(0, counter.get(0) + 1);
  return 0;
}

test("without an owner (the broken variant): senders that add to a shared counter themselves lose messages", async () => {
  const broken: LessonFunction = { source: sharedCounter.toString(), cell: "test" };
  const report = await exploreRoles(
    () => {
      const counter = new SharedArray("i", 1);
      return {
        roles: [
          [broken, [counter, 2]],
          [broken, [counter, 2]],
        ],
        observe: () => counter.get(0),
      };
    },
    { outcomes: ["0"], expected: 4, watchArrays: true },
  );
  assert.ok(
    report.schedules.some((s) => (s.observed as number) < 4),
    report.summary,
  );
});

const total = (balances: number[]) => balances.reduce((a, b) => a + b, 0);

/** The bank with no lock (cell 10-code17b), every read and write of an account a point. */
async function unlocked(plans: Transfer[][]): Promise<Report> {
  const transferUnlocked = fn("transferUnlocked");
  return exploreRoles(
    () => {
      const accounts = new SharedArray("i", new Array(10).fill(100));
      return { roles: plans.map((plan) => [transferUnlocked, [accounts, plan, 1, null]]), observe: () => total(accounts.toArray()) };
    },
    { outcomes: ["done"], expected: 1000, watchArrays: true },
  );
}

test("the bank without locks (cell 10-code17b): money appears and money vanishes, in some interleavings", async () => {
  const opposite = await unlocked([[[0, 1, 3]], [[1, 0, 2]]]);
  assert.equal(opposite.complete, true);
  const totals = new Set(opposite.schedules.map((s) => s.observed as number));
  assert.ok([...totals].some((t) => t > 1000) && [...totals].some((t) => t < 1000), [...totals].join(" "));
  const forced = await unlocked([[[0, 1, 10]], [[0, 2, 10]]]);
  assert.ok(
    forced.schedules.some((s) => s.observed === 1010),
    "both read account 0 before either writes: 1010, as in the forced run",
  );
});

/** Balances after running the plans one after another. */
function serial(plans: Transfer[][]): number[] {
  const balances = new Array(10).fill(100);
  for (const plan of plans)
    for (const [from, to, amount] of plan) {
      balances[from] -= amount;
      balances[to] += amount;
    }
  return balances;
}

/** The bank with a lock per account (cell 10-code19); `watch`: every read and write of an account a point too. */
async function locked(transferLocked: LessonFunction, plans: Transfer[][], ordered: boolean, watch = true): Promise<Report> {
  return exploreRoles(
    () => {
      const accounts = new SharedArray("i", new Array(10).fill(100));
      const locks = Array.from({ length: 10 }, () => new Lock());
      return {
        roles: plans.map((plan) => [transferLocked, [accounts, locks, plan, ordered, null]]),
        observe: (got) => ({ got, balances: accounts.toArray() }),
        names: { lock0: locks[0], lock1: locks[1], lock2: locks[2] },
      };
    },
    {
      outcomes: ["done", "timed out"],
      expected: { got: plans.map(() => "done"), balances: serial(plans) },
      watchArrays: watch,
      maxSchedules: 20_000,
    },
  );
}

test("one global lock order (cell 10-code19, ordered): opposite transfers end as if run one after another, in every interleaving", async () => {
  allSafe(await locked(fn("transferLocked"), [[[0, 1, 3]], [[1, 0, 2]]], true));
});

// Three threads in a cycle 0->1->2->0, the case a global order exists for. Whether they can deadlock
// depends only on the order of the lock acquisitions, so here only those are points (with every
// account access a point too, three threads have too many interleavings to run them all); the
// accesses under the locks are explored above, with two threads.
test("one global lock order (cell 10-code19, ordered): three transfers in a cycle 0->1->2->0 never deadlock", async () => {
  allSafe(await locked(fn("transferLocked"), [[[0, 1, 1]], [[1, 2, 1]], [[2, 0, 1]]], true, false));
});

test("locks in inconsistent order, three threads in a cycle (cell 10-code19): a deadlock whose cycle has all three", async () => {
  const hang = await locked(withoutTimeouts(fn("transferLocked")), [[[0, 1, 1]], [[1, 2, 1]], [[2, 0, 1]]], false, false);
  assert.equal(hang.complete, true);
  const dead = hang.schedules.filter((s) => s.deadlock);
  assert.ok(dead.length >= 1, hang.summary);
  for (const s of dead) assert.deepEqual([...(s.cycle ?? [])].sort(), [0, 1, 2], `${s.description}`);
});

test("locks in inconsistent order (cell 10-code19): some interleaving times out; without the timeouts, a deadlock with a cycle of two", async () => {
  const transferLocked = fn("transferLocked");
  const timed = await locked(transferLocked, [[[0, 1, 3]], [[1, 0, 2]]], false);
  assert.equal(timed.complete, true);
  assert.ok(
    timed.schedules.some((s) => (s.observed as { got: string[] }).got.includes("timed out")),
    timed.summary,
  );
  const hang = await locked(withoutTimeouts(transferLocked), [[[0, 1, 3]], [[1, 0, 2]]], false);
  assert.equal(hang.complete, true);
  const dead = hang.schedules.filter((s) => s.deadlock);
  assert.ok(dead.length >= 1, hang.summary);
  for (const s of dead) assert.deepEqual([...(s.cycle ?? [])].sort(), [0, 1], `${s.description}`);
});
