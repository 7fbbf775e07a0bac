// The lessons' helpers, across the layers that hold them: scoped run folders (core/run-folder-scope),
// rounds released together (run/rounds), timelines from timed events (trace/timed-log), the
// Python-port runner and recorded predictions (course/python-port, course/prediction).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { TimedLog, TravelError, Value, analyzeTrace, eventsAround, inRunFolder, mergeTimedLogs, playRounds, runProcesses } from "race-lab";
import { predict, runPythonPort, showBesidePython } from "race-lab/course";
import { predictions } from "race-lab/instructor";
import { RaceLabArgumentError } from "race-lab/internal";
import { captureDisplays } from "../kernel/fake-display";

test("inRunFolder: a fresh folder for the body, removed after it returns and after it throws", async () => {
  let seen = "";
  const value = await inRunFolder("scope", (folder, file) => {
    seen = folder;
    fs.writeFileSync(file("a.txt"), "1\n");
    assert.equal(file("a.txt"), `${folder}/a.txt`);
    return 42;
  });
  assert.equal(value, 42);
  assert.equal(fs.existsSync(seen), false, "removed after the body returned");
  await assert.rejects(
    inRunFolder("scope", (folder) => {
      seen = folder;
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(fs.existsSync(seen), false, "removed after the body threw");
  await assert.rejects(
    inRunFolder("bad name!", () => 1),
    RaceLabArgumentError,
  );
});

function addRound(counter: Value, amount: number, times: number): number {
  for (let i = 0; i < times; i++) Atomics.add(counter.typed as Int32Array, 0, amount);
  return amount;
}

test("playRounds: every worker plays every round on that round's state, with its own arguments", async () => {
  const rounds = await playRounds(addRound, {
    workers: 3,
    rounds: 4,
    state: (round) => new Value("i", round * 1000),
    args: (worker) => [worker + 1, 10],
  });
  assert.deepEqual(
    rounds.map((r) => r.round),
    [1, 2, 3, 4],
  );
  assert.deepEqual(
    rounds.map((r) => r.state.value),
    [1060, 2060, 3060, 4060],
  );
  for (const r of rounds) {
    assert.deepEqual(r.results, [1, 2, 3]);
    assert.equal(r.workerMs.length, 3);
    assert.equal(r.workMs, Math.max(...r.workerMs));
  }
});

// Worker 0 of each round waits (bounded) until worker 1 has entered the same round: it can only
// see it when the barrier released them into the round together, never a round apart.
function meetInRound(state: Value, worker: number): boolean {
  Atomics.add(state.typed as Int32Array, 0, 1);
  if (worker !== 0) return true;
  const until = Date.now() + 2000;
  while (Date.now() < until) if (Atomics.load(state.typed as Int32Array, 0) === 2) return true;
  return false;
}

test("playRounds: the workers are in the same round together", async () => {
  const rounds = await playRounds(meetInRound, { workers: 2, rounds: 5, state: () => new Value("i", 0), args: (w) => [w] });
  assert.deepEqual(
    rounds.map((r) => r.results[0]),
    [true, true, true, true, true],
  );
});

test("playRounds: bad input and functions that cannot travel are refused before any thread starts", async () => {
  const outside = 5;
  await assert.rejects(
    playRounds(
      (v: Value) => {
        v.value = outside;
      },
      { workers: 2, rounds: 1, state: () => new Value("i", 0) },
    ),
    TravelError,
  );
  await assert.rejects(
    playRounds(async () => 1, { workers: 2, rounds: 1, state: () => 0 }),
    /synchronous/,
  );
  await assert.rejects(playRounds(addRound, { workers: 0, rounds: 1, state: () => new Value("i", 0) }), /options\.workers/);
  await assert.rejects(
    playRounds(addRound, { workers: 1, rounds: 1, state: () => new Value("i", 0), args: () => 3 as never }),
    /options\.args\(0\)/,
  );
});

test("mergeTimedLogs: events of several logs in time order, one worker per log", () => {
  const a = [10, 0, 0, 30, 1, 1]; // worker 1: read 0 at 10 µs, write 1 at 30 µs
  const b = [20, 0, 0, 40, 1, 1]; // worker 2: read 0 at 20 µs, write 1 at 40 µs
  const events = mergeTimedLogs([a, { events: b }]);
  assert.deepEqual(
    events.map((e) => `${e.seq}:${e.worker}${e.kind[0]}${e.value}`),
    ["0:1r0", "1:2r0", "2:1w1", "3:2w1"],
  );
  assert.equal(analyzeTrace(events).lostUpdates, 1);
  assert.deepEqual(
    eventsAround(events, 2, 1, 2).map((e) => e.seq),
    [1, 2],
  );
  assert.deepEqual(
    eventsAround(events, -1, 5, 3).map((e) => e.seq),
    [0, 1, 2],
  );
  assert.throws(() => mergeTimedLogs([[1, 0]]), /logs\[0\]/);
});

function timedWork(times: number): number[] {
  const log = new race_lab_1.TimedLog();
  for (let i = 0; i < times; i++) {
    log.read(i);
    log.write(i + 1);
  }
  return log.events;
}
declare const race_lab_1: { TimedLog: typeof TimedLog };

test("TimedLog: logs made in two processes merge on one clock", async () => {
  const logs = await runProcesses(timedWork, [[3], [3]], { prefixOutput: false });
  const events = mergeTimedLogs(logs);
  assert.equal(events.length, 12);
  for (const worker of [1, 2]) {
    const own = events.filter((e) => e.worker === worker).map((e) => `${e.kind[0]}${e.value}`);
    assert.deepEqual(own, ["r0", "w1", "r1", "w2", "r2", "w3"], "each worker's own events keep their order");
  }
});

test("runPythonPort: runs a port, parses its JSON; a bad name is refused", async () => {
  await assert.rejects(runPythonPort("../etc/passwd"), RaceLabArgumentError);
  const { bundles } = await captureDisplays(async () => {
    assert.equal(await runPythonPort("99_no_such_port.py"), null);
  });
  assert.match(bundles.map((b) => b["text/plain"]).join("\n"), /skipped/);
  const py = await runPythonPort("04_shared_value.py", {
    args: ["--json", "--trials", "1", "--sleep-iterations", "2", "--iterations", "10"],
  });
  if (py === null) return; // no python3 on this machine
  assert.match(py.python, /^Python 3/);
  assert.equal(py.json.no_lock.finals.length, 1);
  assert.equal(py.json.default_lock, "RLock");
  const shown = await captureDisplays(() =>
    showBesidePython("04_shared_value.py", (j) => [{ demo: "get_lock", finals: j.get_lock.finals.join(", ") }], {
      args: ["--trials", "1", "--sleep-iterations", "2", "--iterations", "10"],
      title: "side by side",
    }),
  );
  assert.match(shown.bundles.map((b) => b["text/plain"]).join("\n"), /side by side[\s\S]*get_lock\s+2000/);
});

test("runPythonPort: a launcher (such as a pyenv shim) is asked once, then the interpreter runs directly; no Python is one line", async (t) => {
  const real = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
  if (real.status !== 0) return t.skip("no python3 on this machine");
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "race-lab-launcher-"));
  const launcher = path.join(folder, "python-launcher");
  fs.writeFileSync(launcher, `#!/bin/sh\necho started >> "${folder}/starts"\nexec "${real.stdout.trim()}" "$@"\n`, { mode: 0o755 });
  const saved = process.env.RACE_LAB_PORT_PYTHON;
  try {
    process.env.RACE_LAB_PORT_PYTHON = launcher;
    const args = ["--json", "--trials", "1", "--sleep-iterations", "2", "--iterations", "10"];
    for (let i = 0; i < 2; i++) assert.match((await runPythonPort("04_shared_value.py", { args }))!.python, /^Python 3/);
    assert.equal(fs.readFileSync(path.join(folder, "starts"), "utf8"), "started\n", "the launcher started once, for two runs");
    process.env.RACE_LAB_PORT_PYTHON = path.join(folder, "no-such-python");
    const { bundles } = await captureDisplays(async () => assert.equal(await runPythonPort("04_shared_value.py", { args }), null));
    assert.match(bundles.map((b) => b["text/plain"]).join("\n"), /No python3 here/);
  } finally {
    if (saved === undefined) delete process.env.RACE_LAB_PORT_PYTHON;
    else process.env.RACE_LAB_PORT_PYTHON = saved;
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test("predict: the guess is shown when made and beside the outcome when revealed", async () => {
  const { bundles } = await captureDisplays(() => {
    const exact = predict("final value", 20);
    assert.equal(exact.matched, null, "not revealed yet");
    // reveal returns nothing: a cell ending with it prints no stray true/false under the outcome.
    assert.equal(exact.reveal(10), undefined);
    assert.equal(exact.matched, false);
    const range = predict("trials that lose an update", [5, 10]);
    range.reveal(10);
    assert.equal(range.matched, true);
    const word = predict("which explanation", "B");
    word.reveal("b");
    assert.equal(word.matched, true);
    const none = predict("not guessed yet", null);
    none.reveal(3);
    assert.equal(none.matched, false);
  });
  const text = bundles.map((b) => b["text/plain"]).join("\n");
  assert.match(text, /your guess, recorded: \*\*20\*\*/);
  assert.match(text, /you predicted \*\*20\*\*; the run gave \*\*10\*\*/);
  assert.match(text, /You wrote no prediction/);
  assert.deepEqual(
    predictions()
      .slice(-4)
      .map((p) => p.matched),
    [false, true, true, undefined],
  );
  assert.throws(() => predict("", 1), /question/);
  assert.throws(() => predict("range", [3, 1]), /guess/);
});

test("ifSolved: a stub says 'not solved yet' and gives undefined; other errors still throw", async () => {
  const { ifSolved } = await import("race-lab/course");
  const { notImplemented } = await import("race-lab");
  const { bundles } = await captureDisplays(async () => {
    assert.equal(await ifSolved("Exercise 9", () => notImplemented("x")), undefined);
    assert.equal(await ifSolved("Exercise 9", async () => 5), 5);
  });
  assert.match(bundles.map((b) => b["text/plain"]).join("\n"), /Exercise 9 is not solved yet/);
  await assert.rejects(
    ifSolved("Exercise 9", () => {
      throw new Error("real bug");
    }),
    /real bug/,
  );
});

/** A stand-in for python3 in `folder`: it answers the version question, and runs a port as `portBody` (a shell script). */
function fakePython(folder: string, portBody: string): string {
  const file = path.join(folder, "python3");
  fs.writeFileSync(file, `#!/bin/sh\nif [ "$1" = "-c" ]; then echo "$0"; echo "Python 3.99.0"; exit 0; fi\n${portBody}\n`, { mode: 0o755 });
  return file;
}

async function withPython<T>(portBody: string, body: (folder: string) => Promise<T>): Promise<T> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "race-lab-fake-python-"));
  const saved = process.env.RACE_LAB_PORT_PYTHON;
  process.env.RACE_LAB_PORT_PYTHON = fakePython(folder, portBody);
  try {
    return await body(folder);
  } finally {
    if (saved === undefined) delete process.env.RACE_LAB_PORT_PYTHON;
    else process.env.RACE_LAB_PORT_PYTHON = saved;
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

test("runPythonPort: a port that exits with status 3 cannot run here: one line naming why, and null", async () => {
  await withPython(`echo "psycopg is not installed" >&2; exit 3`, async () => {
    const { bundles } = await captureDisplays(async () => assert.equal(await runPythonPort("12_database_races.py"), null));
    assert.match(bundles.map((b) => b["text/plain"]).join("\n"), /cannot run here \(psycopg is not installed\)/);
  });
  // Any other failure is the course's bug: it throws with the port's stderr.
  await withPython(`echo "Traceback: boom" >&2; exit 1`, async () => {
    await assert.rejects(runPythonPort("12_database_races.py"), /exit status 1\):\nTraceback: boom/);
  });
});

test("runPythonPort: the kernel's interrupt ends a running port (the kernel's event loop is never blocked)", async () => {
  await withPython(`echo $$ > "$(dirname "$0")/pid"; exec sleep 30`, async (folder) => {
    const kernelListener = () => undefined; // stands in for tslab's handler, which keeps the process alive
    process.on("SIGINT", kernelListener);
    try {
      const outcome = runPythonPort("04_shared_value.py", { timeoutMs: 60_000 }).then(
        () => "finished",
        (e: Error) => e,
      );
      const pidFile = path.join(folder, "pid");
      for (let waited = 0; !(fs.existsSync(pidFile) && process.listenerCount("SIGINT") === 2); waited += 10) {
        if (waited > 20_000) throw new Error("the port never started");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const pid = Number(fs.readFileSync(pidFile, "utf8"));
      process.kill(process.pid, "SIGINT");
      const error = await outcome;
      assert.ok(error instanceof Error, String(error));
      assert.match(error.message, /exit status none\):[\s\S]*ended by SIGKILL/);
      assert.throws(() => process.kill(pid, 0), "the port's process is gone");
      assert.equal(process.listenerCount("SIGINT"), 1, "race-lab's listener is gone when no port runs");
    } finally {
      process.off("SIGINT", kernelListener);
    }
  });
});
