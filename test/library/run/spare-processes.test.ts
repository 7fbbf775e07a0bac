// Spare processes (src/run/spare-processes.ts): forked ahead, each serving one run only, handed out
// only while the environment and the working folder are those of their fork, and never keeping
// anything alive — a script that has them exits on its own, SIGINT and endAllRuns end them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import path from "node:path";
import { endAllRuns, runProcesses } from "race-lab";
import { RaceLabArgumentError, keepProcessesReady, spareProcessIds } from "race-lab/internal";
import { NOTHING_LEFT, isAlive, settledLeftovers } from "../helpers/run";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** What a child reports of itself: its pid, what an earlier run would have left, its environment and folder. */
function look() {
  const g = globalThis as { seen?: number };
  const before = g.seen ?? 0;
  g.seen = before + 1;
  return { pid: process.pid, before, cwd: process.cwd(), marker: process.env.RACE_LAB_SPARE_TEST ?? null };
}

/** Polls (bounded) until `ready()` holds. */
async function until(ready: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (let waited = 0; !ready(); waited += 10) {
    if (waited > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("a run takes the spares that are up, and each spare serves one run only", async () => {
  await keepProcessesReady(2);
  const spares = spareProcessIds();
  assert.equal(spares.length, 2);
  const first = await runProcesses(look, [[], []]);
  assert.deepEqual(first.map((r) => r.pid).sort(), [...spares].sort(), "the run's children are the spares");
  await until(() => first.every((r) => !isAlive(r.pid)), "the first run's children to exit");
  await keepProcessesReady(2);
  const second = await runProcesses(look, [[], []]);
  assert.deepEqual(
    [...first, ...second].map((r) => r.before),
    [0, 0, 0, 0],
    "nothing a run left in a process reaches the next",
  );
  assert.equal(new Set([...first, ...second].map((r) => r.pid)).size, 4, "four different processes");
  await keepProcessesReady(0);
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("after a run of processes, spares are started in the background once the machine is nearly idle", async () => {
  await keepProcessesReady(0);
  await keepProcessesReady(); // the default: as many as the largest run so far
  const [cold] = await runProcesses(look, [[], [], []]);
  assert.ok(!spareProcessIds().includes(cold.pid));
  // One at a time, each after a sample of the machine's load: on a busy machine this waits until a
  // quiet moment (at most the 30 s given here; a run meanwhile would simply start cold).
  await until(() => spareProcessIds().length === 3, "three spares", 30_000);
  const spares = spareProcessIds();
  const warm = await runProcesses(look, [[], [], []]);
  assert.deepEqual(warm.map((r) => r.pid).sort(), [...spares].sort(), "the second run's children are the spares");
  await keepProcessesReady(0);
  await keepProcessesReady();
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("a spare forked before the environment or the folder changed is not used: the run sees what a cold start sees", async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "race-lab-spare-"));
  const home = process.cwd();
  try {
    await keepProcessesReady(1);
    const stale = spareProcessIds();
    process.env.RACE_LAB_SPARE_TEST = "set after the fork";
    const [withEnv] = await runProcesses(look, [[]]);
    assert.equal(withEnv.marker, "set after the fork");
    assert.ok(!stale.includes(withEnv.pid), "a cold child, not the stale spare");
    await until(() => stale.every((pid) => !isAlive(pid)), "the stale spare to end");

    await keepProcessesReady(1);
    process.chdir(folder);
    const [inFolder] = await runProcesses(look, [[]]);
    assert.equal(fs.realpathSync(inFolder.cwd), fs.realpathSync(folder));
  } finally {
    process.chdir(home);
    delete process.env.RACE_LAB_SPARE_TEST;
    await keepProcessesReady(0);
    await keepProcessesReady(); // back to the default for the tests after this one
    fs.rmSync(folder, { recursive: true, force: true });
  }
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("a spare is started like a cold child: same environment, folder, arguments and open resources", async () => {
  const inside = () => ({
    env: process.env,
    cwd: process.cwd(),
    argv: process.argv.slice(1),
    execArgv: process.execArgv,
    resources: process.getActiveResourcesInfo().sort(),
  });
  await keepProcessesReady(0);
  const [cold] = await runProcesses(inside, [[]]);
  await keepProcessesReady(1);
  const [warm] = await runProcesses(inside, [[]]);
  await keepProcessesReady(0);
  assert.deepEqual(warm, cold);
});

test("endAllRuns ends the spares; a script with idle spares exits on its own and leaves none", async () => {
  await keepProcessesReady(2);
  const spares = spareProcessIds();
  await endAllRuns();
  assert.deepEqual(spareProcessIds(), []);
  await until(() => spares.every((pid) => !isAlive(pid)), "the spares to end");

  const result = spawnSync(
    process.execPath,
    [
      "-e",
      `const rl = require("race-lab/internal");
       rl.keepProcessesReady(2).then(() => console.log(JSON.stringify(rl.spareProcessIds())));`,
    ],
    { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  const pids = JSON.parse(result.stdout) as number[];
  assert.equal(pids.length, 2);
  // Their IPC channel closed with the script: they exit by themselves.
  await until(() => pids.every((pid) => !isAlive(pid)), "the script's spares to exit");
});

test("bad input: keepProcessesReady names its argument and what it accepts", async () => {
  for (const bad of [-1, 1.5, 13, "2", null]) {
    await assert.rejects(keepProcessesReady(bad as number), (e: Error) => {
      assert.ok(e instanceof RaceLabArgumentError);
      assert.match(e.message, /count/);
      assert.match(e.message, /an integer from 0 to 12/);
      return true;
    });
  }
});
