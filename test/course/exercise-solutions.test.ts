// The lessons' checks test the idea, not one way of writing it: graded as an instructor
// would (grader/cli.mjs, the lesson sources' hidden tests), a student notebook whose solution
//   - runs 02-ex2's two counts one after the other (3000, no read errors, but no race) earns nothing
//     for that exercise: the check requires the two processes to run at the same time;
//   - fixes 04-ex1 with `Atomics.add` instead of the Value's lock earns full marks, as does the lock;
// and every lesson's own solutions (the instructor's notebook, graded as a submission) earn full marks:
// a check that cannot run under the grader's locks would fail every student.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Notebook, readNotebook, sourceLines } from "../../grader/notebook.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const WORK = path.join(ROOT, "test-artifacts", `exercise-solutions-${process.pid}`);

const SEQUENTIAL_COUNTS = `import { solutionCell } from "race-lab/course";
solutionCell("02-ex2");
async function countParallel<R>(fn: (maxCount: number, filename: string) => R, counts: number[], filename: string): Promise<{ value: number; results: Awaited<R>[] }> {
  const results: Awaited<R>[] = [];
  for (const count of counts) results.push(...(await new Pool(1, { kind: "process" }).map(partial(fn, { filename }), [count])));
  return { value: readCount(filename), results };
}`;

const ATOMICS_ADD = `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.add(balance.typed, 0, amount);
}`;

const WITH_LOCK = `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  const lock = balance.getLock();
  for (let i = 0; i < times; i++) lock.withLock(() => { balance.value += amount; });
}`;

/** The lessons with exercises (00 has none). */
const LESSONS = readdirSync(path.join(ROOT, "instructor"))
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !f.startsWith("00-"))
  .sort();

interface Graded {
  submission: string;
  exercises: { exercise: string; points: number; maxPoints: number; status: string; detail: string }[];
}

/** The student notebook `lesson` with the solution cell of `exercise` written as `code`, saved under `who`/. */
function submission(who: string, lesson: string, exercise: string, code: string): string {
  const nb: Notebook = readNotebook(path.join(ROOT, "notebooks", lesson));
  const cell = nb.cells.find((c) => c.metadata.nbgrader?.grade_id === `${exercise}-solution`);
  assert.ok(cell, `${lesson} has no cell ${exercise}-solution`);
  cell.source = sourceLines(code);
  mkdirSync(path.join(WORK, who), { recursive: true });
  const file = path.join(WORK, who, lesson);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

let graded: Graded[] = [];
let output = "";

before(async () => {
  const files = [
    submission("sequential", "02-file-write-conflicts.ipynb", "02-ex2", SEQUENTIAL_COUNTS),
    submission("atomics", "04-shared-value.ipynb", "04-ex1", ATOMICS_ADD),
    submission("with-lock", "04-shared-value.ipynb", "04-ex1", WITH_LOCK),
    ...LESSONS.map((lesson) => path.join(ROOT, "instructor", lesson)),
  ];
  const out = path.join(WORK, "out");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "grader", "cli.mjs"), "--timeout", "120", "--out", out, ...files], {
      cwd: ROOT,
    });
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), 1_200_000);
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, output);
  graded = (JSON.parse(readFileSync(path.join(out, "grades.json"), "utf8")) as { submissions: Graded[] }).submissions;
});

after(() => rmSync(WORK, { recursive: true, force: true }));

function exercise(who: string, id: string): Graded["exercises"][number] {
  const s = graded.find((g) => g.submission.includes(`${path.sep}${who}${path.sep}`));
  assert.ok(s, `no grades for ${who}:\n${output}`);
  const e = s.exercises.find((x) => x.exercise === `${id}-test`);
  assert.ok(e, `no ${id} in ${who}'s grades:\n${output}`);
  return e;
}

test("02-ex2: counts run one after the other earn nothing; the check says both processes must run at once", () => {
  const e = exercise("sequential", "02-ex2");
  assert.equal(e.points, 0, JSON.stringify(e));
  assert.match(e.detail, /both processes ran at once/);
});

test("04-ex1: a fix with Atomics.add earns full marks, as does one with the Value's lock", () => {
  for (const who of ["atomics", "with-lock"]) {
    const e = exercise(who, "04-ex1");
    assert.equal(e.points, e.maxPoints, `${who}: ${JSON.stringify(e)}`);
  }
});

test("every lesson's own solutions earn full marks from the grader", () => {
  const short = LESSONS.flatMap((lesson) => {
    const s = graded.find((g) => g.submission.endsWith(`${path.sep}instructor${path.sep}${lesson}`));
    if (!s) return [`${lesson}: not graded`];
    return s.exercises
      .filter((e) => e.points !== e.maxPoints)
      .map((e) => `${lesson} ${e.exercise}: ${e.points}/${e.maxPoints} ${e.detail}`);
  });
  assert.deepEqual(short, [], output);
});
