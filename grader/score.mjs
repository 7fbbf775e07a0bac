// Scoring: each exercise's points from the judge's verdict for its test cell, found by grade_id (never by position).
import { CELL_STATUS, EXERCISE_STATUS, ROLE } from "./schema.mjs";

/** @typedef {import("./notebook.mjs").Assembled} Assembled */
/** @typedef {import("./runner.mjs").CellResult} CellResult */
/** @typedef {{ exercise: string; points: number; maxPoints: number; status: string; detail: string }} Exercise */

/**
 * One row per exercise of the assembled submission, in its order: points only on the judge's verdict
 * "passed" for that exercise's test (never on the kernel's reply status alone: that comes from the
 * student's process). A test cell's result is found by its grade_id, so cells the student moved, added
 * or deleted cannot shift a verdict onto another exercise.
 * @param {Assembled} assembled
 * @param {CellResult[]} cells the backend's results; none when it gave no result
 * @returns {Exercise[]}
 */
export function score(assembled, cells) {
  /** @type {Map<string, CellResult[]>} */
  const byGradeId = new Map();
  for (const c of cells) {
    if (c.role !== ROLE.test || !c.grade_id) continue;
    byGradeId.set(c.grade_id, [...(byGradeId.get(c.grade_id) ?? []), c]);
  }
  return assembled.cells.flatMap((e) => {
    if (e.role !== ROLE.test || !e.gradeId) return [];
    const found = byGradeId.get(e.gradeId) ?? [];
    // assemble() keeps one test cell per grade_id: two results for one are not the course's run.
    const cell = found.length === 1 ? found[0] : undefined;
    const status = cell?.status ?? CELL_STATUS.skipped;
    const verdict = cell?.verdict ?? null;
    const passed = verdict?.passed === true && verdict.gradeId === e.gradeId;
    let detail = "";
    if (!passed) {
      if (found.length > 1) detail = `the test ${e.gradeId} ran ${found.length} times in one submission`;
      else if (status === CELL_STATUS.timeout) detail = cell?.error ?? "";
      else if (verdict) detail = verdict.detail;
      else if (status === CELL_STATUS.ok) detail = "no verdict from the grader's judge: the submission interfered with the kernel";
      else detail = cell?.error ?? "not run";
    }
    const shown = passed
      ? EXERCISE_STATUS.passed
      : status === CELL_STATUS.timeout
        ? EXERCISE_STATUS.timed_out
        : status === CELL_STATUS.skipped
          ? EXERCISE_STATUS.not_run
          : EXERCISE_STATUS.failed;
    return [{ exercise: e.gradeId, points: passed ? e.points : 0, maxPoints: e.points, status: shown, detail }];
  });
}
