// The autograder (scripts/grade.mjs → test/harness/grade_notebook.py → tslab), end to end on the fixture
// course test/fixtures/grading/notebooks/grading-demo.ipynb (three exercises: 2 + 1 + 1 points).
// One grader run grades four submissions, each in its own fresh kernel (five kernels: one restart):
//   source    the instructor's notebook                     → full marks
//   release   the student notebook as released             → zero
//   tampered  an edited locked cell, a redefined check helper, grading mode switched off from inside the
//             solution, an edited test cell and a deleted one → graded as if untouched
//   chaos     an endless loop, then a failing test, then a passing solution that leaves processes behind
// The tests below read its grades.json, its printed table, and look for leftover processes.
import { before, after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Cell, type Notebook, assemble, cellText, readNotebook, sourceLines } from "../../scripts/nbgrader.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "test", "fixtures", "grading");
const SOURCE_DIR = path.join(COURSE, "notebooks");
const SOURCE = path.join(SOURCE_DIR, "grading-demo.ipynb");
const WORK = path.join(ROOT, "test-artifacts", `grade-test-${process.pid}`);

interface Exercise {
  exercise: string;
  points: number;
  maxPoints: number;
  status: string;
  detail: string;
}
interface Graded {
  submission: string;
  notebook: string | null;
  score: number;
  maxScore: number;
  exercises: Exercise[];
  notes: string[];
  processesEnded: string[];
  error: string | null;
}
interface Run {
  code: number | null;
  out: string;
}

function grade(files: string[], extra: string[] = []): Promise<Run> {
  // Asynchronous, so that this process can watch for the submissions' processes while it runs.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "scripts", "grade.mjs"), "--source", SOURCE_DIR, ...extra, ...files], { cwd: ROOT });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// --- building submissions from the released notebook, as a student would -----------------------

function byId(nb: Notebook, gradeId: string): Cell {
  const cell = nb.cells.find((c) => c.metadata.nbgrader?.grade_id === gradeId);
  assert.ok(cell, `no cell ${gradeId}`);
  return cell;
}
function write(nb: Notebook, gradeId: string, text: string): void {
  byId(nb, gradeId).source = sourceLines(text);
}
function insertBefore(nb: Notebook, gradeId: string, text: string): void {
  const at = nb.cells.indexOf(byId(nb, gradeId));
  nb.cells.splice(at, 0, { cell_type: "code", id: `student-${at}`, metadata: {}, source: sourceLines(text), outputs: [], execution_count: null });
}
function remove(nb: Notebook, gradeId: string): void {
  nb.cells.splice(nb.cells.indexOf(byId(nb, gradeId)), 1);
}
function save(nb: Notebook, name: string): string {
  const file = path.join(WORK, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

const SOLVED = {
  ex1: "function quadruple(n: number): number {\n  return double(double(n));\n}",
  ex2: "function countVowels(text: string): number {\n  return (text.match(/[aeiou]/gi) ?? []).length;\n}",
};

/** Processes whose working folder is one of the grader's .grading-* folders (the kernels and their children). */
function gradingProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(path.join(COURSE, ".grading-"))) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

let main: Run;
let results: Map<string, Graded>;
let csv: string;
const seenDuringRun = new Set<string>();

before(async () => {
  mkdirSync(WORK, { recursive: true });
  const released = path.join(WORK, "release");
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "release.mjs"), "--source", SOURCE_DIR, "--out", released], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const release = (): Notebook => readNotebook(path.join(released, "grading-demo.ipynb"));

  const tampered = release();
  // An edited locked cell: the helper the solutions build on, broken. Restored, ex1 still passes.
  write(tampered, "demo-code-02", 'import { check, expectEqual, expectTrue } from "race-lab";\nfunction double(n: number): number {\n  return n + n + 1;\n}');
  write(tampered, "demo-ex1-solution", SOLVED.ex1);
  // A redefined check helper (and expectEqual, and grading mode off); a solution that switches grading
  // mode off from inside the check; an edited test cell. ex2 must still fail.
  insertBefore(tampered, "demo-ex2-test", 'async function check(id: string, body: () => unknown, options?: object): Promise<boolean> { return true; }\nfunction expectEqual(...args: unknown[]): void {}\nprocess.env.RACE_LAB_GRADING = "0";');
  write(tampered, "demo-ex2-solution", 'function countVowels(text: string): number {\n  process.env.RACE_LAB_GRADING = "0";\n  return 0;\n}');
  write(tampered, "demo-ex2-test", 'await check("demo-ex2", () => {});');
  // A deleted test cell, after a correct solution: re-inserted, and it earns its point.
  write(tampered, "demo-ex3-solution", cellText(byId(readNotebook(SOURCE), "demo-ex3-solution")).replace(/ *\/\/ (BEGIN|END) SOLUTION\n/g, ""));
  remove(tampered, "demo-ex3-test");

  const chaos = release();
  // An endless loop (synchronous: only killing the kernel stops it) …
  write(chaos, "demo-ex1-solution", "function quadruple(n: number): number {\n  while (true) {}\n}");
  // … then a wrong answer right after the restart (fails) …
  write(chaos, "demo-ex2-solution", "function countVowels(text: string): number {\n  return 99;\n}");
  // … then a right answer right after that failure, from a solution that leaves processes running:
  // a detached `sleep`, and a node child that ignores SIGTERM.
  write(
    chaos,
    "demo-ex3-solution",
    'import { spawn } from "child_process";\nasync function childAnswer(): Promise<string> {\n' +
      '  spawn("sleep", ["300"], { detached: true, stdio: "ignore" }).unref();\n' +
      '  spawn(process.execPath, ["-e", "process.on(\'SIGTERM\', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" });\n' +
      '  return "42";\n}',
  );

  const files = [SOURCE, path.join(released, "grading-demo.ipynb"), save(tampered, "tampered.ipynb"), save(chaos, "chaos.ipynb")];
  const watch = setInterval(() => gradingProcesses().forEach((p) => seenDuringRun.add(p)), 100);
  main = await grade(files, ["--timeout", "8", "--out", path.join(WORK, "out")]);
  clearInterval(watch);
  const json = JSON.parse(readFileSync(path.join(WORK, "out", "grades.json"), "utf8")) as { submissions: Graded[] };
  results = new Map(json.submissions.map((s) => [path.basename(s.submission, ".ipynb") === "grading-demo" && s.submission.includes("release") ? "release" : path.basename(s.submission, ".ipynb"), s]));
  csv = readFileSync(path.join(WORK, "out", "grades.csv"), "utf8");
});

after(() => rmSync(WORK, { recursive: true, force: true }));

function scores(name: string): Record<string, string> {
  const r = results.get(name);
  assert.ok(r, `no result for ${name}:\n${main.out}`);
  return Object.fromEntries(r.exercises.map((e) => [e.exercise, `${e.points}/${e.maxPoints} ${e.status}`]));
}

test("the grader ran every submission and printed a score table", () => {
  assert.equal(main.code, 0, main.out);
  assert.match(main.out, /grading-demo\.ipynb \(grading-demo\.ipynb\): 4\/4, [\d.]+ s\n {2}demo-ex1-test +2\/2 {2}passed\n/);
  assert.match(main.out, /graded 4 submission\(s\); gradebook in /);
});

test("the source notebook grades to full marks", () => {
  assert.deepEqual(scores("grading-demo"), { "demo-ex1-test": "2/2 passed", "demo-ex2-test": "1/1 passed", "demo-ex3-test": "1/1 passed" });
  assert.deepEqual(results.get("grading-demo")!.notes, []);
});

test("the released notebook grades to zero: every check says the stub is still there", () => {
  const r = results.get("release")!;
  assert.equal(r.score, 0);
  assert.equal(r.maxScore, 4);
  for (const e of r.exercises) assert.match(e.detail, /not solved — the exercise still has its stub/);
});

test("tampering: edited locked cell restored, redefined helpers and grading mode ignored, deleted test re-inserted", () => {
  assert.deepEqual(scores("tampered"), {
    "demo-ex1-test": "2/2 passed", // the locked helper was restored, so the right solution passes
    "demo-ex2-test": "0/1 failed", // neither a fake check, nor grading mode off, nor an emptied test helps
    "demo-ex3-test": "1/1 passed", // deleted, re-inserted, run
  });
  const r = results.get("tampered")!;
  assert.match(r.exercises[1].detail, /ExerciseFailedError: demo-ex2: not solved/);
  assert.deepEqual(r.notes.sort(), ["re-inserted deleted test cell demo-ex3-test", "restored edited locked cell demo-code-02", "restored edited test cell demo-ex2-test"]);
});

test("an endless loop times out, the kernel is restarted, and grading goes on: a failure, then a pass", () => {
  assert.deepEqual(scores("chaos"), {
    "demo-ex1-test": "0/2 timed out",
    "demo-ex2-test": "0/1 failed",
    "demo-ex3-test": "1/1 passed", // sent right after a failed cell: tslab's abort window did not swallow it
  });
  const r = results.get("chaos")!;
  assert.match(r.exercises[0].detail, /timed out after 8 s/);
  assert.match(r.exercises[1].detail, /countVowels|vowels in race: expected 2, got 99/);
  assert.ok(r.notes.includes("kernel restarted: timed out after 8 s"), r.notes.join("\n"));
});

test("processes a submission leaves running are ended, and nothing of the grader's stays behind", () => {
  const r = results.get("chaos")!;
  assert.ok(r.processesEnded.some((p) => /sleep 300/.test(p)), r.processesEnded.join("\n"));
  for (const p of r.processesEnded) {
    const pid = /^pid (\d+)/.exec(p)![1];
    const alive = existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    assert.equal(alive, false, `${p} should have been ended`);
  }
  assert.ok(seenDuringRun.size >= 5, `the watch saw the kernels and children (${seenDuringRun.size})`);
  assert.deepEqual(gradingProcesses(), [], "no kernel or child of the grader is left");
  assert.deepEqual(readdirSync(COURSE).filter((f) => f.startsWith(".grading-")), [], "the kernels' working folders are removed");
});

test("grades.csv has one row per exercise and submission, for a gradebook", () => {
  const lines = csv.trim().split("\n");
  assert.equal(lines[0], "submission,notebook,exercise,points,max_points,status,detail");
  assert.equal(lines.length, 1 + 4 * 3);
  assert.ok(lines.some((l) => /tampered\.ipynb,grading-demo\.ipynb,demo-ex3-test,1,1,passed,$/.test(l)), csv);
  assert.ok(existsSync(path.join(WORK, "out", "feedback")), "the executed notebooks are kept as feedback");
});

test("a malformed notebook, a file that is no notebook, and one from another course get a clear error", async () => {
  const broken = path.join(WORK, "broken.ipynb");
  writeFileSync(broken, '{"cells": [{"cell_type": "code", "source": ');
  const notNotebook = path.join(WORK, "notes.ipynb");
  writeFileSync(notNotebook, JSON.stringify({ title: "my notes" }));
  const badCell = path.join(WORK, "bad-cell.ipynb");
  writeFileSync(badCell, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: 42 }] }));
  const other = readNotebook(SOURCE);
  other.cells.forEach((c) => {
    if (c.metadata.nbgrader) c.metadata.nbgrader.grade_id = `other-${c.metadata.nbgrader.grade_id}`;
  });
  const otherFile = save(other, "other-course.ipynb");
  const r = await grade([broken, notNotebook, badCell, otherFile], ["--out", path.join(WORK, "bad-out")]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /broken\.ipynb: NOT GRADED\n {2}error: \S*broken\.ipynb: not a notebook: the file is not valid JSON/);
  assert.match(r.out, /notes\.ipynb: not a notebook: a Jupyter notebook is a JSON object with a list of "cells"/);
  assert.match(r.out, /bad-cell\.ipynb: malformed notebook: cell 0 has no valid cell_type and text source/);
  assert.match(r.out, /other-course\.ipynb: not from this course: none of its cells carries the nbgrader grade_id of a cell in grading-demo\.ipynb/);
  assert.match(r.out, /graded 0 submission\(s\), 4 could not be graded/);
  assert.match(readFileSync(path.join(WORK, "bad-out", "grades.csv"), "utf8"), /broken\.ipynb,,,0,0,not graded,/);
});

// --- assembling, without a kernel -----------------------------------------------------------------

test("assemble: a deleted test cell comes back right after the cell that precedes it in the source", () => {
  const source = { name: "grading-demo.ipynb", file: SOURCE, nb: readNotebook(SOURCE) };
  const submission = readNotebook(SOURCE);
  remove(submission, "demo-ex1-test");
  remove(submission, "demo-ex2-solution");
  const { cells, notes } = assemble(source, submission);
  const ids = cells.map((c) => c.gradeId);
  assert.deepEqual(ids, source.nb.cells.map((c) => c.metadata.nbgrader.grade_id));
  assert.deepEqual(notes, ["re-inserted deleted test cell demo-ex1-test", "re-inserted deleted solution cell demo-ex2-solution (as its stub)"]);
  assert.match(cellText(cells[ids.indexOf("demo-ex1-test")].cell), /BEGIN HIDDEN TESTS/, "the source's test, hidden tests included");
  assert.match(cellText(cells[ids.indexOf("demo-ex2-solution")].cell), /notImplemented\("countVowels"\)/);
  assert.deepEqual(cells.filter((c) => c.role === "test").map((c) => c.points), [2, 1, 1], "points come from the source");
});

test("assemble: a student's copy of a test cell, or a cell claiming points, earns nothing", () => {
  const source = { name: "grading-demo.ipynb", file: SOURCE, nb: readNotebook(SOURCE) };
  const submission = readNotebook(SOURCE);
  const copy = structuredClone(byId(submission, "demo-ex1-test"));
  submission.cells.push(copy);
  submission.cells.push({ cell_type: "code", metadata: { nbgrader: { grade: true, grade_id: "bonus", points: 100, locked: true, solution: false, schema_version: 3 } }, source: "1", outputs: [], execution_count: null });
  const { cells, notes } = assemble(source, submission);
  assert.equal(cells.filter((c) => c.role === "test").length, 3);
  assert.equal(cells[cells.length - 1].role, "student");
  assert.equal(cells[cells.length - 1].cell.metadata.nbgrader, undefined);
  assert.deepEqual(notes, ["dropped a second copy of cell demo-ex1-test"]);
});

// --- the real lessons (slow: minutes; opt in) --------------------------------------------------------

test("every lesson grades to full marks and its release to zero (RACE_LAB_GRADE_LESSONS=1)", { skip: process.env.RACE_LAB_GRADE_LESSONS !== "1" }, async () => {
  const released = path.join(ROOT, "notebooks");   // the student versions, generated from instructor/
  const lessons = readdirSync(path.join(ROOT, "instructor")).filter((f) => /^(0[1-9]|[1-9]\d)-.*\.ipynb$/.test(f));
  const run = (files: string[]) =>
    new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, "scripts", "grade.mjs"), "--timeout", "300", ...files], { cwd: ROOT });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
  const source = await run(lessons.map((f) => path.join(ROOT, "instructor", f)));
  assert.equal(source.code, 0, source.out);
  for (const m of source.out.matchAll(/\): (\d+)\/(\d+),/g)) assert.equal(m[1], m[2], source.out);
  const student = await run(lessons.map((f) => path.join(released, f)));
  assert.equal(student.code, 0, student.out);
  for (const m of student.out.matchAll(/\): (\d+)\/(\d+),/g)) assert.equal(m[1], "0", student.out);
});

test("the guard freezes race-lab's check helpers, and a body that switches grading mode off still fails", async () => {
  // This process is the test's own (node --test runs each file apart): freezing race-lab here is harmless.
  const lib = require("race-lab");
  const exercises = require(path.join(path.dirname(require.resolve("race-lab")), "exercises.js"));
  const unguarded = lib.check;
  const sneaky = () => {
    process.env.RACE_LAB_GRADING = "0"; // from inside the student's code, while the check runs
    throw new Error("wrong answer");
  };
  const env = process.env.RACE_LAB_GRADING;
  try {
    process.env.RACE_LAB_GRADING = "1";
    await assert.doesNotReject(unguarded("demo", sneaky), "the broken variant: without the guard this passes");
    require(path.join(ROOT, "scripts", "grading-guard.cjs")).install(require.resolve("race-lab"));
    await assert.rejects(lib.check("demo", sneaky), /demo: not solved/);
    await assert.doesNotReject(lib.check("demo", () => undefined));
    assert.throws(() => {
      exercises.check = async () => undefined;
    }, TypeError);
    assert.notEqual(lib.check, unguarded);
  } finally {
    if (env === undefined) delete process.env.RACE_LAB_GRADING;
    else process.env.RACE_LAB_GRADING = env;
  }
});
