// The notebook model: nbformat 4 cells and notebooks, the course's nbgrader metadata (schema_version 3), reading them.
//
// Cell kinds, as nbgrader names them:
//   solution cell  { solution: true }                      the student writes here (BEGIN/END SOLUTION)
//   test cell      { grade: true, locked: true, points }   calls check(…); may hold hidden tests
//   locked cell    { locked: true }                        text and demos the student must not change
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROLE } from "./schema.mjs";

/**
 * One notebook cell, as nbformat 4 stores it.
 * @typedef {{ cell_type: string; id?: string; metadata: Record<string, any>; source: string | string[]; outputs?: unknown[]; execution_count?: number | null; attachments?: unknown }} Cell
 */
/**
 * An nbformat 4 notebook.
 * @typedef {{ cells: Cell[]; metadata: Record<string, any>; nbformat: number; nbformat_minor: number }} Notebook
 */
/** @typedef {string} Role one of grader/schema.json's roles (a source cell's: test, solution or locked) */
/**
 * A source notebook of the course (solutions and hidden tests in).
 * @typedef {{ name: string; file: string; nb: Notebook }} Source
 */
/**
 * One cell of the notebook the grader runs.
 * @typedef {{ cell: Cell; role: Role; gradeId: string | null; points: number }} Entry
 */
/** @typedef {{ cells: Entry[]; notes: string[] }} Assembled */

/**
 * The course's source notebooks (solutions and hidden tests in): what the grader grades against and the
 * release is built from. The one place that names the folder.
 */
export const COURSE_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "instructor");

/** A file that cannot be graded or released: not a notebook, a broken one, or not from this course. */
export class NotebookError extends Error {}

/**
 * A cell's source as one string (nbformat allows a string or a list of lines).
 * @param {Cell} cell
 * @returns {string}
 */
export function cellText(cell) {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
}

/**
 * nbformat's on-disk form: a list of lines, each but the last ending in "\n".
 * @param {string} text
 * @returns {string[]}
 */
export function sourceLines(text) {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

/**
 * The cell's nbgrader metadata, or null.
 * @param {Cell} cell
 * @returns {Record<string, any> | null}
 */
export function nbgraderOf(cell) {
  const m = cell?.metadata?.nbgrader;
  return m && typeof m === "object" && typeof m.grade_id === "string" && m.grade_id !== "" ? m : null;
}

/**
 * ROLE.test (autograded, earns points), ROLE.solution, ROLE.locked, or null (an ordinary cell).
 * @param {Cell} cell
 * @returns {Role | null}
 */
export function roleOf(cell) {
  const m = nbgraderOf(cell);
  if (!m) return null;
  if (m.grade && !m.solution && cell.cell_type === "code") return ROLE.test;
  if (m.solution) return ROLE.solution;
  if (m.locked) return ROLE.locked;
  return null;
}

/**
 * Reads and checks a notebook file. Throws NotebookError in plain words when it is not JSON, not an
 * nbformat 4 notebook, or has a broken cell.
 * @param {string} file
 * @returns {Notebook}
 */
export function readNotebook(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new NotebookError(`${file}: cannot read it (${errorCode(e)})`);
  }
  let nb;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new NotebookError(`${file}: not a notebook: the file is not valid JSON (${/** @type {Error} */ (e).message})`);
  }
  const isObject = nb && typeof nb === "object" && !Array.isArray(nb);
  if (isObject && (nb.nbformat === 3 || Array.isArray(nb.worksheets))) {
    throw new NotebookError(
      `${file}: an nbformat 3 notebook (an old Jupyter format, from IPython 1-3): open it in Jupyter and save it, ` +
        `or convert it with \`jupyter nbconvert --to notebook --nbformat 4 ${path.basename(file)}\`, then grade the result`,
    );
  }
  if (!isObject || !Array.isArray(nb.cells)) {
    throw new NotebookError(`${file}: not a notebook: a Jupyter notebook is a JSON object with a list of "cells"`);
  }
  if (nb.nbformat !== 4) throw new NotebookError(`${file}: not a notebook in nbformat 4 (nbformat is ${JSON.stringify(nb.nbformat)})`);
  nb.cells.forEach((/** @type {any} */ cell, /** @type {number} */ i) => {
    const ok =
      cell &&
      typeof cell === "object" &&
      ["code", "markdown", "raw"].includes(cell.cell_type) &&
      (typeof cell.source === "string" ||
        (Array.isArray(cell.source) && cell.source.every((/** @type {unknown} */ s) => typeof s === "string")));
    if (!ok) throw new NotebookError(`${file}: malformed notebook: cell ${i} has no valid cell_type and text source`);
  });
  return nb;
}

/**
 * The graded exercises of a source notebook, in order.
 * @param {Notebook} nb
 * @returns {{ gradeId: string; points: number }[]}
 */
export function testCells(nb) {
  return nb.cells.flatMap((c) => {
    const m = nbgraderOf(c);
    return m && roleOf(c) === ROLE.test ? [{ gradeId: m.grade_id, points: Number(m.points ?? 0) }] : [];
  });
}

/**
 * The course's source notebooks that have exercises.
 * @param {string} folder
 * @returns {Source[]}
 */
export function loadSources(folder) {
  let names;
  try {
    names = readdirNotebooks(folder);
  } catch (e) {
    throw new NotebookError(`${folder}: cannot list the course's notebooks (${errorCode(e)})`);
  }
  return names
    .map((name) => ({ name, file: path.join(folder, name), nb: readNotebook(path.join(folder, name)) }))
    .filter((s) => s.nb.cells.some((c) => nbgraderOf(c)));
}

/** @param {string} folder */
function readdirNotebooks(folder) {
  return readdirSync(folder)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
}

/**
 * A file system error's code (ENOENT…), else its message.
 * @param {unknown} e
 */
export function errorCode(e) {
  const err = /** @type {NodeJS.ErrnoException} */ (e);
  return err.code ?? err.message;
}
