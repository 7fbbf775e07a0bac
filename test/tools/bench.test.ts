// Smoke test of the benchmark's plumbing (bench/run.mjs): tiny sizes (--quick), one repetition,
// a few fast cases. No timing is asserted — only that each side ran, the JSON and RESULTS.md have
// the promised shape, and the unsafe file counter shows its race.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const BENCH = path.join(ROOT, "bench", "run.mjs");

function bench(args: string[]) {
  const r = spawnSync(process.execPath, [BENCH, ...args], { cwd: ROOT, encoding: "utf8", timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("--quick --json on three cases: both sides measured, the bar read, RESULTS.md and the chart written", () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "race-lab-bench-test-"));
  try {
    const r = bench(["--quick", "--json", "--cases", "file-counter-unlocked,spawn,lesson-99", "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.quick, true);
    assert.ok(result.machine.cores >= 1 && typeof result.machine.node === "string", "machine info");
    assert.deepEqual(
      result.cases.map((c: { name: string }) => c.name),
      ["file-counter-unlocked", "spawn"],
    );
    assert.match(r.stderr, /lesson-99: skipped, the notebook does not exist yet/);

    const counter = result.rows.find((row: { case: string }) => row.case === "file-counter-unlocked");
    assert.ok(counter.ts && counter.py, "TypeScript and Python both ran");
    for (const side of [counter.ts, counter.py]) {
      assert.equal(side.n, 1);
      assert.ok(side.min <= side.median && side.median <= side.max);
      assert.equal(typeof side.anomalyRate, "number");
    }
    // 50 + 100 increments by two processes without a lock: a final count of 150 is possible but
    // the observed values must be counts the file could hold.
    assert.ok(counter.ts.observed[0] >= 1 && counter.ts.observed[0] <= 150, String(counter.ts.observed));
    assert.equal(typeof counter.ratio, "number");

    const spawn = result.rows.filter((row: { case: string }) => row.case === "spawn");
    assert.equal(spawn.length, 6);
    assert.ok(spawn.some((row: { variant: string }) => row.variant.startsWith("worker thread, spares ready")));
    assert.ok(spawn.some((row: { variant: string }) => row.variant.startsWith("child process, spare ready")));
    assert.ok(result.goals.some((g: { goal: string }) => g.goal.startsWith("runThreads of an empty function with spares ready")));
    assert.ok(spawn.every((row: { ts: unknown; py: unknown }) => row.ts && row.py));

    const barNames = result.bars.map((b: { bar: string }) => b.bar);
    assert.ok(barNames.some((b: string) => b.startsWith("spawn: a worker thread")));
    assert.equal(result.bars.find((b: { bar: string }) => b.bar.startsWith("kernel-start")).verdict, "not measured");

    const md = readFileSync(path.join(out, "RESULTS.md"), "utf8");
    assert.match(md, /QUICK smoke run/);
    assert.match(md, /## The goals \(what the student waits for\)/);
    assert.match(md, /\| file-counter-unlocked \| unlocked \| unsafe \| ms \|/);
    assert.match(md, /!\[TypeScript time ÷ Python time\]\(results\.svg\)/);
    assert.match(readFileSync(path.join(out, "results.svg"), "utf8"), /^<svg/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a quick run without --out writes nothing; bad usage exits 1 naming the problem", () => {
  const r = bench(["--quick", "--cases", "spawn"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /spawn +worker thread/);
  assert.doesNotMatch(r.stderr, /wrote /);
  assert.ok(existsSync(BENCH));

  const bad = bench(["--cases", "no-such-case"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown case no-such-case/);
  const badReps = bench(["--reps", "0"]);
  assert.equal(badReps.code, 1);
  assert.match(badReps.stderr, /--reps takes an integer/);
  const badStarts = bench(["--starts", "1.5"]);
  assert.equal(badStarts.code, 1);
  assert.match(badStarts.stderr, /--starts takes an integer/);
});

test("--list names every case of the benchmark", () => {
  const r = bench(["--list"]);
  assert.equal(r.code, 0, r.stderr);
  for (const name of [
    "file-counter-unlocked",
    "file-counter-locked",
    "shared-value-sleep",
    "shared-value-nosleep",
    "pool-decorator",
    "no-gil",
    "manager-rpc",
    "lock-throughput",
    "spawn",
    "kernel-start",
    "first-reply",
  ]) {
    assert.match(r.stdout, new RegExp(`^${name} `, "m"), name);
  }
  assert.match(r.stdout, /^lesson-0\d /m);
});

test("the Python side of the lesson 04 and 05 cases runs against the ports as they are", () => {
  for (const name of ["shared-value-sleep", "shared-value-nosleep", "pool-decorator"]) {
    const r = spawnSync(
      process.env.RACE_LAB_BENCH_PYTHON || "python3",
      [path.join(ROOT, "bench", "python", "bench.py"), name, "--reps", "1", "--quick"],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    const variants = JSON.parse(r.stdout).variants;
    const expected = name === "pool-decorator" ? ["unlocked", "lock per task", "lock per update"] : ["unlocked", "locked"];
    assert.deepEqual(Object.keys(variants), expected, name);
    for (const v of expected) assert.equal(variants[v].length, 1, `${name} ${v}`);
  }
});

test("a failed command reads as its traceback's last line; a port that cannot run here is a note, not an error", async () => {
  const lib = await import(path.join(ROOT, "bench", "lib.mjs"));
  const kernel = await import(path.join(ROOT, "bench", "cases", "kernel.mjs"));
  const failed = await lib.runCommand("python3", ["-c", "def f():\n    raise ValueError('the useful line')\nf()"]).then(
    () => assert.fail("should have failed"),
    (error: Error & { code: number; stderr: string }) => error,
  );
  assert.match(failed.message.split("\n")[0], /exited with 1: ValueError: the useful line$/);
  assert.equal(lib.usefulLine(failed.stderr), "ValueError: the useful line");
  assert.equal(kernel.portUnavailable("x.py", failed), null, "a crash stays an error");
  const missing = kernel.portUnavailable("12_x.py", { code: 3, stderr: "psycopg is not installed: pip install 'psycopg[binary]'\n" });
  assert.ok(missing instanceof lib.Unavailable);
  assert.match(missing.message, /python\/12_x\.py cannot run here: psycopg is not installed/);
  const needsArgs = kernel.portUnavailable("12_x.py", {
    code: 2,
    stderr: "usage: …\n12_x.py: error: the following arguments are required: --url, --schema\n",
  });
  assert.match(needsArgs.message, /needs what its lesson passes: the following arguments are required: --url, --schema/);
});
