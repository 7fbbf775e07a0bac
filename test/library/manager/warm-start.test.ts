// A manager whose server is a spare process (started ahead, told to serve) is the same server as a
// cold fork: the same environment, folder and blocking rules inside it, and it ends with its parent
// (SIGINT or SIGKILL) and on shutdown, leaving nothing behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import path from "node:path";
import { endAllRuns, Manager } from "race-lab";
import { keepProcessesReady, spareProcessIds } from "race-lab/internal";
import { isAlive, leftovers, NOTHING_LEFT, settledLeftovers } from "../helpers/run";

const PARENT = path.join(__dirname, "..", "helpers", "manager-parent.cjs");

/** What the server's own process looks like from inside a method. */
class Probe {
  look() {
    const { sleepSync } = require("race-lab");
    let blocking = "blocked";
    try {
      sleepSync(1);
    } catch (error: any) {
      blocking = error.name;
    }
    return { worker: process.env.RACE_LAB_WORKER ?? null, cwd: process.cwd(), blocking };
  }
}

async function startAndLook(spares: number): Promise<{ pid: number; spare: boolean; seen: ReturnType<Probe["look"]> }> {
  await keepProcessesReady(spares);
  const ready = spareProcessIds();
  const manager = await Manager.start({ timeoutMs: 20_000 });
  try {
    const probe = await manager.create(Probe);
    return { pid: manager.pid!, spare: ready.includes(manager.pid!), seen: await probe.look() };
  } finally {
    await manager.shutdown();
  }
}

test("a manager started with a spare ready runs in that spare, and its server sees what a cold one sees", async (t) => {
  t.after(() => keepProcessesReady());
  const warm = await startAndLook(1);
  const cold = await startAndLook(0);
  assert.equal(warm.spare, true, "the server is the spare process");
  assert.equal(cold.spare, false, "with no spare, a cold fork");
  assert.equal(isAlive(warm.pid), false, "shutdown ended the warm server");
  assert.deepEqual(warm.seen, cold.seen);
  assert.deepEqual(cold.seen, { worker: null, cwd: process.cwd(), blocking: "MainThreadBlockError" });
});

for (const signal of ["SIGINT", "SIGKILL"] as const) {
  test(`a warm manager's server ends with its parent (${signal})`, async () => {
    const parent = fork(PARENT, ["warm"], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once("exit", (_code, sig) => resolve(sig)));
    const started: any = await new Promise((resolve, reject) => {
      parent.once("message", resolve);
      parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) before starting its manager`)));
    });
    assert.equal(started.item, "alive");
    parent.kill(signal);
    assert.equal(await exited, signal);
    for (let waited = 0; isAlive(started.serverPid); waited += 10) {
      if (waited > 10_000) assert.fail(`the server ${started.serverPid} outlived its parent`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
}

test("nothing is left behind", async () => {
  await endAllRuns();
  // A server's output pipes close once their last bytes are read, just after its exit: wait for that
  // (bounded), then report whatever is still there.
  const deadline = Date.now() + 5_000;
  while (leftovers().handles.length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});
