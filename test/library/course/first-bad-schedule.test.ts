// showFirstBad: the first anomalous schedule of an exploration shown under a title (a deadlock under
// its own), nothing shown when none is bad; bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Lock, Scheduler, Value, explore } from "race-lab";
import { showFirstBad } from "race-lab/course";
import { RaceLabArgumentError } from "race-lab/internal";
import { captureDisplays } from "../kernel/fake-display";

function increment(x: Value, s: Scheduler) {
  s.point("read");
  const seen = x.value;
  s.point("write");
  x.value = seen + 1;
}
const setup = () => {
  const x = new Value("i", 0);
  return { args: [[x], [x]], observe: () => x.value };
};

test("showFirstBad shows the first bad schedule under the title and returns the report", async () => {
  const report = await explore({ fn: increment, workers: 2, setup, expected: 2 });
  const { bundles } = await captureDisplays(() => assert.equal(showFirstBad(report, "a lost update"), report));
  assert.equal(bundles.length, 1);
  assert.match(bundles[0]["text/html"], /a lost update/);
  const fine = await explore({ fn: increment, workers: 2, setup, expected: (n: number) => n > 0 });
  assert.equal((await captureDisplays(() => showFirstBad(fine, "none"))).bundles.length, 0);
});

test("showFirstBad names a deadlock as one", async () => {
  function twoLocks(first: Lock, second: Lock) {
    first.acquire();
    second.acquire();
    second.release();
    first.release();
  }
  const report = await explore({
    fn: twoLocks,
    workers: 2,
    setup: () => {
      const a = new Lock();
      const b = new Lock();
      return {
        args: [
          [a, b],
          [b, a],
        ],
        observe: () => 0,
      };
    },
  });
  const { bundles } = await captureDisplays(() => showFirstBad(report, "not this title"));
  assert.match(bundles[0]["text/html"], /a schedule that deadlocks/);
});

test("showFirstBad refuses what is not a report, and an empty title", async () => {
  assert.throws(() => showFirstBad(null as never, "t"), RaceLabArgumentError);
  assert.throws(() => showFirstBad({ schedules: [] } as never, ""), /title/);
});
