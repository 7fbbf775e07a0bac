// Which Python runs the lessons' ports (python/NN_name.py), asked once per kernel. Kept apart from
// python-port.ts so that setLesson() can start the question while a lesson's first cells run.
import { execFile } from "child_process";

/**
 * @internal Runs a Python program; resolves with its exit status (null when it could not start or was
 * ended after `timeoutMs`), its stdout, and its stderr (plus the reason when it did not run).
 */
export function runPython(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (error && code === null ? String(error.message) : "") });
    });
  });
}

/** @internal The launcher to ask: $RACE_LAB_PORT_PYTHON, else `python3`. */
export function pythonExecutable(): string {
  return process.env.RACE_LAB_PORT_PYTHON || "python3";
}

/** The interpreter a launcher name stands for, found once per name and process. */
const interpreters = new Map<string, Promise<{ executable: string; version: string } | null>>();

/**
 * @internal
 * The Python that runs the ports: its own executable and version, asked once. `python3` may be a
 * launcher (a pyenv shim is a shell script that costs ~0.3 s per start; conda's and Debian's are the
 * binary itself), so later runs start `sys.executable` directly. Null when there is no Python.
 */
export function findPython(): Promise<{ executable: string; version: string } | null> {
  const launcher = pythonExecutable();
  let found = interpreters.get(launcher);
  if (!found) {
    found = runPython(launcher, ["-c", "import sys; print(sys.executable); print('Python ' + sys.version.split()[0])"], 10_000).then(
      (r) => {
        const [executable, version] = r.stdout.trim().split("\n");
        return r.code === 0 && version ? { executable: executable || launcher, version } : null;
      },
    );
    interpreters.set(launcher, found);
  }
  return found;
}

/**
 * Starts finding the ports' Python in the background, so that a lesson's first Python cell does not
 * wait for it (setLesson() calls it). Does nothing more when it was already asked.
 *
 * @internal
 * @example
 * ```ts
 * preloadPython();
 * ```
 */
export function preloadPython(): void {
  void findPython();
}
