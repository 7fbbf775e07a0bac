// Tests of runThreads / runProcesses, and of environment, temp folders and sleep.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as raceLab from "race-lab";
import {
  TravelError,
  Value,
  WorkerFailedError,
  currentThreadId,
  currentWorker,
  isMainThread,
  machineInfo,
  rebuildFunction,
  runProcesses,
  runThreads,
  showMachine,
  sleep,
  sleepSync,
} from "race-lab";
import {
  MainThreadBlockError,
  NotSharableError,
  RaceLabArgumentError,
  activeRuns,
  errorReport,
  removeRunFolder,
  runFolder,
} from "race-lab/internal";
import { NOTHING_LEFT, captureOutput, settledLeftovers } from "../helpers/run";

// What a notebook cell's `import { … } from "race-lab"` compiles to; bound in workers.
declare const race_lab_1: typeof raceLab;

test("runThreads returns each worker's result in order, awaiting async functions", async () => {
  const results = await runThreads(
    async (a: number, b: number) => {
      await new Promise((resolve) => setTimeout(resolve, a)); // the first finishes last
      return a + b;
    },
    [
      [30, 1],
      [0, 2],
      [10, 3],
    ],
  );
  assert.deepEqual(results, [31, 2, 13]);
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("runProcesses returns each child's result in order, from separate processes", async () => {
  const results = await runProcesses(
    async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 20 - n * 10));
      return { n, pid: process.pid };
    },
    [[0], [1]],
  );
  assert.deepEqual(
    results.map((r) => r.n),
    [0, 1],
  );
  assert.notEqual(results[0].pid, process.pid);
  assert.notEqual(results[0].pid, results[1].pid);
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("a SharedArrayBuffer reaches every thread live (same memory, not a copy)", async () => {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  await runThreads(
    (c: Int32Array, n: number) => {
      for (let i = 0; i < n; i++) Atomics.add(c, 0, 1); // atomic: no lost updates
    },
    [
      [counter, 10_000],
      [counter, 10_000],
      [counter, 10_000],
    ],
  );
  assert.equal(counter[0], 30_000);
});

test("a shared Value reaches threads live", async () => {
  const v = new Value("i", 0);
  await runThreads(
    (value: { value: number }) => {
      value.value = 42;
    },
    [[v]],
  );
  assert.equal(v.value, 42);
});

test("start gate: every worker had signalled ready before any began its work", async () => {
  const seen = await runThreads(() => race_lab_1.currentWorker(), [[], [], [], []]);
  for (const info of seen) assert.equal(info.readyAtStart, 4, `thread ${info.number} started early`);
  assert.deepEqual(
    seen.map((i) => i.number),
    [1, 2, 3, 4],
  );
  const children = await runProcesses(() => race_lab_1.currentWorker(), [[], [], []]);
  for (const info of children) assert.deepEqual({ kind: info.kind, readyAtStart: info.readyAtStart }, { kind: "process", readyAtStart: 3 });
});

test("a function using a cell variable fails with a TravelError in plain words", async () => {
  const balance = 100;
  function work(amount: number) {
    return balance + amount;
  }
  for (const run of [runThreads, runProcesses]) {
    await assert.rejects(run(work, [[1], [2]]), (error: Error) => {
      assert.ok(error instanceof TravelError, `${error.name}: ${error.message}`);
      assert.match(error.message, /`work` uses `balance`, which did not travel with it/);
      assert.match(error.message, /pass `balance` as an argument/);
      return true;
    });
    assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
  }
});

test("names imported from race-lab (race_lab_N) and require work inside workers", async () => {
  const [r] = await runThreads(() => {
    const os = require("os");
    race_lab_1.sleepSync(1);
    return typeof race_lab_1.runThreads === "function" && os.cpus().length > 0;
  }, [[]]);
  assert.equal(r, true);
  const [p] = await runProcesses(() => {
    race_lab_1.sleepSync(1); // a child's main thread may block
    return race_lab_1.currentWorker().kind;
  }, [[]]);
  assert.equal(p, "process");
});

test("a worker that throws ends the run with WorkerFailedError naming it, after ending the others", async () => {
  for (const [run, name] of [
    [runThreads, "thread 2"],
    [runProcesses, "process 2"],
  ] as const) {
    await assert.rejects(
      run(
        (n: number) => {
          if (n === 2) throw new TypeError("boom");
          for (;;); // the others never finish: they must be ended
        },
        [[1], [2], [3]],
      ),
      (error: Error) => {
        assert.ok(error instanceof WorkerFailedError);
        assert.equal(error.message, `${name} failed: TypeError: boom`);
        assert.equal(error.worker, 2);
        return true;
      },
    );
    assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
    assert.equal(activeRuns(), 0);
  }
});

test("a worker's error keeps the user's own frames (lines of their function) and drops race-lab's and Node's", async () => {
  // Written as source (not compiled by tsx) so that its lines are known: as a cell's function would be.
  const explodingWorker = (0, eval)(
    "(function explodingWorker(n) {\n  function inner() {\n    throw new RangeError(`boom ${n}`);\n  }\n  inner();\n})",
  );
  for (const run of [runThreads, runProcesses]) {
    const error: Error = await run(explodingWorker, [[1]]).then(
      () => assert.fail("the run should fail"),
      (e: Error) => e,
    );
    const frames = (error.stack ?? "").split("\n").slice(1);
    assert.deepEqual(frames, ["    at inner (explodingWorker:3:11)", "    at explodingWorker (explodingWorker:5:3)"], error.stack);
  }
});

test("errorReport names a traveled function's frames by its own line and column", () => {
  const fn = rebuildFunction("function work() {\n  const x = 1;\n  throw new Error(`at ${x}`);\n}", "work");
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  const report = errorReport(thrown, "work");
  assert.equal(report.stack?.split("\n").slice(0, 2).join("\n"), "Error: at 1\n    at work (work:3:9)");
});

test("a worker that exits without a result fails the run", async () => {
  await assert.rejects(
    runThreads(() => process.exit(3), [[]]),
    /thread 1 stopped \(exit code 3\) before returning a result/,
  );
  await assert.rejects(
    runProcesses(() => process.exit(4), [[]]),
    /process 1 stopped \(exit code 4\) before returning a result/,
  );
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("worker output arrives in this process, prefixed by worker unless prefixOutput is false", async () => {
  const threads = await captureOutput(() =>
    runThreads(
      (n: number) => {
        console.log(`hello ${n}`);
        console.error(`oops ${n}`);
        process.stdout.write("no newline at the end");
      },
      [[1], [2]],
    ),
  );
  assert.match(threads.stdout, /^\[thread 1\] hello 1$/m);
  assert.match(threads.stdout, /^\[thread 2\] hello 2$/m);
  assert.match(threads.stdout, /^\[thread 2\] no newline at the end$/m);
  assert.match(threads.stderr, /^\[thread 1\] oops 1$/m);
  const children = await captureOutput(() => runProcesses(() => console.log("from a child"), [[], []]));
  assert.match(children.stdout, /^\[process 2\] from a child$/m);
  const plain = await captureOutput(() => runThreads(() => console.log("plain"), [[]], { prefixOutput: false }));
  assert.equal(plain.stdout, "plain\n");
});

test("results that cannot be copied back give a clear failure", async () => {
  await assert.rejects(
    runThreads(() => () => 1, [[]]),
    /thread 1 failed: DataCloneError: its result cannot be copied back/,
  );
});

test("bad input is refused with RaceLabArgumentError naming the argument", async () => {
  const ok = () => 1;
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    ["fn", () => runThreads(42 as any, [[]]), /fn must be a function/],
    ["class", () => runThreads(class A {} as any, [[]]), /fn must be a function \(a class/],
    ["argLists not array", () => runThreads(ok, "x" as any), /argLists must be an array of 1 to 64/],
    ["argLists empty", () => runThreads(ok, []), /argLists must be an array of 1 to 64/],
    [
      "too many",
      () =>
        runThreads(
          ok,
          Array.from({ length: 65 }, () => []),
        ),
      /argLists must be an array of 1 to 64/,
    ],
    ["entry", () => runThreads(ok, [[], 5 as any]), /argLists\[1\] must be an array of arguments/],
    [
      "built-in function arg",
      () => runThreads(ok, [[Math.max]]),
      /argLists\[0\]\[0\] must be data, shared objects, or a function written in the notebook/,
    ],
    ["symbol arg", () => runThreads(ok, [[Symbol("s")]]), /argLists\[0\]\[0\] must be data or shared objects/],
    ["timeout 0", () => runThreads(ok, [[]], { timeoutMs: 0 }), /opts.timeoutMs must be a number of milliseconds from 1/],
    ["timeout big", () => runThreads(ok, [[]], { timeoutMs: 600_001 }), /opts.timeoutMs must be/],
    ["timeout NaN", () => runThreads(ok, [[]], { timeoutMs: NaN }), /opts.timeoutMs must be/],
    ["unknown option", () => runThreads(ok, [[]], { timeout: 5 } as any), /opts.timeout must be one of the options/],
    ["prefixOutput", () => runThreads(ok, [[]], { prefixOutput: "yes" as any }), /opts.prefixOutput must be true or false/],
    ["label", () => runThreads(ok, [[]], { label: "" }), /opts.label must be a string/],
    ["opts", () => runProcesses(ok, [[]], 5 as any), /opts must be an object/],
  ];
  for (const [what, call, message] of bad) {
    await assert.rejects(call, (error: Error) => {
      assert.ok(error instanceof RaceLabArgumentError, `${what}: ${error.name}: ${error.message}`);
      assert.match(error.message, message, what);
      return true;
    });
  }
  await assert.rejects(runThreads(Math.max, [[]]), TravelError);
  await assert.rejects(runThreads(ok.bind(null), [[]]), TravelError);
  await assert.rejects(runProcesses(ok, [[new Int32Array(new SharedArrayBuffer(4))]]), NotSharableError);
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("labels name the run in errors", async () => {
  await assert.rejects(
    runThreads(
      () => {
        for (;;);
      },
      [[]],
      { timeoutMs: 100, label: "spin" },
    ),
    /run 'spin' timed out after 100 ms: thread 1 had not finished/,
  );
});

test("environment: machine info, thread ids, current worker", async () => {
  const info = machineInfo();
  assert.ok(info.cores >= 1 && info.cores <= os.availableParallelism(), "cores never above what Node reports");
  assert.equal(info.node, process.versions.node);
  assert.ok(info.memoryGiB > 0);
  assert.equal(isMainThread, true);
  assert.equal(currentThreadId(), 0);
  assert.deepEqual(currentWorker(), { kind: "main", number: 0, of: 0, readyAtStart: 0 });
  const ids = await runThreads(() => race_lab_1.currentThreadId(), [[], []]);
  assert.ok(ids.every((id) => id > 0) && ids[0] !== ids[1]);
  const printed = await captureOutput(async () => showMachine());
  assert.match(printed.stdout, /^cores\s+\d+ \(.+\)$/m);
});

test("sleep waits; sleepSync blocks workers but refuses the main thread", async () => {
  await sleep(1);
  assert.throws(() => sleepSync(1), MainThreadBlockError);
  assert.throws(() => sleepSync(-1), RaceLabArgumentError);
  await assert.rejects(sleep("1" as any), RaceLabArgumentError);
  const [slept] = await runThreads(() => (race_lab_1.sleepSync(5), "slept"), [[]]);
  assert.equal(slept, "slept");
});

test("runFolder gives a fresh folder per call, removable now and removed at exit", async () => {
  const a = runFolder();
  const b = runFolder("counter");
  assert.notEqual(a, b);
  assert.equal(path.dirname(b), os.tmpdir());
  assert.match(path.basename(b), /^race-lab-counter-/);
  fs.writeFileSync(path.join(b, "x.txt"), "x");
  removeRunFolder(b);
  assert.equal(fs.existsSync(b), false);
  assert.throws(() => runFolder("../escape"), RaceLabArgumentError);
  assert.throws(() => removeRunFolder("/etc"), RaceLabArgumentError);
  // In a child process: the folder it made is gone once it exited.
  const [made] = await runProcesses(() => require("race-lab/internal").runFolder("child"), [[]]);
  assert.equal(fs.existsSync(made), false);
  removeRunFolder(a);
});
