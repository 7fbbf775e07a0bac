// Which Python runs the lessons' ports (python/NN_name.py), asked once per kernel. Kept apart from
// python-port.ts so that setLesson() can start the question while a lesson's first cells run.
import type { ProcessPromise } from "zx";
import { atExit, onInterrupt } from "../core/lifecycle";

/** Ports running now: ended by the kernel's interrupt, and at exit (a port must not outlive its kernel). */
const running = new Set<ProcessPromise>();

function endRunningPorts(): void {
  for (const port of running) void port.kill("SIGKILL").catch(() => undefined);
}

/**
 * @internal Runs a Python program through zx's `$` (arguments quoted by zx); resolves with its exit
 * status (null when it could not start, was ended after `timeoutMs`, or was interrupted), its stdout,
 * and its stderr (plus the reason when it did not run). It never blocks the kernel's event loop, so
 * the kernel's interrupt reaches it and ends it.
 */
export async function runPython(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // zx is loaded on the first port run, not with race-lab: most cells never run one.
  const { $ } = require("zx") as typeof import("zx");
  const port = $({ timeout: timeoutMs, timeoutSignal: "SIGKILL", nothrow: true, quiet: true })`${file} ${args}`;
  running.add(port);
  atExit(endRunningPorts, "workers");
  const stopOnInterrupt = onInterrupt(endRunningPorts);
  try {
    const output = await port;
    const ended = output.exitCode === null ? `\nended by ${output.signal ?? "a signal"} (timeout ${timeoutMs} ms, or an interrupt)` : "";
    return { code: output.exitCode, stdout: output.stdout, stderr: output.stderr + ended };
  } catch (error) {
    return { code: null, stdout: "", stderr: error instanceof Error ? error.message : String(error) };
  } finally {
    running.delete(port);
    stopOnInterrupt();
  }
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
