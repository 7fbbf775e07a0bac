// The student's version of a source notebook: solutions stubbed, hidden tests removed, outputs cleared.
import { NotebookError, cellText, roleOf, sourceLines } from "./notebook.mjs";
import { ROLE } from "./schema.mjs";
import { removeHiddenTests, stubSolutions } from "./solutions.mjs";

/** @typedef {import("./notebook.mjs").Cell} Cell */
/** @typedef {import("./notebook.mjs").Notebook} Notebook */

const IMPORT_FROM_RACE_LAB = /^import\s*\{([^}]*)\}\s*from\s*["']race-lab["']/m;
const IMPORTS_NOT_IMPLEMENTED = /import\s*\{[^}]*\bnotImplemented\b[^}]*\}\s*from\s*["']race-lab["']/;

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
  if (role === ROLE.solution && cell.cell_type === "code") {
    const stubbed = stubSolutions(text, where);
    if (stubbed.found === 0) {
      throw new NotebookError(
        `${where}: a solution cell without "// BEGIN SOLUTION" … "// END SOLUTION" (mark the part the student writes)`,
      );
    }
    text = stubbed.text;
    // The stub needs notImplemented; import it here unless an earlier cell did (importing twice is fine in
    // tslab): into the cell's own import from race-lab when it has one, else on a line of its own.
    if (!notImplementedInScope && !IMPORTS_NOT_IMPLEMENTED.test(text)) {
      const merged = text.replace(
        IMPORT_FROM_RACE_LAB,
        (_all, /** @type {string} */ names) => `import { ${names.trim()}, notImplemented } from "race-lab"`,
      );
      text = merged !== text ? merged : `import { notImplemented } from "race-lab";\n${text}`;
    }
  } else if (role === ROLE.solution) {
    text = "YOUR ANSWER HERE"; // a written answer (markdown), as nbgrader releases it
  } else if (role === ROLE.test) {
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
