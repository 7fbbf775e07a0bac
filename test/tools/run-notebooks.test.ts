// The notebook harness must catch each way a notebook can go wrong, for the right reason, and pass a
// good notebook. Each case runs the real harness (scripts/run-notebooks.mjs → nbclient → tslab) on a
// fixture in test/fixtures/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures");

interface HarnessRun {
  code: number | null;
  out: string;
  lastLine: string;
}

function runHarness(fixtures: string[], extra: string[] = ["--no-git-check"], env: NodeJS.ProcessEnv = process.env): HarnessRun {
  // --no-git-check except where the git check is the point: the work tree is shared while we test.
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "scripts", "run-notebooks.mjs"), ...extra, ...fixtures.map((f) => path.join(FIXTURES, f))],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 180_000,
      env,
    },
  );
  const out = `${r.stdout}${r.stderr}`;
  const lines = r.stdout.trim().split("\n");
  return { code: r.status, out, lastLine: lines[lines.length - 1] ?? "" };
}

function assertFails(run: HarnessRun, reason: RegExp): void {
  assert.equal(run.code, 1, `the harness should exit 1:\n${run.out}`);
  assert.match(run.out, reason, `the harness should fail for this reason:\n${run.out}`);
  assert.equal(run.lastLine, "0 passed, 1 failed", run.out);
}

test("a good notebook passes: typed code, top-level await, an expected error, a child that ends", () => {
  const run = runHarness(["good.ipynb"]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /PASS \S*good\.ipynb: 5 cells, 0 failures, \d+\.\d s/);
  // The kernel's memory, read from /proc before it shuts down (the benchmark reads this line).
  const memory = /kernel memory: resident ([\d.]+) MiB, peak ([\d.]+) MiB, its processes [\d.]+ MiB/.exec(run.out);
  assert.ok(memory && Number(memory[1]) > 10 && Number(memory[2]) >= Number(memory[1]), run.out);
  assert.equal(run.lastLine, "1 passed, 0 failed");
});

test("a compile error fails the notebook", () => {
  assertFails(runHarness(["compile-error.ipynb"]), /cell 0 \[.*\]: error: .*Type 'string' is not assignable to type 'number'/);
});

test("a runtime error fails the notebook", () => {
  assertFails(runHarness(["runtime-error.ipynb"]), /cell 0 \[.*\]: error: SyntaxError: /);
});

test("a cell aborted after an error (status abort, no output) is a failure of its own", () => {
  const run = runHarness(["abort-after-error.ipynb"]);
  assertFails(run, /cell 2: aborted by the kernel \(reply status abort, no output\)/);
  assert.match(run.out, /cell 1 \[.*\]: error: Error: the first failure/);
  assert.match(run.out, /2 cells, 2 failures/);
});

test("output on stderr fails a cell not tagged raises-exception", () => {
  assertFails(runHarness(["stderr.ipynb"]), /cell 0 \[.*\]: wrote to stderr: a warning on stderr/);
});

test("a cell tagged raises-exception must fail", () => {
  assertFails(runHarness(["raises-but-passes.ipynb"]), /tagged raises-exception but did not fail/);
});

test("processes left running after the kernel shut down fail the notebook, and are killed", () => {
  const run = runHarness(["child-process-left.ipynb"]);
  // Two: a detached child of the kernel, and a grandchild reparented away from it (found by marker).
  assertFails(run, /2 process\(es\) still running after the kernel shut down: pid \d+: sleep 30[01]; pid \d+: sleep 30[01] \(killed\)/);
  for (const pid of [...run.out.matchAll(/pid (\d+): sleep/g)].map((m) => m[1])) {
    const stat = `/proc/${pid}/stat`;
    const alive = existsSync(stat) && !/\) Z /.test(readFileSync(stat, "utf8"));
    assert.equal(alive, false, `pid ${pid} should have been killed`);
  }
});

test("a stray file in the work tree fails the notebook", (t) => {
  const stray = path.join(FIXTURES, "stray-file-output.txt");
  t.after(() => rmSync(stray, { force: true }));
  assertFails(
    runHarness(["stray-file.ipynb"], []),
    /the work tree changed \(stray or modified files\): .*\?\? test\/fixtures\/stray-file-output\.txt/,
  );
});

test("a cell past the per-cell timeout fails the notebook", () => {
  assertFails(runHarness(["timeout.ipynb"], ["--no-git-check", "--timeout", "2"]), /cell 0 \[.*\]: timed out after 2 s/);
});

test("the summary counts notebooks, and any failure makes the exit status non-zero", () => {
  const run = runHarness(["good.ipynb", "runtime-error.ipynb"]);
  assert.equal(run.code, 1, run.out);
  assert.equal(run.lastLine, "1 passed, 1 failed");
});

test("recorded outcomes that break the promise fail the notebook: an unsafe demo without its race, a safe demo that went wrong", () => {
  const run = runHarness(["outcome-broken.ipynb"]);
  assertFails(run, /unsafe demo 'a race that never happens' showed its race in only 0 of 3 trials \(at least 90% required\)/);
  assert.match(run.out, /safe demo 'a fix that does not hold' went wrong in 1 of 3 trials \(none allowed\)/);
  assert.doesNotMatch(run.out, /shown, not judged/);
});

test("a per-run temporary folder left behind fails the notebook, and is removed", () => {
  const run = runHarness(["temp-folder-left.ipynb"]);
  assertFails(run, /temporary folders left behind: \S*race-lab-leak-[0-9a-f]{8}-\w+ \(removed\)/);
  const folder = /temporary folders left behind: (\S+) \(removed\)/.exec(run.out)![1];
  assert.equal(existsSync(folder), false, `${folder} should have been removed`);
});

// The fixtures' slow cell waits 2.3 s: over the default limit of 2.0 s, which these tests set
// explicitly (a loaded machine may have raised it through the environment for the lessons).
const defaultLimit = { ...process.env, RACE_LAB_SLOW_CELL_S: "2.0" };

test("cell times: a slow cell without slow-by-design fails; so does the tag without a reason, or on two cells", () => {
  const run = runHarness(["slow-cell.ipynb"], ["--no-git-check"], defaultLimit);
  assertFails(run, /cell 1 \[.*\]: took \d+\.\d\d s, over the 2 s limit for a cell/);
  assert.match(run.out, /cell 2 \[.*\]: tagged slow-by-design without a reason/);
  assert.match(run.out, /cells 2, 3: tagged slow-by-design; at most one cell per notebook may be/);
  assert.match(run.out, /cell times: median \d+\.\d\d s, 90th percentile \d+\.\d\d s, slowest \d+\.\d\d s \(cell 1 \[/);
});

test("cell times: the 2 s limit holds without any setting; RACE_LAB_SLOW_CELL_S=off makes slow cells warnings; a bad value is refused", () => {
  const env = { ...process.env };
  delete env.RACE_LAB_SLOW_CELL_S;
  assertFails(runHarness(["slow-cell.ipynb"], ["--no-git-check"], env), /- cell 1 \[.*\]: took \d+\.\d\d s, over the 2 s limit for a cell/);
  const off = runHarness(["slow-cell.ipynb"], ["--no-git-check"], { ...env, RACE_LAB_SLOW_CELL_S: "off" });
  assert.match(off.out, /warning: cell 1 \[.*\]: took \d+\.\d\d s, over the 2 s limit/);
  assert.doesNotMatch(off.out, /- cell 1 \[.*\]: took/, "with off, a slow cell is not a failure");
  const bad = runHarness(["slow-cell.ipynb"], ["--no-git-check"], { ...env, RACE_LAB_SLOW_CELL_S: "fast" });
  assert.equal(bad.code, 2, bad.out);
  assert.match(bad.out, /\$RACE_LAB_SLOW_CELL_S is 'fast': give the slow-cell limit in seconds/);
});

test("cell times: when slow cells are the only failures the notebook runs once more, and a cell slow every time still fails", () => {
  const run = runHarness(["slow-cell-only.ipynb"], ["--no-git-check"], defaultLimit);
  assertFails(run, /- cell 1 \[.*\]: took \d+\.\d\d s, over the 2 s limit for a cell/);
  assert.match(run.out, /only the time of 1 cell\(s\) failed; running the notebook once more/);
  assert.equal((run.out.match(/cell times: /g) ?? []).length, 2, "two runs, two reports");
});

test("cell times: one slow cell tagged slow-by-design with its reason passes, and the times are printed", () => {
  const run = runHarness(["slow-by-design.ipynb"], ["--no-git-check"], defaultLimit);
  assert.equal(run.code, 0, run.out);
  assert.match(
    run.out,
    /cell times: median \d+\.\d\d s, 90th percentile \d+\.\d\d s, slowest \d+\.\d\d s \(cell 2 \[.*\], slow-by-design\); limit 2 s/,
  );
  assert.equal(run.lastLine, "1 passed, 0 failed");
});
