#!/usr/bin/env node
// `npm run grade -- SUBMISSION.ipynb …`: the autograder. For each submission:
//   1. check it is a notebook of this course (matched to a source notebook by nbgrader grade_id);
//   2. assemble what runs: its locked cells taken from the source (edited ones restored, deleted ones
//      re-inserted), its solution cells and own cells kept; every test cell becomes a call into the
//      grader's judge (scripts/grading-guard.cjs), which compiled the source's test — hidden tests in —
//      in the grader's first cell, before any student code ran;
//   3. run it one cell at a time in a fresh tslab kernel (test/harness/grade_notebook.py) with
//      RACE_LAB_GRADING=1, a per-cell timeout, a hard limit per submission, in a PID namespace where the
//      system allows one (else under a child subreaper), so every process it started is ended;
//   4. score: a test earns its points only on the judge's signed verdict "passed" (never on the
//      kernel's reply status alone: that comes from the student's process).
// Prints a score table per exercise; --out writes grades.csv, grades.json and feedback notebooks.
import { Command, InvalidArgumentError } from "commander";
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT, findHarnessPython, kernelSpec } from "./jupyter.mjs";
import { COURSE_SOURCE, NotebookError, assemble, cellText, loadSources, matchSource, readNotebook, removeHiddenTests, sourceLines } from "./nbgrader.mjs";

/** @typedef {import("./nbgrader.mjs").Cell} Cell */
/** @typedef {import("./nbgrader.mjs").Source} Source */
/** @typedef {import("./nbgrader.mjs").Assembled} Assembled */
/**
 * One cell as the backend (test/harness/grade_notebook.py) reports it; `verdict` is the judge's, for a test cell.
 * @typedef {{ index: number; role: string; grade_id: string | null; status: string; error: string | null; verdict?: { passed: boolean; detail: string } | null }} CellResult
 */
/**
 * The backend's RESULT, or why there is none.
 * @typedef {{ cells: CellResult[]; restarts: { cell: number; reason: string }[]; leftovers: string[]; fatal: string | null; error?: undefined } | { error: string }} BackendRun
 */
/** @typedef {{ exercise: string; points: number; maxPoints: number; status: string; detail: string }} Exercise */
/**
 * One submission's grades, as printed and written to grades.json.
 * @typedef {{ submission: string; notebook: string | null; score: number; maxScore: number; exercises: Exercise[]; notes: string[]; processesEnded: string[]; error: string | null; seconds: number }} Graded
 */

const BACKEND = path.join(ROOT, "test", "harness", "grade_notebook.py");
const GUARD = path.join(ROOT, "scripts", "grading-guard.cjs");
// The TypeScript that tslab compiles cells with: the judge compiles the tests with the same one.
const TYPESCRIPT = path.join(ROOT, "node_modules", "@tslab", "typescript-for-tslab");
const KERNEL = "race-lab-grader";
// `npm run grade` runs in the project root; paths the instructor typed are relative to where they typed them.
const HERE = process.env.INIT_CWD || process.cwd();

/** @param {number} max */
function seconds(max) {
  return (/** @type {string} */ value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`a whole number of seconds from 1 to ${max}`);
    return n;
  };
}

const program = new Command()
  .name("grade")
  .description("Grade submitted notebooks of this course: locked cells restored from the source, the source's tests judged by the grader, one cell at a time, fresh kernel each.")
  .argument("<submissions...>", "the students' notebooks (.ipynb)")
  .option("--source <dir>", "the course's source notebooks (with solutions and hidden tests)", COURSE_SOURCE)
  .option("--out <dir>", "write grades.csv and grades.json (after each submission) and the executed notebooks (feedback/) there")
  .option("--timeout <seconds>", "how long one cell may run before the kernel is restarted", seconds(3600), 120)
  .option("--limit <seconds>", "how long one submission may take in all before it is stopped (default: 30 cells' timeouts)", seconds(86_400))
  .option("--feedback-hidden-tests", "show the hidden tests in the feedback notebooks (left out by default)", false)
  .parse();
const opts = program.opts();
const sourceDir = path.resolve(HERE, opts.source);
const outDir = opts.out ? path.resolve(HERE, opts.out) : null;
const limitS = opts.limit ?? 30 * (opts.timeout + 15);

/**
 * A kernelspec of the grader's own, in a private Jupyter data folder, running this checkout's tslab:
 * grading never depends on which clone last ran `npm run setup`.
 */
function privateKernel() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "race-lab-grader-jupyter-"));
  mkdirSync(path.join(dataDir, "kernels", KERNEL), { recursive: true });
  writeFileSync(path.join(dataDir, "kernels", KERNEL, "kernel.json"), JSON.stringify({ ...kernelSpec(), display_name: "Race Lab grader" }));
  return dataDir;
}

/**
 * What the backend runs under: `unshare`'s PID namespace where the system allows it (every process of a
 * submission dies with it), and `setpriv --pdeathsig` so that it also dies if this process is killed.
 */
function backendPrefix() {
  const works = (/** @type {string[]} */ argv) => spawnSync(argv[0], [...argv.slice(1), "true"], { stdio: "ignore", timeout: 10_000 }).status === 0;
  const prefix = [];
  if (works(["setpriv", "--pdeathsig", "KILL"])) prefix.push("setpriv", "--pdeathsig", "KILL");
  const unshare = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"];
  const namespace = works(unshare);
  return { prefix: namespace ? [...prefix, ...unshare] : prefix, namespace };
}

/**
 * @param {string} source
 * @param {string} role
 * @param {string | null} [gradeId]
 * @returns {Cell}
 */
function codeCell(source, role, gradeId = null) {
  return { cell_type: "code", execution_count: null, metadata: { race_lab_grading: { role, grade_id: gradeId } }, outputs: [], source: sourceLines(source) };
}

/**
 * What a test cell sends to the kernel: a call into the judge, which runs the source's test itself.
 * @param {string} gradeId
 */
function judgeCall(gradeId) {
  return `// Race Lab grader: runs the course's test ${gradeId}, as compiled before any student code ran.\nawait Reflect.get(globalThis, Symbol.for("race-lab.grader")).run(${JSON.stringify(gradeId)});`;
}

/**
 * The notebook the backend runs (setup first; its source is written by the backend), and the tests' sources.
 * @param {Source} source
 * @param {Assembled} assembled
 */
function gradingNotebook(source, assembled) {
  /** @type {Cell[]} */
  const cells = [{ ...codeCell("// Race Lab grader: setup", "setup"), id: "grader-setup" }];
  /** @type {Record<string, string>} test cell's grade_id → its source, hidden tests in */
  const tests = {};
  /** @type {Record<number, string>} cell index → the test's source the feedback notebook shows */
  const feedbackSources = {};
  for (const e of assembled.cells) {
    const meta = { ...(e.cell.metadata ?? {}), race_lab_grading: { role: e.role, grade_id: e.gradeId } };
    if (e.role === "test" && e.gradeId) {
      tests[e.gradeId] = cellText(e.cell);
      feedbackSources[cells.length] = opts.feedbackHiddenTests ? cellText(e.cell) : removeHiddenTests(cellText(e.cell), e.gradeId);
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

/**
 * Runs the backend for one submission, with no pipe of ours handed down and a hard wall-clock limit.
 * @param {string} python
 * @param {ReturnType<typeof gradingNotebook>} graded
 * @param {string | null} feedbackFile
 * @returns {Promise<BackendRun>}
 */
function runBackend(python, graded, feedbackFile) {
  const courseRoot = path.dirname(sourceDir);
  // The kernel's working folder sits beside the course's notebooks folder, so relative paths
  // (../python/…) and `import … from "race-lab"` resolve as in the lessons. It stays empty unless the
  // student's code writes there (git status ignores an empty folder), and is removed afterwards.
  const cwd = mkdtempSync(path.join(courseRoot, ".grading-"));
  const work = mkdtempSync(path.join(tmpdir(), "race-lab-grade-"));
  const job = path.join(work, "job.json");
  const result = path.join(work, "result.json");
  const log = path.join(work, "backend.log");
  writeFileSync(job, JSON.stringify({
    notebook: graded.nb, cwd, timeout: opts.timeout, kernel: KERNEL, notebook_out: feedbackFile ?? null,
    feedback_sources: graded.feedbackSources, work,
    judge: { guard: GUARD, typescript: TYPESCRIPT, tests: graded.tests },
  }));
  const logFd = openSync(log, "w");
  return new Promise((resolve) => {
    // stdin from /dev/null and output to a file: a daemon that keeps the kernel's stdio open holds nothing of ours.
    const argv = [...backend.prefix, python, BACKEND, job, result];
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", logFd, logFd], detached: true, env: { ...process.env, JUPYTER_DATA_DIR: jupyterData } });
    closeSync(logFd);
    running = { child, cwd, work };
    let limitHit = false;
    /** @type {NodeJS.Timeout | undefined} */
    let killTimer;
    // The backend's pid: unshare's child inside the namespace, else the child itself.
    const backendPid = () => {
      if (!backend.namespace) return child.pid;
      try {
        return Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(/\s+/)[0]) || null;
      } catch {
        return null;
      }
    };
    const timer = setTimeout(() => {
      limitHit = true;
      // The backend first: on SIGTERM it stops the kernel, ends what it left and reports what it graded.
      // Then, whatever is left: its process group (with unshare, the whole namespace dies with it).
      try {
        const pid = backendPid();
        if (pid) process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 15_000);
    }, limitS * 1000);
    child.on("error", () => {}); // reported through the missing result below
    child.on("close", (code, signal) => {
      running = null;
      clearTimeout(timer);
      clearTimeout(killTimer);
      let parsed = null;
      try {
        parsed = JSON.parse(readFileSync(result, "utf8"));
      } catch {
        // reported below
      }
      const tail = (() => {
        try {
          return readFileSync(log, "utf8").trim().split("\n").slice(-5).join(" | ");
        } catch {
          return "";
        }
      })();
      rmSync(work, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
      const stopped = `the submission ran past the limit of ${limitS} s (--limit) and was stopped`;
      if (parsed) resolve(limitHit ? { ...parsed, fatal: stopped } : parsed);
      else if (limitHit) resolve({ error: stopped });
      else resolve({ error: `the grader's backend failed (exit ${code ?? signal}): ${tail}` });
    });
  });
}

/**
 * One row per exercise: points only on the judge's signed verdict.
 * @param {Assembled} assembled
 * @param {{ cells: CellResult[] }} run
 * @returns {Exercise[]}
 */
function score(assembled, run) {
  /** @type {Map<number, CellResult>} */
  const byIndex = new Map();
  run.cells.forEach((c) => byIndex.set(c.index, c));
  /** @type {Exercise[]} */
  const exercises = [];
  let index = 1; // cell 0 is the setup cell
  for (const e of assembled.cells) {
    if (e.role === "test" && e.gradeId) {
      const cell = byIndex.get(index);
      const status = cell?.status ?? "skipped";
      const verdict = cell?.verdict ?? null;
      const passed = verdict?.passed === true;
      let detail = "";
      if (!passed) {
        if (status === "timeout") detail = cell?.error ?? "";
        else if (verdict) detail = verdict.detail;
        else if (status === "ok") detail = "no verdict from the grader's judge: the submission interfered with the kernel";
        else detail = cell?.error ?? "not run";
      }
      exercises.push({
        exercise: e.gradeId,
        points: passed ? e.points : 0,
        maxPoints: e.points,
        status: passed ? "passed" : status === "timeout" ? "timed out" : status === "skipped" ? "not run" : "failed",
        detail,
      });
    }
    index += 1;
  }
  return exercises;
}

/**
 * @param {string} python
 * @param {string} file
 * @param {Source[]} sources
 * @returns {Promise<Graded>}
 */
async function gradeOne(python, file, sources) {
  const started = Date.now();
  /** @type {Graded} */
  const result = { submission: file, notebook: null, score: 0, maxScore: 0, exercises: [], notes: [], processesEnded: [], error: null, seconds: 0 };
  try {
    const submission = readNotebook(path.resolve(HERE, file));
    const source = matchSource(submission, sources, file);
    result.notebook = source.name;
    const assembled = assemble(source, submission);
    result.notes.push(...assembled.notes);
    const feedback = outDir ? path.join(outDir, "feedback", file.replace(/^(\.\.?\/)+/, "").replace(/[/\\]/g, "__")) : null;
    if (feedback) mkdirSync(path.dirname(feedback), { recursive: true });
    const run = await runBackend(python, gradingNotebook(source, assembled), feedback);
    if (run.error !== undefined) {
      result.exercises = score(assembled, { cells: [] });
      result.error = `grading stopped: ${run.error}`;
    } else {
      result.exercises = score(assembled, run);
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

/** @param {Graded} r */
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
function writeGradebook(outDir, results) {
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

/** @type {Source[]} */
let sources = [];
try {
  sources = loadSources(sourceDir);
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
const jupyterData = privateKernel();
const backend = backendPrefix();
/**
 * The submission being graded, ended with us if we are stopped (Ctrl-C reaches only this process: the backend has its own group).
 * @type {{ child: import("node:child_process").ChildProcess; cwd: string; work: string } | null}
 */
let running = null;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    console.error(`grade: stopped (${sig})${outDir ? "; the gradebook holds the submissions graded so far" : ""}`);
    if (running) {
      try {
        if (running.child.pid) process.kill(-running.child.pid, "SIGKILL"); // with unshare, the namespace and all in it; else the backend's group
      } catch {
        // already gone
      }
      rmSync(running.work, { recursive: true, force: true });
      rmSync(running.cwd, { recursive: true, force: true });
    }
    rmSync(jupyterData, { recursive: true, force: true });
    process.exit(130);
  });
}
/** @type {Graded[]} */
const results = [];
try {
  for (const file of program.args) {
    const r = await gradeOne(python, file, sources);
    printResult(r);
    results.push(r);
    if (outDir) writeGradebook(outDir, results);
  }
} finally {
  rmSync(jupyterData, { recursive: true, force: true });
}
const failed = results.filter((r) => r.error).length;
console.log(`graded ${results.length - failed} submission(s)${failed ? `, ${failed} could not be graded` : ""}${outDir ? `; gradebook in ${path.join(outDir, "grades.csv")} and grades.json` : ""}`);
process.exit(failed ? 1 : 0);
