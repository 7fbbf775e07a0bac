// busyShare: the machine's busy share of processor time over a short sample, read from /proc/stat.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { busyShare as sample } from "race-lab/internal";

/** busyShare's wait keeps nothing alive (it runs in the background): hold the test while it samples. */
async function busyShare(ms: number): Promise<number | undefined> {
  const hold = setInterval(() => undefined, 1000);
  try {
    return await sample(ms);
  } finally {
    clearInterval(hold);
  }
}

test("busyShare reads a share from 0 to 1 where /proc/stat exists, and undefined elsewhere", async () => {
  const share = await busyShare(150);
  if (!fs.existsSync("/proc/stat")) return assert.equal(share, undefined);
  assert.equal(typeof share, "number");
  assert.ok(share! >= 0 && share! <= 1, String(share));
});

test("busyShare sees this process's own work: a spinning sample is busier than none of it", async () => {
  if (!fs.existsSync("/proc/stat")) return;
  // While the sample's timer waits, this thread spins for the whole window: at least one core is busy
  // throughout, so the share is at least 1/cores (less a tick of rounding), whatever else runs.
  const cores = fs
    .readFileSync("/proc/stat", "utf8")
    .split("\n")
    .filter((l) => /^cpu\d+ /.test(l)).length;
  const sampling = busyShare(300);
  const end = Date.now() + 250;
  while (Date.now() < end);
  const share = await sampling;
  assert.ok(share! >= 0.7 / cores, `busy share ${share} with one of ${cores} cores spinning`);
});
