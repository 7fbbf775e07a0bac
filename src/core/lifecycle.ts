// The process's lifecycle, owned in one place: what must happen when this process ends (child
// processes ended, temporary folders removed, file locks freed), on SIGTERM, and on Ctrl-C (SIGINT).
//
// Exit hooks run once, on "exit" (process.exit, the event loop emptying), on SIGTERM (Jupyter's way
// of ending a kernel that does not leave) and on a SIGINT that nobody else handles (a plain script's
// Ctrl-C). Interrupt hooks run on every SIGINT while any is registered (the kernel's interrupt button).
// And what keeps this process alive meanwhile: an await held open (whileHeld), a child held or let go.

import type { ChildProcess } from "child_process";

/** When an exit hook runs: first everything that ends workers, then everything that removes files. */
export type ExitPhase = "workers" | "files";

const exitHooks: Record<ExitPhase, Set<() => void>> = { workers: new Set(), files: new Set() };
const interruptHooks = new Set<() => void>();
let exitInstalled = false;
let listening = false;
let listenPending = false;

/** Marks race-lab's SIGINT listener, so that it can tell whether anyone else (tslab) handles Ctrl-C. */
const RACE_LAB_LISTENER = Symbol.for("race-lab.sigint-listener");

/**
 * Runs every exit hook now (workers first, then files), each at most once. Called on exit; also by
 * the SIGINT handler of a plain script, before it lets SIGINT end the process.
 *
 * @internal
 * @example
 * ```ts
 * runExitHooks();
 * ```
 */
export function runExitHooks(): void {
  for (const phase of ["workers", "files"] as const) {
    for (const hook of [...exitHooks[phase]]) {
      exitHooks[phase].delete(hook);
      try {
        hook();
      } catch {
        // one failing clean-up must not keep the others from running
      }
    }
  }
}

/**
 * Registers `hook` to run when this process ends (exit, SIGTERM, an unhandled SIGINT). Registering
 * the same function twice keeps one.
 *
 * @internal
 * @example
 * ```ts
 * atExit(() => fs.rmSync(dir, { recursive: true, force: true }), "files");
 * ```
 */
export function atExit(hook: () => void, phase: ExitPhase): void {
  exitHooks[phase].add(hook);
  if (exitInstalled) return;
  exitInstalled = true;
  process.on("exit", runExitHooks);
  // SIGTERM's default skips "exit" handlers (children and folders would stay): exit properly instead,
  // unless someone else already handles SIGTERM.
  if (process.listenerCount("SIGTERM") === 0) process.once("SIGTERM", () => process.exit(143));
}

/**
 * Runs every interrupt hook now, as a SIGINT does: for an interrupt that reached no listener (Node
 * takes the SIGINT that comes while vm's `breakOnSigint` runs a cell's synchronous part).
 *
 * @internal
 * @example
 * ```ts
 * runInterruptHooks(); // the runs, managers and connections of the interrupted cell end
 * ```
 */
export function runInterruptHooks(): void {
  for (const hook of [...interruptHooks]) hook();
}

function onSigint(): void {
  // tslab (the kernel) has its own SIGINT listener that stops the cell; a plain script does not.
  const alone = process.listeners("SIGINT").every((l) => (l as unknown as Record<symbol, unknown>)[RACE_LAB_LISTENER]);
  runInterruptHooks();
  if (alone) {
    // Nobody else handles Ctrl-C: clean up as at exit, then let SIGINT do what it always does.
    runExitHooks();
    stopListening();
    process.kill(process.pid, "SIGINT");
  }
}
(onSigint as unknown as Record<symbol, unknown>)[RACE_LAB_LISTENER] = true;

function listenSoon(): void {
  if (listening || listenPending) return;
  // Not now: a cell's synchronous part runs under vm's breakOnSigint, which takes the SIGINT
  // listeners away, installs its own handler and, when the part ends, puts back the handler that was
  // there before it started (the default, which kills the kernel). A listener added meanwhile would
  // be left without an OS handler. Added after the cell's synchronous part, it is installed properly.
  listenPending = true;
  setImmediate(() => {
    listenPending = false;
    if (interruptHooks.size > 0 && !listening) {
      process.on("SIGINT", onSigint);
      listening = true;
    }
  });
}

function stopListening(): void {
  if (!listening) return;
  process.off("SIGINT", onSigint);
  listening = false;
}

/**
 * Registers `hook` to run on SIGINT (Ctrl-C, the kernel's interrupt) until the returned function is
 * called. race-lab listens for SIGINT only while some hook is registered.
 *
 * @internal
 * @example
 * ```ts
 * const stop = onInterrupt(() => run.fail(new RunInterruptedError("…")));
 * // … when the run is over:
 * stop();
 * ```
 */
export function onInterrupt(hook: () => void): () => void {
  interruptHooks.add(hook);
  listenSoon();
  return () => {
    interruptHooks.delete(hook);
    if (interruptHooks.size === 0) stopListening();
  };
}

/**
 * Awaits `work`, keeping this process alive until it settles: for awaiting what holds nothing by
 * itself (an unref()'d thread or child, a pending waitAsync), where a script would otherwise exit in
 * the middle of the await.
 *
 * @internal
 * @example
 * ```ts
 * await whileHeld(Promise.all(spares.map((s) => s.ready)));
 * ```
 */
export async function whileHeld<T>(work: Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(hold);
  }
}

/**
 * Holds a child process (its own handle, its IPC channel and its output pipes) so that it keeps this
 * process alive, or lets go of it (`hold` false) so that a child that only waits, a spare or a
 * server, never keeps a finished script alive.
 *
 * @internal
 * @example
 * ```ts
 * holdChild(child, false); // the exit hooks end it when this process ends
 * ```
 */
export function holdChild(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stdout, child.stderr] as ({ ref(): void; unref(): void } | null | undefined)[];
  for (const handle of handles) {
    if (hold) handle?.ref();
    else handle?.unref();
  }
}
