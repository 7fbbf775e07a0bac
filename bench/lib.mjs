// Shared plumbing of the benchmark: the library as students load it, statistics, and running the
// Python side. No timing logic here beyond `timed`: each case file says what it measures.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// race-lab is CommonJS (src/dist): require it, exactly as a notebook cell's compiled import does. The
// bench measures the library from inside too (spare threads, run folders, recorded outcomes): it takes
// race-lab/internal, every module's exports (the lessons' names among them).
export const require = createRequire(path.join(ROOT, "package.json"));
export const raceLab = require("race-lab/internal");

/** Python for the ports: the first `python3` on PATH (standard library only), as the lessons use. */
export const PYTHON = process.env.RACE_LAB_BENCH_PYTHON || "python3";
/** Python with jupyter_client / nbclient, for the kernel and the notebook harness. */
export const JUPYTER_PYTHON = process.env.RACE_LAB_PYTHON || "/usr/bin/python3";

/** Milliseconds `fn` took, and what it returned. */
export async function timed(fn) {
  const started = performance.now();
  const result = await fn();
  return { ms: performance.now() - started, result };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** median, min, max of one side's samples (`ms`, or `value` where the case measures something else). */
export function summarize(samples) {
  if (!samples || samples.length === 0) return null;
  const xs = samples.map((s) => s.value ?? s.ms);
  const withAnomaly = samples.filter((s) => typeof s.anomaly === "boolean");
  return {
    n: xs.length,
    median: median(xs),
    min: Math.min(...xs),
    max: Math.max(...xs),
    anomalyRate: withAnomaly.length ? withAnomaly.filter((s) => s.anomaly).length / withAnomaly.length : null,
    observed: samples.filter((s) => s.observed !== undefined).map((s) => s.observed),
  };
}

/**
 * Runs a command and returns its stdout (rejects with its stderr on a non-zero exit). `timeoutMs`
 * kills it (and its process group) so nothing is left behind.
 */
export function runCommand(cmd, args, { cwd = ROOT, timeoutMs = 300_000, env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      // The first line names the command and the useful line of its stderr (a traceback's last line,
      // the exception); the tail of stderr follows for whoever reads the whole message.
      const shown = [cmd, ...args]
        .map((a) => (path.isAbsolute(a) && a.startsWith(ROOT + path.sep) ? path.relative(ROOT, a) : a.replace(/\s+/g, " ")))
        .join(" ");
      const error = new Error(`${shown} exited with ${code ?? signal}: ${usefulLine(stderr)}\n${stderr.trim().slice(-800)}`);
      Object.assign(error, { code, signal, stdout, stderr });
      reject(error);
    });
  });
}

/**
 * The line of a failed command's stderr that says what went wrong: a Python traceback's last line
 * (the exception and its message), otherwise the last line that is not Node's version footer.
 */
export function usefulLine(stderr) {
  const lines = String(stderr)
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() && !/^Node\.js v\d/.test(l));
  return lines.length ? lines[lines.length - 1].trim() : "(nothing on stderr)";
}

/**
 * Thrown by a case's side that cannot run on this machine (a Python port whose optional package is
 * missing, or that needs a server): its row shows "—" and this note, not an error.
 */
export class Unavailable extends Error {}

/** The Python side of a case: bench/python/bench.py CASE, parsed. */
export async function pythonCase(name, { reps, quick }) {
  const args = [path.join(ROOT, "bench", "python", "bench.py"), name, "--reps", String(reps)];
  if (quick) args.push("--quick");
  const out = JSON.parse(await runCommand(PYTHON, args));
  return out.variants;
}
