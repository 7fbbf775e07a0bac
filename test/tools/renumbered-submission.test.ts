// A notebook handed out before the lessons were renumbered (its file name, setLesson call and grade ids
// carry the lesson's old number) still grades as its lesson, with that lesson's hidden tests, and its
// outcomes count under the lesson's name now: the table is LESSON_ALIASES (src/course/lesson-aliases.ts).
// The course here is the grading fixture twice over: the lesson now numbered 07 (formerly 10), and the
// lesson that now holds the number 10, whose tests fail every answer: with its old ids, a submission
// without the table would be matched to that one.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LESSON_ALIASES, currentGradeId, currentLesson, currentLessonName, readOutcomes, setLesson } from "race-lab/internal";
import { matchSource } from "../../grader/assemble.mjs";
import { type Notebook, cellText, readNotebook, sourceLines } from "../../grader/notebook.mjs";
import { renumberedSubmission } from "../../grader/renumbered.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE = path.join(ROOT, "test", "fixtures", "grading", "notebooks", "grading-demo.ipynb");
const WORK = path.join(ROOT, "test-artifacts", `renumbered-test-${process.pid}`);
const COURSE = path.join(WORK, "course");

// The lesson now numbered 07, its old name, and the lesson that holds the old number now.
const [OLD, NOW] = Object.entries(LESSON_ALIASES).find(([, now]) => now.startsWith("07-")) ?? ["", ""];
const HOLDER = Object.values(LESSON_ALIASES).find((now) => now.startsWith(OLD.slice(0, 3))) ?? "";
const number = (name: string) => name.slice(0, 2);

/** The fixture as lesson `name`: grade ids numbered like it, setLesson(name) in its first code cell. */
function lesson(name: string, failingTests = false): Notebook {
  const nb = readNotebook(FIXTURE);
  for (const cell of nb.cells) {
    const m = cell.metadata.nbgrader;
    if (!m) continue;
    m.grade_id = m.grade_id.replace(/^demo-/, `${number(name)}-`);
    if (m.grade_id.endsWith("-code02"))
      cell.source = sourceLines(`import { setLesson } from "race-lab/course";\nsetLesson(${JSON.stringify(name)});\n${cellText(cell)}`);
    if (failingTests && m.grade === true)
      cell.source = sourceLines(`await check("another-lesson", () => expectEqual(1, 2, "another lesson's test"));`);
  }
  return nb;
}
/** A notebook as it was handed out before the renumbering: the old number in its ids and setLesson. */
function asHandedOutBefore(nb: Notebook): Notebook {
  const old = structuredClone(nb);
  for (const cell of old.cells) {
    const m = cell.metadata.nbgrader;
    if (m) m.grade_id = m.grade_id.replace(new RegExp(`^${number(NOW)}-`), `${number(OLD)}-`);
    cell.source = sourceLines(cellText(cell).replaceAll(JSON.stringify(NOW), JSON.stringify(OLD)));
  }
  return old;
}
function save(nb: Notebook, folder: string, name: string): string {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  writeFileSync(file, JSON.stringify(nb, null, 1));
  return file;
}

interface Graded {
  submission: string;
  notebook: string | null;
  score: number;
  maxScore: number;
  exercises: { exercise: string; points: number; status: string }[];
  notes: string[];
}
let graded: Graded[] = [];
let run = "";

before(() => {
  assert.ok(NOW && HOLDER, "the table names the lesson now numbered 07 and the lesson that took its old number");
  const source = save(lesson(NOW), COURSE, `${NOW}.ipynb`);
  save(lesson(HOLDER, true), COURSE, `${HOLDER}.ipynb`);
  // Both submissions are the source as the student solved it: one from now, one from before.
  const now = save(readNotebook(source), path.join(WORK, "now"), `${NOW}.ipynb`);
  const before = save(asHandedOutBefore(readNotebook(source)), path.join(WORK, "before"), `${OLD}.ipynb`);
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "grader", "cli.mjs"), "--source", COURSE, "--out", path.join(WORK, "out"), now, before],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 600_000,
    },
  );
  run = `${r.stdout}${r.stderr}`;
  graded = (JSON.parse(readFileSync(path.join(WORK, "out", "grades.json"), "utf8")) as { submissions: Graded[] }).submissions;
});
after(() => rmSync(WORK, { recursive: true, force: true }));

test("an old lesson's name and grade ids read as the lesson's now; other names and ids stay", () => {
  assert.equal(currentLessonName(OLD), NOW);
  assert.equal(currentLessonName("04-shared-value"), "04-shared-value");
  assert.equal(currentLessonName(null), null);
  assert.equal(currentGradeId(`${number(OLD)}-code05`, OLD), `${number(NOW)}-code05`);
  assert.equal(currentGradeId("04-ex1", OLD), "04-ex1");
  assert.equal(currentGradeId(`${number(OLD)}-code05`, "04-shared-value"), `${number(OLD)}-code05`, "not an old lesson: unchanged");
});

test("outcomes recorded under an old lesson name count under the lesson's name now", () => {
  const file = path.join(WORK, "outcomes.jsonl");
  mkdirSync(WORK, { recursive: true });
  const record = { notebook: OLD, demo: "d", variant: "unsafe", trials: 1, anomalies: 1, expected: 2, observed: [1], ms: 1 };
  writeFileSync(file, `${JSON.stringify(record)}\n${JSON.stringify({ ...record, notebook: "04-shared-value" })}\n`);
  assert.deepEqual(
    readOutcomes(file).map((o) => o.notebook),
    [NOW, "04-shared-value"],
  );
  setLesson(OLD);
  assert.equal(currentLesson(), NOW, "an old notebook's setLesson names the lesson now");
});

test("an old-numbered submission is matched to its lesson, not to the lesson that holds its old number now", () => {
  const sources = [NOW, HOLDER].map((name) => {
    const file = path.join(COURSE, `${name}.ipynb`);
    return { name: `${name}.ipynb`, file, nb: readNotebook(file) };
  });
  const file = path.join(WORK, "before", `${OLD}.ipynb`);
  const renumbered = renumberedSubmission(readNotebook(file), file);
  assert.equal(renumbered.name, `${NOW}.ipynb`);
  assert.equal(matchSource(renumbered.submission, sources, file, renumbered.name).name, `${NOW}.ipynb`);
});

test("graded: the old-numbered submission scores as the new one, in the same lesson, by the same tests", () => {
  assert.equal(graded.length, 2, run);
  const [now, old] = graded;
  assert.equal(now.notebook, `${NOW}.ipynb`, run);
  assert.equal(old.notebook, `${NOW}.ipynb`, `graded in its lesson, not in ${HOLDER}: ${run}`);
  assert.equal(now.score, now.maxScore, `the solved notebook earns full marks: ${run}`);
  assert.deepEqual(
    old.exercises.map((e) => [e.exercise, e.points, e.status]),
    now.exercises.map((e) => [e.exercise, e.points, e.status]),
    run,
  );
  assert.equal(old.score, now.score);
  assert.ok(
    old.notes.some((n) => n.includes(OLD) && n.includes(NOW)),
    `the gradebook says it was renumbered: ${old.notes.join("; ")}`,
  );
});
