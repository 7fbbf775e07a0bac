// The semaphore puzzles of lesson 11, checked by exploration as the lesson checks them: each right
// solution passes, each broken variant is caught with a counterexample schedule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Scheduler, Semaphore, TravelError, Value, explore, functionSource } from "race-lab";

function meeting(mine: Semaphore, theirs: Semaphore, arrived: Value, alone: Value, source: string, s: Scheduler) {
  s.point("arrive");
  arrived.value += 1;
  require("race-lab").rebuildFunction(source)(mine, theirs);
  s.point("go on");
  if (arrived.value < 2) alone.value += 1;
}
async function exploreMeeting(rendezvous: (mine: Semaphore, theirs: Semaphore) => void) {
  return explore({
    fn: meeting,
    workers: 2,
    expected: 0,
    setup: () => {
      const a = new Semaphore(0),
        b = new Semaphore(0),
        arrived = new Value("i", 0),
        alone = new Value("i", 0);
      const src = functionSource(rendezvous);
      return {
        args: [
          [a, b, arrived, alone, src],
          [b, a, arrived, alone, src],
        ],
        observe: () => alone.value,
        names: { a, b },
      };
    },
  });
}

test("rendezvous: signal-then-wait passes; wait-then-signal deadlocks; no wait lets a worker go on alone", async () => {
  assert.equal(
    (
      await exploreMeeting((mine, theirs) => {
        mine.release();
        theirs.acquire();
      })
    ).anomalies,
    0,
  );
  const waitFirst = await exploreMeeting((mine, theirs) => {
    theirs.acquire();
    mine.release();
  });
  assert.ok(waitFirst.deadlocks > 0 && waitFirst.deadlocks === waitFirst.anomalies, waitFirst.summary);
  const noWait = await exploreMeeting((mine) => {
    mine.release();
  });
  assert.ok(
    noWait.schedules.some((s) => s.observed !== 0),
    noWait.summary,
  );
});

function visitor(multiplex: Semaphore, inside: Value, most: Value, source: string, s: Scheduler) {
  const room = () => {
    inside.value += 1;
    most.value = Math.max(most.value, inside.value);
    s.point("in the room");
    inside.value -= 1;
  };
  require("race-lab").rebuildFunction(source)(multiplex, room);
}
async function exploreMultiplex(permits: number, visit: (m: Semaphore, room: () => void) => void) {
  return explore({
    fn: visitor,
    workers: 3,
    expected: (most: unknown) => (most as number) <= 2,
    setup: () => {
      const m = new Semaphore(permits),
        inside = new Value("i", 0),
        most = new Value("i", 0);
      return { args: [0, 1, 2].map(() => [m, inside, most, functionSource(visit)]), observe: () => most.value };
    },
  });
}

test("multiplex: two permits pass; no semaphore lets three in; a forgotten release deadlocks", async () => {
  const right = await exploreMultiplex(2, (m, room) => {
    m.acquire();
    try {
      room();
    } finally {
      m.release();
    }
  });
  assert.equal(right.anomalies, 0, right.summary);
  assert.ok(right.schedules.some((s) => s.observed === 2));
  assert.equal(right.complete, true);
  const none = await exploreMultiplex(2, (_m, room) => room());
  assert.ok(
    none.schedules.some((s) => s.observed === 3),
    none.summary,
  );
  const forgot = await exploreMultiplex(2, (m, room) => {
    m.acquire();
    room();
  });
  assert.ok(forgot.deadlocks > 0, forgot.summary);
});

test("a function that cannot run in the threads fails the exploration with TravelError, not one schedule", async () => {
  const outside = 1;
  await assert.rejects(
    explore({
      fn: (s: Scheduler) => {
        s.point("a");
        return outside;
      },
      workers: 1,
      setup: () => ({ args: [[]], observe: () => 0 }),
    }),
    TravelError,
  );
});
