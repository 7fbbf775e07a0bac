// What a student's cells meet in a real tslab kernel (TypeScript 5.0.4, tslab's own compiler), run
// through the notebook harness, one fresh kernel per fixture (test/fixtures/student/):
//   stale-solution.ipynb  solves an exercise, then edits its solution cell into code that does not
//                         compile (tslab keeps the old, correct definition), checks, fixes it, checks
//                         again; a failing cell that is not the solution cell must not make the check
//                         suspicious;
//   natural-code.ipynb    `Atomics.add(counter.typed, 0, 1)` and the usual code around a Value compile
//                         without a cast and without "has or is using private name"; a cell run before
//                         the one defining a name it uses gets a tip naming that cell.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { SharedArray, Value } from "race-lab";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "student");
const SAVED = path.join(ROOT, "test-artifacts", `student-cells-${process.pid}`);

type Output = { output_type: string; name?: string; text?: string | string[]; data?: Record<string, string | string[]> };
type Cell = { outputs: Output[] };
const text = (x: string | string[] | undefined) => [x ?? ""].flat().join("");

/** Runs the fixtures through the harness; returns each one's executed cells. */
function runFixtures(names: string[]): { status: number | null; log: string; cells: (name: string) => Cell[] } {
  const r = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "scripts", "run-notebooks.mjs"),
      "--no-git-check",
      "--save-executed",
      SAVED,
      ...names.map((n) => path.join(FIXTURES, n)),
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 600_000,
    },
  );
  const cells = (name: string) => (JSON.parse(readFileSync(path.join(SAVED, "student", name), "utf8")) as { cells: Cell[] }).cells;
  return { status: r.status, log: `${r.stdout}${r.stderr}`, cells };
}

test("in a tslab kernel: a stale solution is named, and natural code about a Value compiles", (t) => {
  t.after(() => rmSync(SAVED, { recursive: true, force: true }));
  const run = runFixtures(["stale-solution.ipynb", "natural-code.ipynb"]);
  assert.equal(run.status, 0, run.log); // natural-code: no failed cell, nothing on stderr

  const verdicts = run.cells("stale-solution.ipynb").map((c) =>
    c.outputs
      .filter((o) => o.output_type === "display_data")
      .map((o) => text(o.data?.["text/plain"]))
      .join("\n"),
  );
  assert.equal(verdicts[2], "✔ t-ex1: solved", "the first, correct version");
  assert.match(
    verdicts[4],
    /^✘ t-ex1: not solved yet — your solution cell did not compile: fix the error shown under it/,
    "the edited cell did not compile: the old definition is not judged",
  );
  assert.equal(verdicts[6], "✔ t-ex1: solved", "fixed and run again");
  assert.equal(verdicts[8], "✔ t-ex1: solved", "another cell's compile error says nothing about the solution cell");

  const printed = run.cells("natural-code.ipynb").map((c) =>
    (c.outputs ?? [])
      .filter((o) => o.output_type === "stream")
      .map((o) => text(o.text))
      .join(""),
  );
  assert.deepEqual(printed.slice(1, 4), ["1\n", "2001\n", "0,5\n"]);
  assert.equal(printed[5], "0.5 Float64Array\n");
  assert.match(
    printed[6],
    /Cannot find name 'definedLater'[\s\S]*Tip: 'definedLater' is defined by a cell of this lesson that has not run in this kernel yet: the code cell under "A later section" that starts const definedLater = 42;/,
  );
  assert.equal(printed[8], "42\n", "run in order, it works");
  assert.doesNotMatch(run.log, /private name/);
});

test("typed is the value's own typed array type: Atomics takes an integer one, TypeScript refuses a float one", () => {
  const counter: Value = new Value("i", 0);
  Atomics.add(counter.typed, 0, 2); // compiles without a cast: the point of this test (npm run typecheck)
  assert.equal(counter.value, 2);
  const cells = new SharedArray("I", 2);
  Atomics.add(cells.typed, 1, 3);
  assert.deepEqual(cells.toArray(), [0, 3]);
  const ratio = new Value("d", 0.5);
  // @ts-expect-error -- Atomics does not take a Float64Array; the type says so before the run does.
  assert.throws(() => Atomics.add(ratio.typed, 0, 1), TypeError);
});
