// The course's exercise cells, in nbgrader's format (metadata.nbgrader, schema_version 3), shared by
// scripts/release.mjs (student notebooks) and scripts/grade.mjs (the autograder).
//
// Cell kinds, as nbgrader names them:
//   solution cell  { solution: true }                      the student writes here (BEGIN/END SOLUTION)
//   test cell      { grade: true, locked: true, points }   calls check(…); may hold hidden tests
//   locked cell    { locked: true }                        text and demos the student must not change
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * One notebook cell, as nbformat 4 stores it.
 * @typedef {{ cell_type: string; id?: string; metadata: Record<string, any>; source: string | string[]; outputs?: unknown[]; execution_count?: number | null; attachments?: unknown }} Cell
 */
/**
 * An nbformat 4 notebook.
 * @typedef {{ cells: Cell[]; metadata: Record<string, any>; nbformat: number; nbformat_minor: number }} Notebook
 */
/** @typedef {"test" | "solution" | "locked"} Role */
/**
 * A source notebook of the course (solutions and hidden tests in).
 * @typedef {{ name: string; file: string; nb: Notebook }} Source
 */
/**
 * One cell of the notebook the grader runs.
 * @typedef {{ cell: Cell; role: Role | "student"; gradeId: string | null; points: number }} Entry
 */
/** @typedef {{ cells: Entry[]; notes: string[] }} Assembled */

/**
 * The course's source notebooks (solutions and hidden tests in): what the grader grades against and the
 * release is built from. The one place that names the folder.
 */
export const COURSE_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "instructor");

/** A file that cannot be graded or released: not a notebook, a broken one, or not from this course. */
export class NotebookError extends Error {}

const BEGIN_SOLUTION = /^[ \t]*\/\/[ \t]*BEGIN SOLUTION\b.*$/;
const END_SOLUTION = /^[ \t]*\/\/[ \t]*END SOLUTION\b.*$/;
const BEGIN_HIDDEN = /^[ \t]*\/\/[ \t]*BEGIN HIDDEN TESTS\b.*$/;
const END_HIDDEN = /^[ \t]*\/\/[ \t]*END HIDDEN TESTS\b.*$/;
const IMPORT_FROM_RACE_LAB = /^import\s*\{([^}]*)\}\s*from\s*["']race-lab["']/m;
const IMPORTS_NOT_IMPLEMENTED = /import\s*\{[^}]*\bnotImplemented\b[^}]*\}\s*from\s*["']race-lab["']/;

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
 * "test" (autograded, earns points), "solution", "locked", or null (an ordinary cell).
 * @param {Cell} cell
 * @returns {Role | null}
 */
export function roleOf(cell) {
  const m = nbgraderOf(cell);
  if (!m) return null;
  if (m.grade && !m.solution && cell.cell_type === "code") return "test";
  if (m.solution) return "solution";
  if (m.locked) return "locked";
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
      cell && typeof cell === "object" && ["code", "markdown", "raw"].includes(cell.cell_type) &&
      (typeof cell.source === "string" || (Array.isArray(cell.source) && cell.source.every((/** @type {unknown} */ s) => typeof s === "string")));
    if (!ok) throw new NotebookError(`${file}: malformed notebook: cell ${i} has no valid cell_type and text source`);
  });
  return nb;
}

// --- release: solutions out, hidden tests out --------------------------------------------------

const CONTROL = /^\s*(?:\}\s*)?(?:if|else|for|while|do|switch|try|catch|finally|with|return|class|interface|namespace)\b/;

/**
 * Strips comments and string literals from one line, so that braces in them are not counted.
 * @param {string} line
 */
function codeOnly(line) {
  return line
    .replace(/\/\/.*$/, "")
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

/**
 * The name of the function or method whose body holds line `at`, or null.
 * @param {string[]} lines
 * @param {number} at
 * @returns {string | null}
 */
export function enclosingFunctionName(lines, at) {
  let depth = 0;
  for (let j = at - 1; j >= 0; j--) {
    const code = codeOnly(lines[j]);
    for (let k = code.length - 1; k >= 0; k--) {
      if (code[k] === "}") depth++;
      else if (code[k] === "{" && depth > 0) depth--;
      else if (code[k] === "{") {
        // An unmatched "{": the block we are in. A signature may span a few lines.
        const head = [...lines.slice(Math.max(0, j - 4), j).map(codeOnly), code.slice(0, k)].join(" ");
        const name = functionNameAtEnd(head, code.slice(0, k));
        if (name) return name;
        // A loop, an if, an object literal…: look further out.
      }
    }
  }
  return null;
}

/**
 * @param {string} head the opener line with up to four lines before it
 * @param {string} openerLine the line up to its unmatched "{"
 * @returns {string | null}
 */
function functionNameAtEnd(head, openerLine) {
  const arrow = /\b([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=\s*(?:async\s+)?(?:\(.*\)|[A-Za-z_$][\w$]*)\s*(?::[^=]*)?=>\s*$/.exec(openerLine);
  if (arrow) return arrow[1];
  const fnHere = [...openerLine.matchAll(/\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)/g)].pop();
  if (fnHere) return fnHere[1];
  if (CONTROL.test(openerLine)) return null;
  const method = /^\s*(?:(?:public|private|protected|static|async|override|get|set)\s+)*\*?\s*([A-Za-z_$][\w$]*)\s*(?:<[^(]*>)?\s*\(/.exec(openerLine);
  if (method && !["if", "for", "while", "switch", "catch", "with", "function"].includes(method[1])) return method[1];
  // A signature over several lines: `function name(` on an earlier one, `): T {` on this one.
  if (/^\s*[),:]/.test(openerLine)) {
    const fn = [...head.matchAll(/\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)/g)].pop();
    if (fn) return fn[1];
  }
  return null;
}

/**
 * Replaces each `// BEGIN SOLUTION` … `// END SOLUTION` region by a stub that throws
 * NotImplementedError: `notImplemented("<the enclosing function's name>")`. The stub returns `never`,
 * so the function stays type-correct whatever it returns.
 * @param {string} text
 * @param {string} [where] names the cell in errors
 * @returns {{ text: string; found: number }}
 */
export function stubSolutions(text, where = "a solution cell") {
  const lines = text.split("\n");
  const out = [];
  let found = 0;
  for (let i = 0; i < lines.length; i++) {
    if (END_SOLUTION.test(lines[i])) throw new NotebookError(`${where}: "// END SOLUTION" without a BEGIN SOLUTION before it (line ${i + 1})`);
    if (!BEGIN_SOLUTION.test(lines[i])) {
      out.push(lines[i]);
      continue;
    }
    const end = lines.findIndex((l, k) => k > i && END_SOLUTION.test(l));
    if (end < 0) throw new NotebookError(`${where}: "// BEGIN SOLUTION" on line ${i + 1} has no "// END SOLUTION"`);
    const indent = /^[ \t]*/.exec(lines[i])?.[0] ?? "";
    const name = enclosingFunctionName(lines, i) ?? "this exercise";
    out.push(`${indent}// YOUR CODE HERE`, `${indent}notImplemented(${JSON.stringify(name)});`);
    found++;
    i = end;
  }
  return { text: out.join("\n"), found };
}

/**
 * Removes each `// BEGIN HIDDEN TESTS` … `// END HIDDEN TESTS` region, markers included.
 * @param {string} text
 * @param {string} [where] names the cell in errors
 * @returns {string}
 */
export function removeHiddenTests(text, where = "a test cell") {
  const lines = text.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (!BEGIN_HIDDEN.test(lines[i])) {
      if (END_HIDDEN.test(lines[i])) throw new NotebookError(`${where}: "// END HIDDEN TESTS" without a BEGIN before it (line ${i + 1})`);
      out.push(lines[i]);
      continue;
    }
    const end = lines.findIndex((l, k) => k > i && END_HIDDEN.test(l));
    if (end < 0) throw new NotebookError(`${where}: "// BEGIN HIDDEN TESTS" on line ${i + 1} has no "// END HIDDEN TESTS"`);
    i = end;
  }
  return out.join("\n");
}

/**
 * The student's version of one cell (no outputs). `notImplementedInScope`: an earlier cell imports it.
 * @param {Cell} cell
 * @param {boolean} notImplementedInScope
 * @param {string} where names the cell in errors
 * @returns {Cell}
 */
export function releaseCell(cell, notImplementedInScope, where) {
  const role = roleOf(cell);
  const out = structuredClone(cell);
  let text = cellText(cell);
  if (role === "solution" && cell.cell_type === "code") {
    const stubbed = stubSolutions(text, where);
    if (stubbed.found === 0) {
      throw new NotebookError(`${where}: a solution cell without "// BEGIN SOLUTION" … "// END SOLUTION" (mark the part the student writes)`);
    }
    text = stubbed.text;
    // The stub needs notImplemented; import it here unless an earlier cell did (importing twice is fine in
    // tslab): into the cell's own import from race-lab when it has one, else on a line of its own.
    if (!notImplementedInScope && !IMPORTS_NOT_IMPLEMENTED.test(text)) {
      const merged = text.replace(IMPORT_FROM_RACE_LAB, (_all, /** @type {string} */ names) => `import { ${names.trim()}, notImplemented } from "race-lab"`);
      text = merged !== text ? merged : `import { notImplemented } from "race-lab";\n${text}`;
    }
  } else if (role === "solution") {
    text = "YOUR ANSWER HERE"; // a written answer (markdown), as nbgrader releases it
  } else if (role === "test") {
    text = removeHiddenTests(text, where);
  }
  out.source = sourceLines(text);
  if (out.cell_type === "code") {
    out.outputs = [];
    out.execution_count = null;
  }
  return out;
}

/**
 * The student notebook: solutions stubbed, hidden tests removed, outputs cleared, metadata kept.
 * @param {Notebook} nb
 * @param {string} [name] names the notebook in errors
 * @returns {Notebook}
 */
export function releaseNotebook(nb, name = "notebook") {
  const out = structuredClone(nb);
  let inScope = false;
  out.cells = nb.cells.map((cell, i) => {
    const released = releaseCell(cell, inScope, `${name} cell ${i}`);
    if (cell.cell_type === "code" && IMPORTS_NOT_IMPLEMENTED.test(cellText(released))) inScope = true;
    return released;
  });
  return out;
}

/**
 * What a released notebook must never contain.
 * @param {Notebook} nb
 * @returns {string[]}
 */
export function leaks(nb) {
  /** @type {string[]} */
  const found = [];
  nb.cells.forEach((cell, i) => {
    const text = cellText(cell);
    if (/BEGIN SOLUTION|END SOLUTION/.test(text)) found.push(`cell ${i}: solution markers`);
    if (/BEGIN HIDDEN TESTS|END HIDDEN TESTS/.test(text)) found.push(`cell ${i}: hidden tests`);
    if (cell.cell_type === "code" && (cell.outputs?.length ?? 0) > 0) found.push(`cell ${i}: outputs`);
  });
  return found;
}

/**
 * The graded exercises of a source notebook, in order.
 * @param {Notebook} nb
 * @returns {{ gradeId: string; points: number }[]}
 */
export function testCells(nb) {
  return nb.cells.flatMap((c) => {
    const m = nbgraderOf(c);
    return m && roleOf(c) === "test" ? [{ gradeId: m.grade_id, points: Number(m.points ?? 0) }] : [];
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
  return readdirSync(folder).filter((f) => f.endsWith(".ipynb")).sort();
}

/**
 * The source notebook a submission comes from: the one sharing the most nbgrader grade_ids with it
 * (students rename files, so the name is only a tie-breaker). Throws NotebookError when none shares any.
 * @param {Notebook} submission
 * @param {Source[]} sources
 * @param {string} file the submission's path
 * @returns {Source}
 */
export function matchSource(submission, sources, file) {
  const ids = new Set(submission.cells.map((c) => nbgraderOf(c)?.grade_id).filter(Boolean));
  /** @type {Source | null} */
  let best = null;
  let bestScore = 0;
  for (const s of sources) {
    const shared = s.nb.cells.filter((c) => ids.has(nbgraderOf(c)?.grade_id)).length;
    const score = shared + (path.basename(file) === s.name ? 0.5 : 0);
    if (shared > 0 && score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  if (!best) {
    throw new NotebookError(
      `${file}: not from this course: none of its cells carries the nbgrader grade_id of a cell in ` +
        `${sources.map((s) => s.name).join(", ") || "the course's notebooks"}`,
    );
  }
  return best;
}

/**
 * The notebook the grader runs: the submission with every locked cell and test cell taken from the
 * source by grade_id (an edited one restored, a deleted one re-inserted where the source has it), the
 * student's solution cells and own cells kept (a deleted solution cell comes back as its stub).
 * @param {Source} source
 * @param {Notebook} submission
 * @returns {Assembled}
 */
export function assemble(source, submission) {
  const released = releaseNotebook(source.nb, source.name);
  /** @type {Map<string, { cell: Cell; released: Cell; role: Role | null; index: number }>} */
  const byId = new Map();
  source.nb.cells.forEach((cell, i) => {
    const m = nbgraderOf(cell);
    if (m && !byId.has(m.grade_id)) byId.set(m.grade_id, { cell, released: released.cells[i], role: roleOf(cell), index: i });
  });
  /** @type {string[]} */
  const notes = [];
  /** @type {Entry[]} */
  const out = [];
  const seen = new Set();
  for (const cell of submission.cells) {
    const id = nbgraderOf(cell)?.grade_id;
    const src = id ? byId.get(id) : undefined;
    if (src && seen.has(id)) {
      notes.push(`dropped a second copy of cell ${id}`);
      continue;
    }
    if (src) seen.add(id);
    if (src && (src.role === "test" || src.role === "locked")) {
      const text = cellText(cell);
      if ((text !== cellText(src.released) && text !== cellText(src.cell)) || cell.cell_type !== src.cell.cell_type) {
        notes.push(`restored edited ${src.role === "test" ? "test" : "locked"} cell ${id}`);
      }
      out.push(entry(src.cell, src.role, id));
    } else if (src && src.role === "solution") {
      out.push(entry({ ...structuredClone(cell), cell_type: src.cell.cell_type, metadata: structuredClone(src.cell.metadata) }, "solution", id));
    } else {
      // The student's own cell. Any nbgrader metadata it carries is not the course's: it earns nothing.
      const own = structuredClone(cell);
      if (own.metadata) delete own.metadata.nbgrader;
      out.push(entry(own, "student", null));
    }
  }
  // Re-insert what the student deleted, right after the source cell that precedes it.
  let after = -1;
  for (const [id, src] of byId) {
    const at = out.findIndex((e) => e.gradeId === id);
    if (at >= 0) {
      after = at;
      continue;
    }
    if (!src.role) continue;
    const cell = src.role === "solution" ? src.released : src.cell;
    out.splice(after + 1, 0, entry(cell, src.role, id));
    after += 1;
    notes.push(`re-inserted deleted ${src.role} cell ${id}${src.role === "solution" ? " (as its stub)" : ""}`);
  }
  for (const e of out) {
    const src = e.role === "test" && e.gradeId ? byId.get(e.gradeId) : undefined;
    if (src) e.points = Number(nbgraderOf(src.cell)?.points ?? 0);
  }
  return { cells: out, notes };
}

/**
 * @param {Cell} cell
 * @param {Entry["role"]} role
 * @param {string | null} gradeId
 * @returns {Entry}
 */
function entry(cell, role, gradeId) {
  const copy = structuredClone(cell);
  if (copy.cell_type === "code") {
    copy.outputs = [];
    copy.execution_count = null;
  }
  return { cell: copy, role, gradeId, points: 0 };
}

/**
 * A file system error's code (ENOENT…), else its message.
 * @param {unknown} e
 */
function errorCode(e) {
  const err = /** @type {NodeJS.ErrnoException} */ (e);
  return err.code ?? err.message;
}
