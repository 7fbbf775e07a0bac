// Every exercise's check rejects the wrong answers a student is likely to write and accepts the other
// correct forms (instructor/answers/<lesson>.ts). For each lesson, one notebook runs the whole
// instructor lesson, then every answer: its solution cell, the cells between the solution and the test
// (an exercise's harness), and the test cell with its hidden tests, in grading mode (a failed check
// throws). A wrong answer's test cell is tagged `raises-exception`, so the harness fails the notebook
// when the check passes it; a right answer's test cell must pass. The checks force their
// interleavings (or explore them), so a verdict never depends on the machine's timing.
// RACE_LAB_ANSWERS=04,11 runs only the lessons whose file names start with those prefixes.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Cell, type Notebook, readNotebook, sourceLines } from "../../grader/notebook.mjs";
import type { Answer, LessonAnswers } from "../../instructor/answers/answers";

const ROOT = path.resolve(__dirname, "..", "..");
const LESSONS = path.join(ROOT, "instructor");
// Beside the lessons' depth (a lesson may name ../python/…), one file per lesson, removed afterwards.
const WORK = path.join(ROOT, "test-artifacts");
const PREFIX = `answers-${process.pid}-`;
const only = (process.env.RACE_LAB_ANSWERS ?? "").split(",").filter(Boolean);

const lessons = readdirSync(LESSONS)
  .filter((f) => f.endsWith(".ipynb"))
  .filter((f) => only.length === 0 || only.some((p) => f.startsWith(p)))
  .sort();

function gradeId(cell: Cell): string {
  return cell.metadata.nbgrader?.grade_id ?? "";
}

/** The exercise ids of a lesson, from its solution cells ("04-ex1-solution" → "04-ex1"). */
function exercisesOf(nb: Notebook): string[] {
  return nb.cells.map(gradeId).flatMap((id) => (id.endsWith("-solution") ? [id.slice(0, -"-solution".length)] : []));
}

async function answersOf(lesson: string): Promise<LessonAnswers | null> {
  const file = path.join(LESSONS, "answers", lesson.replace(/\.ipynb$/, ".ts"));
  if (!existsSync(file)) return null;
  return ((await import(file)) as { default: LessonAnswers }).default;
}

function codeCell(source: string, tags: string[] = []): Cell {
  return {
    cell_type: "code",
    id: `answer-${Math.random().toString(36).slice(2, 10)}`,
    metadata: tags.length ? { tags } : {},
    source: sourceLines(source),
    outputs: [],
    execution_count: null,
  } as unknown as Cell;
}

/** The cells that try one answer: its solution cell, the exercise's harness cells, its test cell. */
function tryAnswer(nb: Notebook, exercise: string, answer: Answer, kind: "wrong" | "right"): Cell[] {
  const solution = nb.cells.findIndex((c) => gradeId(c) === `${exercise}-solution`);
  const testCell = nb.cells.findIndex((c) => gradeId(c) === `${exercise}-test`);
  assert.ok(solution >= 0 && testCell > solution, `${exercise}: no solution cell followed by a test cell`);
  const label = `${exercise} ${kind} answer "${answer.name}"`;
  const between = nb.cells.slice(solution + 1, testCell).filter((c) => c.cell_type === "code");
  const test = nb.cells[testCell].source;
  return [
    codeCell(`// ${label}\n${answer.code}`),
    ...between.map((c) => codeCell(`// harness for ${label}\n${[c.source].flat().join("")}`)),
    codeCell(`// check of ${label}\n${[test].flat().join("")}`, kind === "wrong" ? ["raises-exception"] : []),
  ];
}

function runHarness(files: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "scripts", "run-notebooks.mjs"), "--no-outcome-check", "--timeout", "120", ...files],
      {
        cwd: ROOT,
        env: { ...process.env, RACE_LAB_SLOW_CELL_S: "off" },
      },
    );
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), 1_500_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const written: string[] = [];
after(() => {
  for (const f of written) rmSync(f, { force: true });
});

test("every exercise lists at least two wrong answers and a second correct form (or says why none exists)", async () => {
  const problems: string[] = [];
  for (const lesson of lessons) {
    const nb = readNotebook(path.join(LESSONS, lesson));
    const exercises = exercisesOf(nb);
    if (exercises.length === 0) continue;
    const answers = await answersOf(lesson);
    if (!answers) {
      problems.push(`${lesson}: no instructor/answers/${lesson.replace(/\.ipynb$/, ".ts")}`);
      continue;
    }
    for (const id of Object.keys(answers))
      if (!exercises.includes(id)) problems.push(`${lesson}: answers for ${id}, which the lesson does not have`);
    for (const id of exercises) {
      const a = answers[id];
      if (!a) {
        problems.push(`${lesson}: no answers for ${id}`);
        continue;
      }
      if (a.wrong.length < 2) problems.push(`${id}: ${a.wrong.length} wrong answers (at least 2)`);
      if (a.right.length < 1 && !a.onlyOneForm) problems.push(`${id}: no second correct form, and no onlyOneForm saying why`);
      const names = [...a.wrong, ...a.right].map((x) => x.name);
      if (new Set(names).size !== names.length) problems.push(`${id}: answer names repeat`);
      for (const x of [...a.wrong, ...a.right]) {
        if (!x.why.trim()) problems.push(`${id} "${x.name}": no why`);
        if (!x.code.includes(`solutionCell("${id}")`)) problems.push(`${id} "${x.name}": its code lacks solutionCell("${id}")`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

test("each exercise's check rejects every wrong answer and accepts every right one, in a real kernel", { timeout: 1_800_000 }, async () => {
  mkdirSync(WORK, { recursive: true });
  const files: string[] = [];
  for (const lesson of lessons) {
    const nb = readNotebook(path.join(LESSONS, lesson));
    const answers = await answersOf(lesson);
    if (!answers || exercisesOf(nb).length === 0) continue;
    const cells: Cell[] = [codeCell('process.env.RACE_LAB_GRADING = "1"; // failed checks throw, as in the grader')];
    for (const [id, a] of Object.entries(answers)) {
      for (const w of a.wrong) cells.push(...tryAnswer(nb, id, w, "wrong"));
      for (const r of a.right) cells.push(...tryAnswer(nb, id, r, "right"));
    }
    const file = path.join(WORK, PREFIX + lesson);
    written.push(file);
    writeFileSync(file, JSON.stringify({ ...nb, cells: [...nb.cells, ...cells] }, null, 1));
    files.push(file);
  }
  if (files.length === 0) return;
  const { code, output } = await runHarness(files);
  assert.equal(
    code,
    0,
    `a check let a wrong answer through or turned a right one away (a cell named "check of … wrong answer" that "did not fail" passed a wrong answer):\n${output}`,
  );
});
