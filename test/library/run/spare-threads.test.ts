// Spare threads (src/run/spare-threads.ts): started ahead, each serving one run only, and never
// keeping anything alive — a script that uses them exits on its own, SIGINT and endAllRuns end them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { endAllRuns, runThreads } from "race-lab";
import { RaceLabArgumentError, keepThreadsReady, spareThreads } from "race-lab/internal";
import { NOTHING_LEFT, settledLeftovers } from "../helpers/run";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Runs a CommonJS script that requires race-lab, from the repository root. */
function script(source: string) {
  return spawnSync(process.execPath, ["-e", source], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
}

test("a run takes the spares that are up, and each spare serves one run only: nothing carries over", async () => {
  await keepThreadsReady(2);
  assert.equal(spareThreads(), 2);
  const mark = () => {
    const g = globalThis as { seen?: number };
    const before = g.seen ?? 0; // a global left by an earlier run in the same thread would show here
    g.seen = before + 1;
    return [before, require("node:worker_threads").threadId];
  };
  const first = await runThreads(mark, [[], []]);
  assert.equal(spareThreads(), 0, "both spares were taken");
  await keepThreadsReady(2);
  const second = await runThreads(mark, [[], []]);
  assert.deepEqual(
    [...first, ...second].map(([before]) => before),
    [0, 0, 0, 0],
  );
  assert.equal(new Set([...first, ...second].map(([, id]) => id)).size, 4, "four different threads");
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("a spare's warm-up (the task's steps run once, Value's module loaded) leaves nothing a run can see", async () => {
  const look = () => ({
    globals: Object.getOwnPropertyNames(globalThis).sort(),
    resources: process.getActiveResourcesInfo().filter((r) => r !== "MessagePort"),
    env: process.env.RACE_LAB_WORKER ?? null,
  });
  await keepThreadsReady(0);
  const [cold] = await runThreads(look, [[]]);
  await keepThreadsReady(1);
  const [spare] = await runThreads(look, [[]]);
  assert.deepEqual(spare, cold);
  await keepThreadsReady(0);
});

test("spares are started again in the background after a run took them", async () => {
  await keepThreadsReady(1);
  await runThreads(() => 0, [[]]);
  const deadline = Date.now() + 30_000;
  while (spareThreads() < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(spareThreads(), 1);
  await keepThreadsReady(0);
  assert.equal(spareThreads(), 0);
});

test("endAllRuns ends the spares too", async () => {
  await keepThreadsReady(2);
  await endAllRuns();
  assert.equal(spareThreads(), 0);
});

test("keepThreadsReady refuses a count that is not an integer from 0 to 16, naming it", async () => {
  for (const bad of [-1, 1.5, 17, "2"]) {
    await assert.rejects(
      keepThreadsReady(bad as number),
      (e: Error) => e instanceof RaceLabArgumentError && /count must be an integer from 0 to 16/.test(e.message),
    );
  }
});

test("a plain Node script with spares up exits on its own (they are unref'd)", () => {
  const r = script(`
    const { runThreads, keepThreadsReady, spareThreads } = require("race-lab/internal");
    (async () => {
      await runThreads(() => 1, [[], []]);
      await keepThreadsReady(3);
      console.log("spares", spareThreads());
    })();
  `);
  assert.equal(r.signal, null, `the script had to be killed: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /spares 3/);
});

test("SIGINT ends a plain script with spares up, also during a run (race-lab's listener ends the spares and re-raises)", () => {
  for (const during of [false, true]) {
    const r = script(`
      const { runThreads, keepThreadsReady } = require("race-lab/internal");
      (async () => {
        await keepThreadsReady(2);
        if (${during}) {
          runThreads(() => { for (;;); }, [[]], { timeoutMs: 30000 }).catch(() => undefined);
          setTimeout(() => process.kill(process.pid, "SIGINT"), 200); // after race-lab listens
        } else process.kill(process.pid, "SIGINT");
        setInterval(() => undefined, 1000); // only SIGINT can end this script
      })();
    `);
    assert.equal(r.signal, "SIGINT", `during a run: ${during}; status ${r.status}; ${r.stderr}`);
  }
});
