// The gradebook: each submission's score table printed, and grades.csv / grades.json written after every submission.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";

/** @typedef {import("./score.mjs").Exercise} Exercise */
/**
 * One submission's grades, as printed and written to grades.json.
 * @typedef {{ submission: string; notebook: string | null; score: number; maxScore: number; exercises: Exercise[]; notes: string[]; processesEnded: string[]; error: string | null; seconds: number }} Graded
 */

/** @param {Graded} r */
export function printResult(r) {
  const head = r.notebook ? `${r.submission} (${r.notebook}): ${r.score}/${r.maxScore}, ${r.seconds} s` : `${r.submission}: NOT GRADED`;
  console.log(head);
  const width = Math.max(8, ...r.exercises.map((e) => e.exercise.length));
  for (const e of r.exercises) {
    const detail = e.detail ? `: ${e.detail.length > 160 ? e.detail.slice(0, 159) + "…" : e.detail}` : "";
    console.log(`  ${e.exercise.padEnd(width)}  ${`${e.points}/${e.maxPoints}`.padStart(5)}  ${e.status}${detail}`);
  }
  for (const n of r.notes) console.log(`  note: ${n}`);
  if (r.error) console.log(`  error: ${r.error}`);
}

/** @param {unknown} value */
function csvField(value) {
  const s = String(value ?? "");
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Written after every submission (each file replaced whole, by a rename), so a stopped run keeps what it graded.
 * @param {string} outDir
 * @param {Graded[]} results
 */
export function writeGradebook(outDir, results) {
  mkdirSync(outDir, { recursive: true });
  /** @type {(string | number | null)[][]} */
  const rows = [["submission", "notebook", "exercise", "points", "max_points", "status", "detail"]];
  for (const r of results) {
    if (r.error && r.exercises.length === 0) rows.push([r.submission, r.notebook ?? "", "", 0, 0, "not graded", r.error]);
    for (const e of r.exercises) rows.push([r.submission, r.notebook, e.exercise, e.points, e.maxPoints, e.status, e.detail]);
  }
  const put = (/** @type {string} */ name, /** @type {string} */ text) => {
    const file = path.join(outDir, name);
    writeFileSync(`${file}.partial`, text);
    renameSync(`${file}.partial`, file);
  };
  put("grades.csv", rows.map((row) => row.map(csvField).join(",")).join("\n") + "\n");
  put("grades.json", JSON.stringify({ gradedAt: new Date().toISOString(), submissions: results }, null, 2) + "\n");
}
