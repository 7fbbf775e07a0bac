// compareTrials: each variant's trials, in order, then one table and one chart of them all; bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareTrials } from "race-lab/course";
import { RaceLabArgumentError } from "race-lab/internal";
import { captureDisplays } from "../kernel/fake-display";

test("compareTrials runs the variants in order and shows them side by side under a title", async () => {
  const order: string[] = [];
  let reports: Awaited<ReturnType<typeof compareTrials<"unsafe" | "safe">>> | undefined;
  const { bundles } = await captureDisplays(async () => {
    reports = await compareTrials({
      demo: "counter",
      trials: 2,
      expected: 2,
      variants: {
        unsafe: (t) => (order.push(`unsafe ${t}`), 1),
        safe: (t) => (order.push(`safe ${t}`), 2),
      },
    });
  });
  assert.deepEqual(order, ["unsafe 1", "unsafe 2", "safe 1", "safe 2"]);
  assert.equal(reports?.unsafe.anomalyRate, 1);
  assert.equal(reports?.safe.anomalyRate, 0);
  assert.equal(bundles.length, 3, "one table, one chart and its summary: no report of its own per variant");
  assert.match(bundles[0]["text/html"], /counter: unsafe vs safe[\s\S]*100%[\s\S]*0%/);
});

test("compareTrials refuses variants that are not an object of run functions", async () => {
  const base = { demo: "counter", trials: 1, expected: 1 };
  await assert.rejects(compareTrials({ ...base, variants: {} }), /^RaceLabArgumentError: variants must be an object of 1 to 10/);
  await assert.rejects(compareTrials({ ...base, variants: undefined as never }), RaceLabArgumentError);
  await assert.rejects(compareTrials({ ...base, variants: { unsafe: 5 as never } }), /run/);
});
