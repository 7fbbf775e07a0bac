// exploredOutcomes: the different outcomes of an exploration in one line; a stub, an error, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Event, Scheduler, Value, explore } from "race-lab";
import { exploredOutcomes } from "race-lab/course";
import { RaceLabArgumentError } from "race-lab/internal";

function increment(counter: Value, s: Scheduler): void {
  s.point("start");
  const seen = counter.value;
  s.point("between the read and the write");
  counter.value = seen + 1;
}

function waitForever(never: Event): void {
  never.wait();
}

const counterSetup = () => {
  const counter = new Value("i", 0);
  return { args: [[counter], [counter]], observe: () => counter.value };
};

test("exploredOutcomes lists each different outcome once, sorted; a worker stuck for good is 'hangs'", async () => {
  const lost = await explore({ fn: increment, workers: 2, setup: counterSetup });
  assert.equal(exploredOutcomes(lost, "increment"), "1 | 2");
  const unset = () => ({ args: [[new Event()]], observe: () => 0 });
  const hang = await explore({ fn: waitForever, workers: 1, setup: unset });
  assert.equal(exploredOutcomes(hang, "waitForever"), "hangs");
});

test("exploredOutcomes fails as the solution's stub, or with the worker's error", () => {
  const schedule = (error: string) => ({ observed: 0, deadlock: false, errors: [error] });
  const stub = { schedules: [schedule("NotImplementedError: stub is not implemented yet")] };
  assert.throws(() => exploredOutcomes(stub, "takeOne"), { name: "NotImplementedError", message: /takeOne/ });
  const boom = { schedules: [{ observed: 1, deadlock: false }, schedule("Error: boom")] };
  assert.throws(() => exploredOutcomes(boom, "throws"), /a worker threw: Error: boom/);
});

test("exploredOutcomes refuses a missing solution name or a report without schedules", () => {
  assert.throws(() => exploredOutcomes({ schedules: [] }, ""), RaceLabArgumentError);
  assert.throws(() => exploredOutcomes({} as never, "takeOne"), /^RaceLabArgumentError: report must be/);
});
