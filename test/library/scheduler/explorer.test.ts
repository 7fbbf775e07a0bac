// The explorer's HTML: a static table that stands without scripts, the data, and a script that steps
// through the schedules on a stand-in page, saying each step in its live region. (Clicking through
// it in a real browser is test/e2e's job.)
import { test } from "node:test";
import assert from "node:assert/strict";
import * as vm from "vm";
import { mountStepper } from "../helpers/stepper-page";
import { Scheduler, Value, explore } from "race-lab";
import { RaceLabArgumentError, explorerHtml, scheduleTableHtml } from "race-lab/internal";

function increment(x: Value, s: Scheduler) {
  s.point("read");
  const seen = x.value;
  s.point("write");
  x.value = seen + 1;
}

/** Every schedule of two threads that each increment one Value once (expected: 2). */
function exploreTwoIncrements() {
  return explore({
    fn: increment,
    workers: 2,
    setup: () => {
      const x = new Value("i", 0);
      return { args: [[x], [x]], observe: () => x.value };
    },
    expected: 2,
  });
}

test("explorerHtml: static table of every schedule, embedded data, a script that compiles", async () => {
  const report = await exploreTwoIncrements();
  const html = explorerHtml(report, { title: "two increments </script>" });
  const table = scheduleTableHtml(report);
  assert.equal((table.match(/<tr/g) ?? []).length, 7, "a header and one row per schedule");
  assert.equal((table.match(/rl-bad-row/g) ?? []).length, 4);
  assert.ok(html.includes(table));
  assert.ok(html.includes("two increments &lt;/script&gt;"));
  const data = /<script type="application\/json" class="rl-data">([\s\S]*?)<\/script>/.exec(html)![1];
  assert.ok(!data.includes("</script"));
  const parsed = JSON.parse(data);
  assert.equal(parsed.schedules.length, 6);
  assert.deepEqual(parsed.bad.length, 4);
  assert.match(parsed.schedules[1].anomalyText, /expected 2: a lost update/);
  const script = /<script>([\s\S]*?)<\/script><\/div>$/.exec(html)![1];
  assert.doesNotThrow(() => new vm.Script(script), "the browser script compiles");
  assert.throws(() => explorerHtml({} as never), RaceLabArgumentError);
});

test("the stepper: a lost update by hand, each step and the outcome said in a polite live region", async () => {
  const report = await exploreTwoIncrements();
  const { live, said, click } = mountStepper(explorerHtml(report));
  assert.equal(said.attributes.role, "status");
  assert.equal(said.attributes["aria-live"], "polite");
  assert.equal(said.textContent, "the start: shared state 0");
  click("rl-go", ["data-worker", "0"]);
  assert.equal(said.textContent, "worker 0: read, shared state 0");
  for (const w of ["1", "0", "1"]) click("rl-go", ["data-worker", w]);
  assert.match(live.innerHTML, /rl-outcome rl-wrong/);
  assert.equal(said.textContent, "the end: observed 1 ✗ expected 2: a lost update");
  click("rl-back");
  assert.match(said.textContent, /^worker 0: write/);
  click("rl-restart");
  assert.equal(said.textContent, "the start: shared state 0");
});
