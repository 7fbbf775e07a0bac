// The backend runner: runs grader/backend.py on one job (validated both ways) in a PID namespace, with a hard time limit.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { kernelSpec } from "../scripts/kernelspec.mjs";
import { validate } from "./validate.mjs";

/** @typedef {import("./notebook.mjs").Notebook} Notebook */
/**
 * One cell as the backend reports it (schema: cellResult); `verdict` is the judge's, for a test cell.
 * @typedef {{ index: number; role: string; grade_id: string | null; status: string; error: string | null; verdict?: { gradeId: string; passed: boolean; detail: string } | null }} CellResult
 */
/**
 * The backend's result (schema: result), or why there is none.
 * @typedef {{ cells: CellResult[]; restarts: { cell: number; reason: string }[]; leftovers: string[]; fatal: string | null; error?: undefined } | { error: string }} BackendRun
 */
/**
 * What the job asks besides the notebook: the course's tests by grade_id and the feedback's sources by cell index.
 * @typedef {{ nb: Notebook; tests: Record<string, string>; feedbackSources: Record<number, string> }} GradingJob
 */
/**
 * One grading session's backend: how it is started, and the job running now (ended with us if we are stopped).
 * @typedef {{ python: string; prefix: string[]; namespace: boolean; jupyterData: string; timeout: number; limitS: number; courseRoot: string; running: { child: import("node:child_process").ChildProcess; cwd: string; work: string } | null }} Backend
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BACKEND = path.join(HERE, "backend.py");
const JUDGE = path.join(HERE, "judge.cjs");
// The TypeScript that tslab compiles cells with: the judge compiles the tests with the same one.
const TYPESCRIPT = createRequire(import.meta.url)("../src/kernel/tslab-modules.cjs").tslabTypeScriptFolder();
const KERNEL = "race-lab-grader";

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
  const works = (/** @type {string[]} */ argv) =>
    spawnSync(argv[0], [...argv.slice(1), "true"], { stdio: "ignore", timeout: 10_000 }).status === 0;
  const prefix = [];
  if (works(["setpriv", "--pdeathsig", "KILL"])) prefix.push("setpriv", "--pdeathsig", "KILL");
  const unshare = ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc"];
  const namespace = works(unshare);
  return { prefix: namespace ? [...prefix, ...unshare] : prefix, namespace };
}

/**
 * A backend for one grading session; closeBackend() removes what it made.
 * @param {{ python: string; timeout: number; limitS: number; courseRoot: string }} options
 * @returns {Backend}
 */
export function openBackend({ python, timeout, limitS, courseRoot }) {
  return { python, ...backendPrefix(), jupyterData: privateKernel(), timeout, limitS, courseRoot, running: null };
}

/**
 * Ends the job running now, if any (with unshare: the namespace and all in it; else the backend's group).
 * @param {Backend} backend
 */
export function stopBackend(backend) {
  const running = backend.running;
  if (running) {
    try {
      if (running.child.pid) process.kill(-running.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(running.work, { recursive: true, force: true });
    rmSync(running.cwd, { recursive: true, force: true });
  }
  closeBackend(backend);
}

/** @param {Backend} backend */
export function closeBackend(backend) {
  rmSync(backend.jupyterData, { recursive: true, force: true });
}

/**
 * The job (schema: job) for one assembled submission, validated.
 * @param {GradingJob} graded
 * @param {{ cwd: string; work: string; timeout: number; feedbackFile: string | null }} where
 */
export function jobFor(graded, { cwd, work, timeout, feedbackFile }) {
  const job = {
    notebook: graded.nb,
    cwd,
    timeout,
    kernel: KERNEL,
    notebook_out: feedbackFile,
    feedback_sources: graded.feedbackSources,
    work,
    judge: { module: JUDGE, typescript: TYPESCRIPT, tests: graded.tests },
  };
  validate("job", job);
  return job;
}

/** @param {string} file */
function tailOf(file) {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return "";
  }
}

/**
 * Runs the backend on one job, with no pipe of ours handed down and a hard wall-clock limit.
 * @param {Backend} backend
 * @param {GradingJob} graded
 * @param {string | null} feedbackFile
 * @returns {Promise<BackendRun>}
 */
export function runJob(backend, graded, feedbackFile) {
  // The kernel's working folder sits beside the course's notebooks folder, so relative paths
  // (../python/…) and `import … from "race-lab"` resolve as in the lessons. It stays empty unless the
  // student's code writes there (git status ignores an empty folder), and is removed afterwards.
  const cwd = mkdtempSync(path.join(backend.courseRoot, ".grading-"));
  const work = mkdtempSync(path.join(tmpdir(), "race-lab-grade-"));
  const jobFile = path.join(work, "job.json");
  const resultFile = path.join(work, "result.json");
  const log = path.join(work, "backend.log");
  const job = jobFor(graded, { cwd, work, timeout: backend.timeout, feedbackFile });
  writeFileSync(jobFile, JSON.stringify(job));
  const logFd = openSync(log, "w");
  return new Promise((resolve) => {
    // stdin from /dev/null and output to a file: a daemon that keeps the kernel's stdio open holds nothing of ours.
    const argv = [...backend.prefix, backend.python, BACKEND, jobFile, resultFile];
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", logFd, logFd],
      detached: true,
      env: { ...process.env, JUPYTER_DATA_DIR: backend.jupyterData },
    });
    closeSync(logFd);
    backend.running = { child, cwd, work };
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
    }, backend.limitS * 1000);
    child.on("error", () => {}); // reported through the missing result below
    child.on("close", (code, signal) => {
      backend.running = null;
      clearTimeout(timer);
      clearTimeout(killTimer);
      /** @type {any} */
      let parsed = null;
      let invalid = null;
      try {
        parsed = JSON.parse(readFileSync(resultFile, "utf8"));
        validate("result", parsed);
      } catch (e) {
        if (parsed) invalid = /** @type {Error} */ (e).message;
        parsed = null;
      }
      const tail = tailOf(log);
      rmSync(work, { recursive: true, force: true });
      rmSync(cwd, { recursive: true, force: true });
      const stopped = `the submission ran past the limit of ${backend.limitS} s (--limit) and was stopped`;
      if (parsed) resolve(limitHit ? { ...parsed, fatal: stopped } : parsed);
      else if (invalid) resolve({ error: `the grader's backend wrote ${invalid}` });
      else if (limitHit) resolve({ error: stopped });
      else resolve({ error: `the grader's backend failed (exit ${code ?? signal}): ${tail}` });
    });
  });
}
