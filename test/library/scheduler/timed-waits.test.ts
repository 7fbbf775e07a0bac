// Timed waits under explore(): the explorer grants a time-out when nobody else can go on, and the
// primitives built on Condition.waitFor (Barrier, Queue) must take that time-out as final. A wait that
// instead re-checks the clock and waits again would run out its real timeout, one step at a time, and
// make the exploration depend on the machine's speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Barrier, Condition, Queue, Scheduler, Value, explore, runThreads } from "race-lab";

// Long real timeouts: a primitive that waits them out fails these tests by their own time limit.
const LONG_MS = 60_000;

/** The message of a schedule with too many steps: how many, and the first few. */
function fewSteps(report: Awaited<ReturnType<typeof explore>>): string {
  const steps = report.schedules[0].steps;
  return `${steps.length} steps: ${steps
    .slice(0, 8)
    .map((s) => s.label)
    .join(", ")}…`;
}

function waitAlone(cond: Condition, got: Value, timeoutMs: number, _s: Scheduler): void {
  got.value = cond.withLock(() => (cond.waitFor(() => false, timeoutMs) ? 1 : 2));
}

test(
  "a waitFor nobody can satisfy times out once under explore: one schedule, a few steps, no real wait",
  { timeout: 20_000 },
  async () => {
    const report = await explore({
      fn: waitAlone,
      workers: 1,
      expected: 2,
      setup: () => {
        const cond = new Condition(),
          got = new Value("i", 0);
        return { args: [[cond, got, LONG_MS]], observe: () => got.value };
      },
    });
    assert.equal(report.complete, true);
    assert.equal(report.schedules.length, 1);
    assert.equal(report.anomalies, 0, report.summary);
    assert.ok(report.schedules[0].steps.length <= 5, fewSteps(report));
  },
);

function meetAlone(barrier: Barrier, got: Value, _s: Scheduler): void {
  try {
    barrier.wait();
    got.value = 1;
  } catch (error) {
    got.value = error instanceof require("race-lab").BrokenBarrierError ? 2 : 3;
  }
}

test(
  "a Barrier whose other party never comes breaks on its timeout under explore, without waiting it out",
  { timeout: 20_000 },
  async () => {
    const report = await explore({
      fn: meetAlone,
      workers: 1,
      expected: 2,
      setup: () => {
        const barrier = new Barrier(2, { timeoutMs: LONG_MS }),
          got = new Value("i", 0);
        return { args: [[barrier, got]], observe: () => got.value };
      },
    });
    assert.equal(report.complete, true);
    assert.equal(report.anomalies, 0, report.summary);
    assert.ok(report.schedules[0].steps.length <= 8, fewSteps(report));
  },
);

function getAlone(queue: Queue<number>, got: Value, timeoutMs: number, _s: Scheduler): void {
  got.value = queue.get(timeoutMs) === undefined ? 2 : 1;
}

test(
  "a Queue.get with nothing coming returns undefined on its timeout under explore, without waiting it out",
  { timeout: 20_000 },
  async () => {
    const report = await explore({
      fn: getAlone,
      workers: 1,
      expected: 2,
      setup: () => {
        const queue = new Queue<number>(),
          got = new Value("i", 0);
        return { args: [[queue, got, LONG_MS]], observe: () => got.value };
      },
    });
    assert.equal(report.complete, true);
    assert.equal(report.anomalies, 0, report.summary);
    assert.ok(report.schedules[0].steps.length <= 8, fewSteps(report));
  },
);

/** The waiter waits for the flag; the waker first notifies with the flag still down, then raises it. */
function flagRoles(role: string, cond: Condition, flag: Value, timeoutMs: number): string {
  const { sleepSync } = require("race-lab");
  if (role === "waiter") return cond.withLock(() => (cond.waitFor(() => flag.value === 1, timeoutMs) ? "saw the flag" : "timed out"));
  sleepSync(30);
  cond.withLock(() => cond.notifyAll()); // a wake-up that does not satisfy the waiter
  if (timeoutMs > 1000) {
    sleepSync(30);
    cond.withLock(() => {
      flag.value = 1;
      cond.notifyAll();
    });
  }
  return "woke it";
}

test(
  "on real threads waitFor waits again after a wake-up that did not satisfy it, and times out when nothing does",
  { timeout: 20_000 },
  async () => {
    const cond = new Condition(),
      flag = new Value("i", 0);
    const [raised] = await runThreads(flagRoles, [
      ["waiter", cond, flag, 5000],
      ["waker", cond, flag, 5000],
    ]);
    assert.equal(raised, "saw the flag");
    const [never] = await runThreads(flagRoles, [
      ["waiter", cond, new Value("i", 0), 300],
      ["waker", cond, new Value("i", 0), 300],
    ]);
    assert.equal(never, "timed out");
  },
);

/** Both parties meet at a barrier with a short timeout; the slow one first spends real time, without a
 * point, while the other may already be inside the barrier's wait. */
function slowParty(role: string, barrier: Barrier, met: Value, s: Scheduler): void {
  if (role === "slow") {
    s.point("about to work");
    const end = Date.now() + 150;
    while (Date.now() < end) {
      // real time passes, at no scheduling point: as on a loaded machine
    }
  }
  barrier.wait();
  met.getLock().withLock(() => {
    met.value += 1;
  });
}

test(
  "under explore a timed wait ends only when the explorer grants the time-out, not when a slow schedule used its real time",
  { timeout: 60_000 },
  async () => {
    const report = await explore({
      fn: slowParty,
      workers: 2,
      expected: 2,
      setup: () => {
        const barrier = new Barrier(2, { timeoutMs: 50 }),
          met = new Value("i", 0);
        return {
          args: [
            ["slow", barrier, met],
            ["quick", barrier, met],
          ],
          observe: () => met.value,
        };
      },
    });
    assert.equal(report.complete, true);
    assert.equal(report.anomalies, 0, report.summary);
  },
);
