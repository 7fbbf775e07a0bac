// An exploration never leaves a thread behind: not after a stuck step (timeout), an interrupt
// (SIGINT) in the middle, or endAllExplorations().
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as path from "path";
import { RunTimeoutError, Scheduler, Value, explore } from "race-lab";
import { RunInterruptedError, endAllExplorations, exploringThreads } from "race-lab/internal";
import { NOTHING_LEFT, leftovers } from "../helpers/run";

function stuckInSecondSchedule(x: Value, stuck: boolean, s: Scheduler) {
  s.point("a");
  x.value += 1;
  if (stuck) for (;;); // a step that never reaches its next point
  s.point("b");
}

function setupStuckFrom(n: number) {
  let schedules = 0;
  return () => {
    schedules++;
    const x = new Value("i", 0);
    return {
      args: [
        [x, schedules >= n],
        [x, false],
      ],
      observe: () => x.value,
    };
  };
}

function nothingLeft(): void {
  assert.equal(exploringThreads(), 0);
  assert.deepEqual(leftovers(), NOTHING_LEFT);
}

test("a stuck step times out with a clear error, and every thread is ended", async () => {
  await assert.rejects(explore({ fn: stuckInSecondSchedule, workers: 2, setup: setupStuckFrom(2), stepTimeoutMs: 300 }), (e: Error) => {
    assert.ok(e instanceof RunTimeoutError, String(e));
    assert.match(
      e.message,
      /worker 0's step from "a" \(step 1 of schedule \[\]\) did not reach a point or its end within 300 ms \(options\.stepTimeoutMs\)/,
    );
    assert.match(e.message, /All its threads have been ended/);
    return true;
  });
  nothingLeft();
});

test("SIGINT in the middle of an exploration (kernel's listener present) ends it and its threads", async () => {
  const kernelListener = () => undefined;
  process.on("SIGINT", kernelListener);
  try {
    let schedules = 0;
    const setup = setupStuckFrom(3);
    const running = explore({ fn: stuckInSecondSchedule, workers: 2, setup: () => (schedules++, setup()), stepTimeoutMs: 60_000 });
    const outcome = running.then(
      () => "finished",
      (e: Error) => e,
    );
    for (let waited = 0; schedules < 3 || process.listenerCount("SIGINT") < 2; waited += 10) {
      if (waited > 20_000) throw new Error("the exploration did not reach its third schedule");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    process.kill(process.pid, "SIGINT");
    const error = await outcome;
    assert.ok(error instanceof RunInterruptedError, String(error));
    nothingLeft();
    assert.equal(process.listenerCount("SIGINT"), 1, "race-lab's listener is gone when nothing is explored");
  } finally {
    process.off("SIGINT", kernelListener);
  }
});

test("endAllExplorations ends an exploration in progress", async () => {
  const running = explore({ fn: stuckInSecondSchedule, workers: 2, setup: setupStuckFrom(1), stepTimeoutMs: 60_000 }).catch(
    (e: Error) => e,
  );
  for (let waited = 0; exploringThreads() < 2; waited += 10) {
    if (waited > 20_000) throw new Error("threads did not start");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(await endAllExplorations(), 1);
  assert.ok((await running) instanceof RunInterruptedError);
  nothingLeft();
});

function runScript(mode: string): Promise<{ signal: string | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "helpers", "explore-sigint.ts"), mode], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.on("close", (_code, signal) => {
      clearTimeout(killer);
      resolve({ signal, output });
    }),
  );
}

test("in a plain node script, SIGINT mid-exploration ends the threads and then the script", async () => {
  const result = await runScript("plain");
  assert.match(result.output, /MID EXPLORATION 2/);
  assert.equal(result.signal, "SIGINT", result.output);
  assert.doesNotMatch(result.output, /FINISHED/);
});

test("in the kernel, an interrupt mid-exploration ends the exploration and its threads, not the kernel", async () => {
  const result = await runScript("kernel");
  assert.equal(result.signal, null, `the kernel was killed by the interrupt: ${result.output}`);
  assert.match(result.output, /MID EXPLORATION 2/);
  assert.match(result.output, /KERNEL LISTENER RAN/);
  assert.match(result.output, /REJECTED RunInterruptedError/);
  assert.match(result.output, /STILL ALIVE 0/);
});
