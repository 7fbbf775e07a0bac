#!/usr/bin/env node
// `npm run grade -- SUBMISSION.ipynb …`: the autograder. For each submission:
//   1. check it is a notebook of this course (matched to a source notebook by nbgrader grade_id);
//   2. assemble what runs: its locked cells and test cells taken from the source (edited ones restored,
//      deleted ones re-inserted, hidden tests back in), its solution cells and own cells kept, plus the
//      grader's setup cell first and a guard cell before each test (scripts/grading-guard.cjs);
//   3. run it one cell at a time in a fresh tslab kernel (test/harness/grade_notebook.py) with
//      RACE_LAB_GRADING=1, a per-cell timeout, and every process it started ended afterwards;
//   4. score: a test cell earns its points only when its reply status is `ok`.
// Prints a score table per exercise; --out writes grades.csv, grades.json and feedback notebooks.
import { Command, InvalidArgumentError } from "commander";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, TSLAB_BIN, findHarnessPython } from "./jupyter.mjs";
import { NotebookError, assemble, loadSources, matchSource, readNotebook, sourceLines } from "./nbgrader.mjs";

const BACKEND = path.join(ROOT, "test", "harness", "grade_notebook.py");
const GUARD = path.join(ROOT, "scripts", "grading-guard.cjs");

function seconds(value) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError("a whole number of seconds from 1 to 3600");
  return n;
}

const program = new Command()
  .name("grade")
  .description("Grade submitted notebooks of this course: locked and test cells restored from the source, one cell at a time, fresh kernel each.")
  .argument("<submissions...>", "the students' notebooks (.ipynb)")
  .option("--source <dir>", "the course's source notebooks (with solutions and hidden tests)", path.join(ROOT, "instructor"))
  .option("--out <dir>", "write grades.csv, grades.json and the executed notebooks (feedback/) there")
  .option("--timeout <seconds>", "how long one cell may run before the kernel is restarted", seconds, 120)
  .option("--kernel <name>", "the Jupyter kernel to run", "tslab")
  .parse();
const opts = program.opts();

/** The kernel "tslab" must be this checkout's (else we would grade with another copy's library). */
function checkKernel(python) {
  const probe = spawnSync(
    python,
    ["-c", `import json; from jupyter_client.kernelspec import KernelSpecManager as K; print(json.dumps(K().get_kernel_spec(${JSON.stringify(opts.kernel)}).argv))`],
    { encoding: "utf8", timeout: 60_000 },
  );
  let argv = null;
  try {
    argv = JSON.parse(probe.stdout);
  } catch {
    // reported below
  }
  if (!argv) return `kernel "${opts.kernel}" is not registered with Jupyter: run npm run setup`;
  if (opts.kernel === "tslab" && path.resolve(argv[1] ?? "") !== TSLAB_BIN) return `kernel "tslab" runs ${argv.slice(0, 2).join(" ")}, not this checkout's tslab: run npm run setup`;
  return null;
}

function codeCell(source, role, gradeId = null) {
  return { cell_type: "code", execution_count: null, metadata: { race_lab_grading: { role, grade_id: gradeId } }, outputs: [], source: sourceLines(source) };
}

const SETUP = `// Race Lab grader: freezes the exercise checks before any student code runs.
require(${JSON.stringify(GUARD)}).install(require.resolve("race-lab"));`;
const GUARD_CELL = `// Race Lab grader: the test below runs with the course's own check helpers.
import { check, expectEqual, expectTrue, expectBetween } from "race-lab";
require(${JSON.stringify(GUARD)}).verify();`;

/** The notebook the backend runs: setup, then the assembled cells with a guard before each test. */
function gradingNotebook(source, assembled) {
  const cells = [{ ...codeCell(SETUP, "setup"), id: "grader-setup" }];
  for (const e of assembled.cells) {
    if (e.role === "test") cells.push({ ...codeCell(GUARD_CELL, "guard", e.gradeId), id: `grader-guard-${cells.length}` });
    const meta = { ...(e.cell.metadata ?? {}), race_lab_grading: { role: e.role, grade_id: e.gradeId } };
    cells.push({ ...e.cell, metadata: meta });
  }
  // nbformat 4.5 wants a unique id on every cell; students' notebooks may lack them or repeat them.
  const used = new Set();
  cells.forEach((cell, i) => {
    let id = typeof cell.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id) ? cell.id : `cell-${i}`;
    while (used.has(id)) id = `${id.slice(0, 56)}-${i}`;
    used.add(id);
    cell.id = id;
  });
  return { ...source.nb, nbformat: 4, nbformat_minor: 5, cells };
}

function runBackend(python, nb, feedbackFile) {
  const courseRoot = path.dirname(path.resolve(opts.source));
  // The kernel's working folder sits beside the course's notebooks folder, so relative paths
  // (../python/…) and `import … from "race-lab"` resolve as in the lessons. It stays empty unless the
  // student's code writes there (git status ignores an empty folder), and is removed afterwards.
  const cwd = mkdtempSync(path.join(courseRoot, ".grading-"));
  const work = mkdtempSync(path.join(tmpdir(), "race-lab-grade-"));
  try {
    const job = path.join(work, "job.json");
    const result = path.join(work, "result.json");
    writeFileSync(job, JSON.stringify({ notebook: nb, cwd, timeout: opts.timeout, kernel: opts.kernel, notebook_out: feedbackFile ?? null }));
    const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;
    // Each cell is bounded by --timeout and restarts are capped, so this bound is never the one that trips.
    const r = spawnSync(python, [BACKEND, job, result], { encoding: "utf8", timeout: (codeCells + 10) * (opts.timeout + 15) * 1000 });
    let parsed = null;
    try {
      parsed = JSON.parse(readFileSync(result, "utf8"));
    } catch {
      // reported below
    }
    if (!parsed) throw new Error(`the grader's backend failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-5).join(" | ")}`);
    return parsed;
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** One row per exercise: points only for a test cell whose reply status is ok. */
function score(assembled, run) {
  const byIndex = new Map();
  run.cells.forEach((c) => byIndex.set(c.index, c));
  const exercises = [];
  let index = 1; // cell 0 is the setup cell
  for (const e of assembled.cells) {
    if (e.role === "test") index += 1; // its guard
    if (e.role === "test") {
      const cell = byIndex.get(index);
      const status = cell?.status ?? "skipped";
      const passed = status === "ok";
      exercises.push({
        exercise: e.gradeId,
        points: passed ? e.points : 0,
        maxPoints: e.points,
        status: passed ? "passed" : status === "timeout" ? "timed out" : status === "skipped" ? "not run" : "failed",
        detail: passed ? "" : (cell?.error ?? "not run"),
      });
    }
    index += 1;
  }
  return exercises;
}

function gradeOne(python, file, sources) {
  const started = Date.now();
  const result = { submission: file, notebook: null, score: 0, maxScore: 0, exercises: [], notes: [], processesEnded: [], error: null, seconds: 0 };
  try {
    const submission = readNotebook(file);
    const source = matchSource(submission, sources, file);
    result.notebook = source.name;
    const assembled = assemble(source, submission);
    result.notes.push(...assembled.notes);
    const feedback = opts.out ? path.join(opts.out, "feedback", file.replace(/^(\.\.?\/)+/, "").replace(/[/\\]/g, "__")) : null;
    if (feedback) mkdirSync(path.dirname(feedback), { recursive: true });
    const run = runBackend(python, gradingNotebook(source, assembled), feedback);
    result.exercises = score(assembled, run);
    result.score = result.exercises.reduce((s, e) => s + e.points, 0);
    result.maxScore = result.exercises.reduce((s, e) => s + e.maxPoints, 0);
    for (const r of run.restarts) result.notes.push(`kernel restarted: ${r.reason}`);
    result.processesEnded = run.leftovers;
    if (run.leftovers.length) result.notes.push(`ended ${run.leftovers.length} process(es) the submission left running`);
    if (run.fatal) result.error = `grading stopped: ${run.fatal}`;
  } catch (e) {
    if (!(e instanceof NotebookError) && !/grader's backend/.test(e.message)) throw e;
    result.error = e.message;
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

function printResult(r) {
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

function csvField(value) {
  const s = String(value ?? "");
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function writeGradebook(results) {
  mkdirSync(opts.out, { recursive: true });
  const rows = [["submission", "notebook", "exercise", "points", "max_points", "status", "detail"]];
  for (const r of results) {
    if (r.error && r.exercises.length === 0) rows.push([r.submission, r.notebook ?? "", "", 0, 0, "not graded", r.error]);
    for (const e of r.exercises) rows.push([r.submission, r.notebook, e.exercise, e.points, e.maxPoints, e.status, e.detail]);
  }
  writeFileSync(path.join(opts.out, "grades.csv"), rows.map((row) => row.map(csvField).join(",")).join("\n") + "\n");
  writeFileSync(path.join(opts.out, "grades.json"), JSON.stringify({ gradedAt: new Date().toISOString(), submissions: results }, null, 2) + "\n");
}

let sources;
try {
  sources = loadSources(path.resolve(opts.source));
  if (sources.length === 0) throw new NotebookError(`${opts.source}: no notebook there has nbgrader exercise cells`);
} catch (e) {
  if (!(e instanceof NotebookError)) throw e;
  console.error(`grade: ${e.message}`);
  process.exit(1);
}
const python = findHarnessPython();
if (!python) {
  console.error("grade: no Python with nbclient found. Run `npm run setup -- --ci`, or set RACE_LAB_PYTHON.");
  process.exit(1);
}
const kernelProblem = checkKernel(python);
if (kernelProblem) {
  console.error(`grade: ${kernelProblem}`);
  process.exit(1);
}

const results = [];
for (const file of program.args) {
  const r = gradeOne(python, file, sources);
  printResult(r);
  results.push(r);
}
if (opts.out) writeGradebook(results);
const failed = results.filter((r) => r.error).length;
console.log(`graded ${results.length - failed} submission(s)${failed ? `, ${failed} could not be graded` : ""}${opts.out ? `; gradebook in ${path.join(opts.out, "grades.csv")} and grades.json` : ""}`);
process.exit(failed ? 1 : 0);
