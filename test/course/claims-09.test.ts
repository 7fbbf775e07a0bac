// Lesson 09's safety claims, over every interleaving: each fix the lesson calls safe is explored
// exhaustively with the explorer of lesson 11 and goes wrong in no schedule, and each unsafe variant
// the lesson shows goes wrong in at least one, the way the lesson says. The workers run the lesson's
// own functions, taken out of instructor/09-timing-races.ipynb (lesson-code.ts): what is proved here
// is what the student reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Barrier, Condition, Event, Value } from "race-lab";
import { exploreRoles, lessonFunction } from "./lesson-code";

const LESSON = "09-timing-races";
const fn = (name: string) => lessonFunction(LESSON, name);

type Report = Awaited<ReturnType<typeof exploreRoles>>;
const outcomes = (report: Report) => [...new Set(report.schedules.map((s) => JSON.stringify(s.observed)))].sort();

/** Every schedule ran, none went wrong. */
function allSafe(report: Report): void {
  assert.equal(report.complete, true, report.summary);
  assert.equal(report.anomalies, 0, `${report.summary} ${report.schedules.find((s) => s.anomaly)?.description ?? ""}`);
}

test("1 · lost wake-up (cell 09-code05): a bare notify() before the wait is lost, and the waiter times out", async () => {
  const lostWakeup = fn("lostWakeup");
  assert.equal(lostWakeup.cell, "09-code05");
  const report = await exploreRoles(
    () => {
      const cond = new Condition();
      return {
        roles: [
          [lostWakeup, ["waiter", cond, null]],
          [lostWakeup, ["notifier", cond, null]],
        ],
      };
    },
    { outcomes: ["woke", "timed out", "notified"], expected: ["woke", "notified"] },
  );
  assert.equal(report.complete, true);
  const lost = report.schedules.filter((s) => s.anomaly);
  assert.ok(lost.length >= 1, report.summary);
  for (const s of lost) assert.deepEqual(s.observed, ["timed out", "notified"]);
  // In every lost schedule the notifier had finished before the waiter was chosen to wait.
  for (const s of lost) {
    const waits = s.steps.findIndex((step) => step.worker === 0 && step.label === "condition.wait()");
    assert.ok(waits >= 0 && s.steps.slice(waits).every((step) => step.worker === 0), `schedule ${s.order}`);
  }
});

test("3 · the predicate (cell 09-code10c): waitFor over a shared flag wakes the waiter in every interleaving", async () => {
  const flagWakeup = fn("flagWakeup");
  const report = await exploreRoles(
    () => {
      const cond = new Condition(),
        ready = new Value("i", 0);
      return {
        roles: [
          [flagWakeup, ["waiter", cond, ready, null]],
          [flagWakeup, ["notifier", cond, ready, null]],
        ],
      };
    },
    { outcomes: ["ready", "timed out", "notified"], expected: ["ready", "notified"] },
  );
  allSafe(report);
});

test("3 · an Event (cell 09-code07) keeps its state: the waiter wakes in every interleaving", async () => {
  const eventWakeup = fn("eventWakeup");
  const report = await exploreRoles(
    () => {
      const event = new Event();
      return {
        roles: [
          [eventWakeup, ["waiter", event, null]],
          [eventWakeup, ["notifier", event, null]],
        ],
      };
    },
    { outcomes: ["woke", "timed out", "set"], expected: ["woke", "set"] },
  );
  allSafe(report);
});

/** Section 2's two consumers and the producer of two items (cells 09-code09, 09-code09b), left to the explorer. */
async function consumers(loop: boolean): Promise<Report> {
  const consumer = fn("consumer");
  const producer = fn("producer");
  // The producer's 5 ms pause between its items gives real threads time to wake up; under the
  // explorer, time changes nothing (every order of the steps is tried), so the pause is left out.
  const pauseless = { ...producer, source: producer.source.replace(/sleepSync\)\(5\)/, "sleepSync)(0)") };
  assert.notEqual(pauseless.source, producer.source, "the producer still pauses 5 ms between its items");
  return exploreRoles(
    () => {
      const cond = new Condition(),
        items = new Value("i", 0),
        waiting = new Value("i", 0),
        finished = new Value("i", 0);
      const shared = [cond, items, waiting, finished];
      return {
        roles: [
          [consumer, [...shared, loop]],
          [consumer, [...shared, loop]],
          [pauseless, [...shared, false]],
        ],
        observe: (got) => ({ got: got.slice(0, 2).sort().join(","), left: items.value }),
      };
    },
    { outcomes: ["item", "no item", "timed out", "produced"], expected: { got: "item,item", left: 0 }, start: false },
  );
}

test("2 · if instead of while (cell 09-code09): some interleaving wakes both consumers for one item, and one finds none", async () => {
  const report = await consumers(false);
  assert.equal(report.complete, true);
  assert.ok(
    report.schedules.some((s) => (s.observed as { got: string }).got === "item,no item"),
    outcomes(report).join(" "),
  );
});

test("3 · the predicate loop (cell 09-code09, loop = true): both consumers get an item in every interleaving", async () => {
  allSafe(await consumers(true));
});

// A barrier of three healthy parties has tens of thousands of interleavings inside its own lock and
// condition; that it releases all parties once the last arrives is the library's claim
// (test/library/primitives/primitives.test.ts). The lesson's claims are about the protocol around it
// — a timeout sized for failure never fires while someone can still arrive; a crashed party is
// caught only by the timeout; abort() releases the others — and they are explored here, with three
// parties where the interleavings stay few and with two where three would be too many.
test("4 · a barrier (cell 09-code13) with a timeout sized for failure: healthy parties meet in every interleaving", async () => {
  const party = fn("party");
  const report = await exploreRoles(
    () => {
      const barrier = new Barrier(2, { timeoutMs: 1000 });
      return { roles: [0, 1].map(() => [party, [barrier, 0]]) };
    },
    { outcomes: ["met", "broken"], expected: ["met", "met"], start: false },
  );
  allSafe(report);
});

/** Healthy parties and one whose fate is "crashes" or "aborts" (cell 09-code15). */
async function fates(parties: number, fate: string, timeoutMs?: number): Promise<Report> {
  const fallibleParty = fn("fallibleParty");
  const healthy = Array.from({ length: parties - 1 }, () => "ok");
  return exploreRoles(
    () => {
      const barrier = new Barrier(parties, timeoutMs === undefined ? {} : { timeoutMs });
      return { roles: [...healthy, fate].map((f) => [fallibleParty, [barrier, f]]), names: { barrier } };
    },
    {
      outcomes: ["met", "broken", "crashed", "aborted", "error"],
      expected: [...healthy.map(() => "broken"), fate === "crashes" ? "crashed" : "aborted"],
      start: false,
    },
  );
}

test("4 · a crashed party calls nothing: with no timeout the others hang in every interleaving (a hang, no cycle of waits)", async () => {
  const report = await fates(3, "crashes");
  assert.equal(report.complete, true);
  assert.equal(report.deadlocks, report.schedules.length, report.summary);
  for (const s of report.schedules) {
    assert.equal(s.cycle, undefined, "nobody waits for the waiting parties: no cycle");
    assert.match(s.description ?? "", /nobody left can wake them/);
  }
});

test("4 · a crashed party: the barrier's timeout releases the others in every interleaving", async () => {
  allSafe(await fates(3, "crashes", 300));
});

test("4 · a party that knows it will not arrive calls abort(): the other is released in every interleaving, no timeout needed", async () => {
  allSafe(await fates(2, "aborts"));
});

/** Section 5's A and B (cell 09-code17), left to the explorer. */
async function orderings(useEvent: boolean): Promise<Report> {
  const ordering = fn("ordering");
  return exploreRoles(
    () => {
      const box = new Value("i", 0),
        written = new Event();
      return {
        roles: [
          [ordering, ["A", box, written, null, useEvent]],
          [ordering, ["B", box, written, null, useEvent]],
        ],
        observe: (got) => got[1],
      };
    },
    { outcomes: ["-1", "-2", "0", "42"], expected: "42" },
  );
}

test("5 · an ordering assumption (cell 09-code17): when B leaves the start line first, it reads 0", async () => {
  const report = await orderings(false);
  assert.equal(report.complete, true);
  const early = report.schedules.filter((s) => s.observed === "0");
  assert.ok(early.length >= 1, report.summary);
  for (const s of early) assert.equal(s.steps[0].worker, 1, `schedule ${s.order}: B went first`);
});

test("5 · the Event orders them (cell 09-code17, useEvent): B reads 42 in every interleaving", async () => {
  allSafe(await orderings(true));
});
