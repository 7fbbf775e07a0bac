// Assembling a submission: matched to its source notebook by grade_id, locked and test cells restored, the notebook the backend runs.
import path from "node:path";
import { NotebookError, cellText, nbgraderOf, roleOf, sourceLines } from "./notebook.mjs";
import { releaseNotebook } from "./release-notebook.mjs";
import { ROLE } from "./schema.mjs";
import { removeHiddenTests } from "./solutions.mjs";

/** @typedef {import("./notebook.mjs").Cell} Cell */
/** @typedef {import("./notebook.mjs").Notebook} Notebook */
/** @typedef {import("./notebook.mjs").Source} Source */
/** @typedef {import("./notebook.mjs").Entry} Entry */
/** @typedef {import("./notebook.mjs").Assembled} Assembled */
/** @typedef {import("./notebook.mjs").Role} Role */

/**
 * The source notebook a submission comes from: the one sharing the most nbgrader grade_ids with it
 * (students rename files, so the name is only a tie-breaker). Throws NotebookError when none shares any.
 * @param {Notebook} submission
 * @param {Source[]} sources
 * @param {string} file the submission's path
 * @param {string} [name] the file name that counts (the lesson's name now, for a notebook from before the renumbering)
 * @returns {Source}
 */
export function matchSource(submission, sources, file, name = path.basename(file)) {
  const ids = new Set(submission.cells.map((c) => nbgraderOf(c)?.grade_id).filter(Boolean));
  /** @type {Source | null} */
  let best = null;
  let bestScore = 0;
  for (const s of sources) {
    const shared = s.nb.cells.filter((c) => ids.has(nbgraderOf(c)?.grade_id)).length;
    const score = shared + (name === s.name ? 0.5 : 0);
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
    if (src && (src.role === ROLE.test || src.role === ROLE.locked)) {
      const text = cellText(cell);
      if ((text !== cellText(src.released) && text !== cellText(src.cell)) || cell.cell_type !== src.cell.cell_type) {
        notes.push(`restored edited ${src.role === ROLE.test ? "test" : "locked"} cell ${id}`);
      }
      out.push(entry(src.cell, src.role, id));
    } else if (src && src.role === ROLE.solution) {
      out.push(
        entry({ ...structuredClone(cell), cell_type: src.cell.cell_type, metadata: structuredClone(src.cell.metadata) }, ROLE.solution, id),
      );
    } else {
      // The student's own cell. Any nbgrader metadata it carries is not the course's: it earns nothing.
      const own = structuredClone(cell);
      if (own.metadata) delete own.metadata.nbgrader;
      out.push(entry(own, ROLE.student, null));
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
    const cell = src.role === ROLE.solution ? src.released : src.cell;
    out.splice(after + 1, 0, entry(cell, src.role, id));
    after += 1;
    notes.push(`re-inserted deleted ${src.role} cell ${id}${src.role === ROLE.solution ? " (as its stub)" : ""}`);
  }
  for (const e of out) {
    const src = e.role === ROLE.test && e.gradeId ? byId.get(e.gradeId) : undefined;
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
 * @param {string} source
 * @param {string} role
 * @param {string | null} [gradeId]
 * @returns {Cell}
 */
function codeCell(source, role, gradeId = null) {
  return {
    cell_type: "code",
    execution_count: null,
    metadata: { race_lab_grading: { role, grade_id: gradeId } },
    outputs: [],
    source: sourceLines(source),
  };
}

/**
 * What a test cell sends to the kernel: a call into the judge, which runs the source's test itself.
 * @param {string} gradeId
 */
function judgeCall(gradeId) {
  return `// Race Lab grader: runs the course's test ${gradeId}, as compiled before any student code ran.\nawait Reflect.get(globalThis, Symbol.for("race-lab.grader")).run(${JSON.stringify(gradeId)});`;
}

/**
 * The notebook the backend runs (setup first; its source is written by the backend), the tests' sources
 * by grade_id, and what the feedback notebook shows in each test cell. Every cell carries its role and
 * grade_id in metadata.race_lab_grading (whatever the student's copy carried there is replaced).
 * @param {Source} source
 * @param {Assembled} assembled
 * @param {{ feedbackHiddenTests: boolean }} options
 * @returns {import("./runner.mjs").GradingJob}
 */
export function gradingNotebook(source, assembled, { feedbackHiddenTests }) {
  /** @type {Cell[]} */
  const cells = [{ ...codeCell("// Race Lab grader: setup", ROLE.setup), id: "grader-setup" }];
  /** @type {Record<string, string>} */
  const tests = {};
  /** @type {Record<number, string>} */
  const feedbackSources = {};
  for (const e of assembled.cells) {
    const meta = { ...(e.cell.metadata ?? {}), race_lab_grading: { role: e.role, grade_id: e.gradeId } };
    if (e.role === ROLE.test && e.gradeId) {
      tests[e.gradeId] = cellText(e.cell);
      feedbackSources[cells.length] = feedbackHiddenTests ? cellText(e.cell) : removeHiddenTests(cellText(e.cell), e.gradeId);
      cells.push({ ...e.cell, metadata: meta, source: sourceLines(judgeCall(e.gradeId)) });
    } else {
      cells.push({ ...e.cell, metadata: meta });
    }
  }
  // nbformat 4.5 wants a unique id on every cell; students' notebooks may lack them or repeat them.
  const used = new Set();
  cells.forEach((cell, i) => {
    let id = typeof cell.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id) ? cell.id : `cell-${i}`;
    while (used.has(id)) id = `${id.slice(0, 56)}-${i}`;
    used.add(id);
    cell.id = id;
  });
  return { nb: { ...source.nb, nbformat: 4, nbformat_minor: 5, cells }, tests, feedbackSources };
}
