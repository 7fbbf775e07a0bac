#!/usr/bin/env node
// `npm run grade -- SUBMISSION.ipynb …`: the autograder's command line. For each submission:
//   1. match it to a source notebook of the course by nbgrader grade_id (assemble.mjs), a notebook
//      handed out before the lessons were renumbered read under the new numbers (renumbered.mjs);
//   2. assemble what runs: its locked cells taken from the source (edited ones restored, deleted ones
//      re-inserted), its solution cells and own cells kept; every test cell becomes a call into the
//      judge (judge.cjs), which compiled the source's test — hidden tests in — in the first cell,
//      before any student code ran;
//   3. run it one cell at a time in a fresh tslab kernel (runner.mjs → backend.py) with
//      RACE_LAB_GRADING=1, a per-cell timeout, a hard limit per submission, in a PID namespace where the
//      system allows one (else under a child subreaper), so every process it started is ended;
//   4. score each exercise by its grade_id, on the judge's signed verdict only (score.mjs).
// Prints a score table per exercise; --out writes grades.csv, grades.json and feedback notebooks (gradebook.mjs).
import { Command, InvalidArgumentError } from "commander";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { findHarnessPython } from "../scripts/jupyter.mjs";
import { assemble, gradingNotebook, matchSource } from "./assemble.mjs";
import { printResult, writeGradebook } from "./gradebook.mjs";
import { renumberedSubmission } from "./renumbered.mjs";
import { COURSE_SOURCE, NotebookError, loadSources, readNotebook } from "./notebook.mjs";
import { closeBackend, openBackend, runJob, stopBackend } from "./runner.mjs";
import { score } from "./score.mjs";

/** @typedef {import("./notebook.mjs").Source} Source */
/** @typedef {import("./gradebook.mjs").Graded} Graded */
/** @typedef {import("./runner.mjs").Backend} Backend */
/**
 * One `npm run grade`'s settings, read once from the command line.
 * @typedef {{ here: string; outDir: string | null; feedbackHiddenTests: boolean }} Settings
 */

/** @param {number} max */
function seconds(max) {
  return (/** @type {string} */ value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number of seconds from 1 to ${max}`);
    return n;
  };
}

/** @param {string[]} argv */
function parse(argv) {
  return new Command()
    .name("grade")
    .description(
      "Grade submitted notebooks of this course: locked cells restored from the source, the source's tests judged by the grader, one cell at a time, fresh kernel each.",
    )
    .argument("<submissions...>", "the students' notebooks (.ipynb)")
    .option("--source <dir>", "the course's source notebooks (with solutions and hidden tests)", COURSE_SOURCE)
    .option("--out <dir>", "write grades.csv and grades.json (after each submission) and the executed notebooks (feedback/) there")
    .option("--timeout <seconds>", "how long one cell may run before the kernel is restarted", seconds(3600), 120)
    .option(
      "--limit <seconds>",
      "how long one submission may take in all before it is stopped (default: 30 cells' timeouts)",
      seconds(86_400),
    )
    .option("--feedback-hidden-tests", "show the hidden tests in the feedback notebooks (left out by default)", false)
    .parse(argv);
}

/**
 * @param {Settings} settings
 * @param {Backend} backend
 * @param {string} file
 * @param {Source[]} sources
 * @returns {Promise<Graded>}
 */
async function gradeOne(settings, backend, file, sources) {
  const started = Date.now();
  /** @type {Graded} */
  const result = {
    submission: file,
    notebook: null,
    score: 0,
    maxScore: 0,
    exercises: [],
    notes: [],
    processesEnded: [],
    error: null,
    seconds: 0,
  };
  try {
    const renumbered = renumberedSubmission(readNotebook(path.resolve(settings.here, file)), file);
    if (renumbered.note) result.notes.push(renumbered.note);
    const submission = renumbered.submission;
    const source = matchSource(submission, sources, file, renumbered.name);
    result.notebook = source.name;
    const assembled = assemble(source, submission);
    result.notes.push(...assembled.notes);
    const feedback = settings.outDir
      ? path.join(settings.outDir, "feedback", file.replace(/^(\.\.?\/)+/, "").replace(/[/\\]/g, "__"))
      : null;
    if (feedback) mkdirSync(path.dirname(feedback), { recursive: true });
    const run = await runJob(backend, gradingNotebook(source, assembled, settings), feedback);
    if (run.error !== undefined) {
      result.exercises = score(assembled, []);
      result.error = `grading stopped: ${run.error}`;
    } else {
      result.exercises = score(assembled, run.cells);
      for (const r of run.restarts) result.notes.push(`kernel restarted: ${r.reason}`);
      result.processesEnded = run.leftovers;
      if (run.leftovers.length) result.notes.push(`ended ${run.leftovers.length} process(es) the submission left running`);
      if (run.fatal) result.error = `grading stopped: ${run.fatal}`;
    }
    result.score = result.exercises.reduce((s, e) => s + e.points, 0);
    result.maxScore = result.exercises.reduce((s, e) => s + e.maxPoints, 0);
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    result.error = e.message;
  }
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  return result;
}

/**
 * Grades every submission named on the command line; resolves to the process's exit status.
 * @param {string[]} argv
 * @returns {Promise<number>}
 */
async function main(argv) {
  const program = parse(argv);
  const opts = program.opts();
  // `npm run grade` runs in the project root; paths the instructor typed are relative to where they typed them.
  const here = process.env.INIT_CWD || process.cwd();
  const sourceDir = path.resolve(here, opts.source);
  /** @type {Settings} */
  const settings = { here, outDir: opts.out ? path.resolve(here, opts.out) : null, feedbackHiddenTests: opts.feedbackHiddenTests };
  /** @type {Source[]} */
  let sources;
  try {
    sources = loadSources(sourceDir);
    if (sources.length === 0) throw new NotebookError(`${opts.source}: no notebook there has nbgrader exercise cells`);
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    console.error(`grade: ${e.message}`);
    return 1;
  }
  const python = findHarnessPython();
  if (!python) {
    console.error("grade: no Python with nbclient found. Run `npm run setup -- --ci`, or set RACE_LAB_PYTHON.");
    return 1;
  }
  const backend = openBackend({
    python,
    timeout: opts.timeout,
    limitS: opts.limit ?? 30 * (opts.timeout + 15),
    courseRoot: path.dirname(sourceDir),
  });
  // Ctrl-C reaches only this process (the backend has its own group): end the submission being graded with us.
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      console.error(`grade: stopped (${sig})${settings.outDir ? "; the gradebook holds the submissions graded so far" : ""}`);
      stopBackend(backend);
      process.exit(130);
    });
  }
  /** @type {Graded[]} */
  const results = [];
  try {
    for (const file of program.args) {
      const r = await gradeOne(settings, backend, file, sources);
      printResult(r);
      results.push(r);
      if (settings.outDir) writeGradebook(settings.outDir, results);
    }
  } finally {
    closeBackend(backend);
  }
  const failed = results.filter((r) => r.error).length;
  const where = settings.outDir ? `; gradebook in ${path.join(settings.outDir, "grades.csv")} and grades.json` : "";
  console.log(`graded ${results.length - failed} submission(s)${failed ? `, ${failed} could not be graded` : ""}${where}`);
  return failed ? 1 : 0;
}

process.exit(await main(process.argv));
