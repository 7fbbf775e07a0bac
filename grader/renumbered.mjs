// Submissions from before the lessons were renumbered: their old lesson name and grade ids read as the renumbered course names them (the table: race-lab's LESSON_ALIASES).
import path from "node:path";
import { LESSON_ALIASES, currentGradeId } from "race-lab/instructor";
import { cellText, nbgraderOf } from "./notebook.mjs";

/** @typedef {import("./notebook.mjs").Notebook} Notebook */

/**
 * The old lesson name a submission was handed out under: its setLesson call's, else (no setLesson
 * call) its file name's; null when it is not an old lesson's.
 * @param {Notebook} submission
 * @param {string} file the submission's path
 * @returns {string | null}
 */
export function oldLessonOf(submission, file) {
  for (const cell of submission.cells) {
    if (cell.cell_type !== "code") continue;
    const m = /\bsetLesson\(\s*["'`]([^"'`]+)["'`]\s*\)/.exec(cellText(cell));
    if (m) return Object.hasOwn(LESSON_ALIASES, m[1]) ? m[1] : null;
  }
  const name = path.basename(file).replace(/\.ipynb$/, "");
  return Object.hasOwn(LESSON_ALIASES, name) ? name : null;
}

/**
 * The submission as the renumbered course names it: an old lesson's grade ids renumbered, its old
 * file name the lesson's name now (what matching it to its source reads); unchanged otherwise.
 * @param {Notebook} submission
 * @param {string} file the submission's path
 * @returns {{ submission: Notebook; name: string; note: string | null }}
 */
export function renumberedSubmission(submission, file) {
  const name = path.basename(file);
  const old = oldLessonOf(submission, file);
  if (old === null) return { submission, name, note: null };
  const copy = structuredClone(submission);
  for (const cell of copy.cells) {
    const m = nbgraderOf(cell);
    if (m) m.grade_id = currentGradeId(m.grade_id, old);
  }
  const now = LESSON_ALIASES[old];
  return {
    submission: copy,
    name: name === `${old}.ipynb` ? `${now}.ipynb` : name,
    note: `handed out as ${old}, before the lessons were renumbered: graded as ${now}`,
  };
}
