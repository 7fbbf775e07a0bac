// A run never leaves a thread or process behind: not after a timeout, an error, an interrupt
// (SIGINT), endAllRuns(), the parent's exit, or the parent being killed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RunTimeoutError, WorkerFailedError, endAllRuns, runProcesses, runThreads } from "race-lab";
import { RunInterruptedError, activeRuns } from "race-lab/internal";
import { NOTHING_LEFT, childPids, isAlive, leftovers } from "../helpers/run";

const kinds = [
  ["thread", "threads", runThreads],
  ["process", "processes", runProcesses],
] as const;

function spin(): never {
  for (;;);
}

/** Polls (bounded) until `ready()` holds. */
async function until(ready: () => boolean, what: string, ms = 20_000): Promise<void> {
  for (let waited = 0; !ready(); waited += 10) {
    if (waited > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const [kind, plural, run] of kinds) {
  test(`${plural}: a timeout ends them all and names the unfinished ones`, async () => {
    await assert.rejects(run(spin, [[], [], []], { timeoutMs: 300, label: "spinner" }), (e: Error) => {
      assert.ok(e instanceof RunTimeoutError);
      assert.match(e.message, new RegExp(`run 'spinner' timed out after 300 ms: ${kind} 1, ${kind} 2, ${kind} 3 had not finished`));
      return true;
    });
    assert.deepEqual(leftovers(), NOTHING_LEFT);
    assert.equal(activeRuns(), 0);
  });

  test(`${plural}: an error in one ends the others`, async () => {
    await assert.rejects(
      run(
        async (n: number) => {
          if (n === 1) throw new RangeError("no");
          for (;;); // `spin` would not travel: only the function's own source goes to the worker
        },
        [[0], [1]],
      ),
      WorkerFailedError,
    );
    assert.deepEqual(leftovers(), NOTHING_LEFT);
  });

  test(`${plural}: SIGINT (with the kernel's own listener present) ends the run with RunInterruptedError`, async () => {
    const kernelListener = () => undefined; // stands in for tslab's handler, which keeps the process alive
    process.on("SIGINT", kernelListener);
    try {
      const running = run(spin, [[], []], { timeoutMs: 30_000 });
      const outcome = running.then(
        () => "finished",
        (e: Error) => e,
      );
      const started = () => (kind === "thread" ? leftovers().threads === 2 : leftovers().childPids.length === 2);
      // race-lab listens for SIGINT from the next turn of the event loop on (see run.ts: vm's breakOnSigint).
      await until(() => started() && process.listenerCount("SIGINT") === 2, "workers to start and race-lab to listen");
      process.kill(process.pid, "SIGINT");
      const error = await outcome;
      assert.ok(error instanceof RunInterruptedError, String(error));
      assert.deepEqual(leftovers(), NOTHING_LEFT);
      assert.equal(process.listenerCount("SIGINT"), 1, "race-lab's listener is gone when no run is active");
    } finally {
      process.off("SIGINT", kernelListener);
    }
  });

  if (kind === "process") {
    test("processes: a child ended by SIGINT (Jupyter signals the kernel's whole process group) ends the run as interrupted", async () => {
      const running = run(spin, [[], []], { timeoutMs: 30_000 }).then(
        () => "finished",
        (e: Error) => e,
      );
      await until(() => leftovers().childPids.length === 2, "the children to start");
      // One child alone, as the group's signal reaches it: this test process's own listener never hears it.
      process.kill(leftovers().childPids[0], "SIGINT");
      const error = await running;
      assert.ok(error instanceof RunInterruptedError, String(error));
      assert.deepEqual(leftovers(), NOTHING_LEFT);
    });
  }

  test(`${plural}: endAllRuns ends every active run`, async () => {
    const a = run(spin, [[]], { timeoutMs: 30_000 }).catch((e: Error) => e);
    const b = run(spin, [[]], { timeoutMs: 30_000 }).catch((e: Error) => e);
    assert.equal(activeRuns(), 2);
    assert.equal(await endAllRuns(), 2);
    assert.ok((await a) instanceof RunInterruptedError);
    assert.ok((await b) instanceof RunInterruptedError);
    assert.deepEqual(leftovers(), NOTHING_LEFT);
  });
}

/** Runs ../helpers/run-sigint.ts (or another script there); resolves with how it ended and the worker pids it reported. */
function runScript(
  kind: string,
  signal: string,
  file = "run-sigint.ts",
): Promise<{ code: number | null; signal: string | null; pids: number[]; folders: string[]; output: string }> {
  const script = path.join(__dirname, "..", "helpers", file);
  const child = spawn(process.execPath, ["--import", "tsx", script, kind, signal], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.on("close", (code, sig) => {
      clearTimeout(killer);
      const pids = (/WORKERS (\d+) (\d+)/.exec(output) ?? []).slice(1).map(Number);
      const folders = (/FOLDERS (\S+) (\S+)/.exec(output) ?? []).slice(1);
      resolve({ code, signal: sig, pids, folders, output });
    }),
  );
}

test("in a plain node script, SIGINT ends the children and then the script, as Ctrl-C would", async () => {
  for (const kind of ["process", "thread"]) {
    const result = await runScript(kind, "int");
    assert.equal(result.signal, "SIGINT", `the script ended by SIGINT: ${result.output}`);
    assert.equal(result.pids.length, 2, result.output);
    assert.doesNotMatch(result.output, /FINISHED/);
    if (kind === "process") {
      // SIGKILLed before the script re-raised SIGINT: gone (or a zombie awaiting its new parent).
      await until(() => result.pids.every((pid) => !isAlive(pid)), "the children to be gone", 2_000);
    }
    assertFoldersGone(result);
  }
});

function assertFoldersGone(result: { folders: string[]; output: string }): void {
  assert.equal(result.folders.length, 2, result.output);
  for (const folder of result.folders) assert.equal(fs.existsSync(folder), false, `${folder} was left behind`);
}

test("in a plain node script, SIGINT with no run going still removes its temporary folders and lock files", async () => {
  const result = await runScript("folder", "int");
  assert.equal(result.signal, "SIGINT", `the script ended by SIGINT: ${result.output}`);
  assertFoldersGone(result);
});

test("in the kernel (its own SIGINT listener, cells run by vm with breakOnSigint), an interrupt ends the run, not the kernel", async () => {
  for (const kind of ["thread", "process"]) {
    const result = await runScript(kind, "", "run-kernel-sigint.ts");
    assert.equal(result.signal, null, `the kernel was killed by the interrupt: ${result.output}`);
    assert.match(result.output, /KERNEL LISTENER RAN/);
    assert.match(result.output, /REJECTED RunInterruptedError/);
    assert.match(result.output, /STILL ALIVE 0/);
  }
});

test("in the kernel, an interrupt that comes while a cell's synchronous part runs (Node takes it) still ends the run, says so, and leaves no unhandled rejection", async () => {
  for (const kind of ["thread", "process"]) {
    const result = await runScript(kind, "", "run-kernel-sync-sigint.ts");
    assert.equal(result.signal, null, `the kernel was killed by the interrupt: ${result.output}`);
    assert.match(result.output, /TRACE Error.*: Script execution was interrupted by `SIGINT`/, "Node's error, as tslab prints it");
    assert.doesNotMatch(result.output, /KERNEL LISTENER RAN/, "no listener heard this SIGINT");
    assert.match(result.output, /SHOWN Interrupted: ended 2 (threads|processes)\./, "the summary, counting the workers ended");
    assert.doesNotMatch(result.output, /UNHANDLED "[^"]/, "no rejection the student would read");
    assert.match(result.output, /STILL ALIVE 0/);
  }
});

test("children exit by themselves when their parent is killed (SIGKILL, no cleanup possible)", async () => {
  const result = await runScript("process", "kill");
  assert.equal(result.signal, "SIGKILL");
  assert.equal(result.pids.length, 2, result.output);
  await until(() => result.pids.every((pid) => !isAlive(pid)), "orphaned children to exit on disconnect", 10_000);
  // A SIGKILLed script cleans up nothing: its run folder and lock folder are this test's to remove.
  for (const folder of result.folders) fs.rmSync(folder, { recursive: true, force: true });
});

test("children are ended when the parent exits while a run is going", async () => {
  const code = `
    const { runProcesses } = require("race-lab");
    runProcesses(() => { console.log("started", process.pid); for (;;); }, [[], []], { timeoutMs: 60000 }).catch(() => {});
    const write = process.stdout.write.bind(process.stdout); let seen = [];
    process.stdout.write = (c, ...r) => { for (const m of String(c).matchAll(/started (\\d+)/g)) seen.push(m[1]);
      if (seen.length === 2) { write("WORKERS " + seen.join(" ") + "\\n"); process.exit(0); } return write(c, ...r); };`;
  const child = spawn(process.execPath, ["-e", code], {
    cwd: path.join(__dirname, "..", "..", ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  const exitCode = await new Promise((resolve) => child.on("close", resolve));
  assert.equal(exitCode, 0, output);
  const pids = (/WORKERS (\d+) (\d+)/.exec(output) ?? []).slice(1).map(Number);
  assert.equal(pids.length, 2, output);
  await until(() => pids.every((pid) => !isAlive(pid)), "children to be gone", 2_000);
  assert.deepEqual(
    childPids().filter((pid) => pids.includes(pid)),
    [],
  );
});
