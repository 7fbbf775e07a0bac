import { unfinishedCellAdvice } from "./interrupt-note";

/** What an argument made by an earlier cell is described as: "a report returned by runTrials". */
const FROM_EARLIER_CELL = /\b(returned|made|given) by\b|\bresult of\b/;

/**
 * Errors thrown by race-lab. Each one says what went wrong in the words a student needs,
 * and most say what to do instead.
 *
 * @example
 * ```ts
 * try { await runThreads(work, [[1]]); } catch (e) { if (e instanceof RunTimeoutError) console.log(e.message); }
 * ```
 * Warning: the base class of race-lab's own errors only: a student's code that throws inside a worker arrives wrapped
 * in WorkerFailedError. Catch the specific subclass where you can.
 */
export class RaceLabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * A public function was called with an argument it does not accept. The message names the argument
 * and what is allowed.
 *
 * @example
 * ```ts
 * new Value("x" as any); // RaceLabArgumentError: type must be one of b, B, h, H, i, I, f, d (got "x")
 * ```
 * Warning: a mistake in the call, not bad luck: fix the argument the message names; retried unchanged, it fails again.
 */
export class RaceLabArgumentError extends RaceLabError {
  constructor(
    /** The argument's name, as in the function's signature. */
    readonly argument: string,
    /** What the argument may be. */
    readonly allowed: string,
    /** What was passed. */
    readonly got: unknown,
  ) {
    // undefined where a value an earlier cell makes belongs: that cell did not finish (an interrupt
    // leaves its `const`s undefined), and that is what the student needs to hear.
    super(
      got === undefined && FROM_EARLIER_CELL.test(allowed)
        ? `${argument} is undefined, not ${allowed}: ${unfinishedCellAdvice()}.`
        : `${argument} must be ${allowed} (got ${describe(got)})`,
    );
  }
}

/**
 * A blocking call was made on the kernel's main thread, where blocking would freeze the notebook.
 *
 * @example
 * ```ts
 * lock.acquire();            // MainThreadBlockError on the main thread
 * await lock.acquireAsync(); // fine anywhere
 * ```
 * Warning: thrown by every blocking call (acquire, wait, sleepSync, …) on the kernel's main thread: use the
 * `await …Async` form the message names, or move the call into a worker.
 */
export class MainThreadBlockError extends RaceLabError {
  constructor(call: string, asyncForm: string) {
    super(
      `${call} would block the kernel's main thread and freeze the notebook. ` +
        `Use \`await ${asyncForm}\` here, or call ${call} inside a worker thread.`,
    );
  }
}

/**
 * A run did not finish in time. Every worker and child of the run has been ended.
 *
 * @example
 * ```ts
 * await runThreads(() => { for (;;) {} }, [[]], { timeoutMs: 500 }); // RunTimeoutError
 * ```
 * Warning: thrown by the run or exploration that timed out: its results are lost. Raise `timeoutMs` or look for a
 * deadlock.
 */
export class RunTimeoutError extends RaceLabError {}

/**
 * The kernel was interrupted while a run was in progress. Every worker and child of the run has been
 * ended.
 *
 * @example
 * ```ts
 * // press ■ (interrupt) while a run is going: the cell ends with RunInterruptedError
 * ```
 * Warning: also thrown by {@link endAllRuns}; the run's results are lost, so run the cell again rather than catching
 * it.
 */
export class RunInterruptedError extends RaceLabError {}

/**
 * A worker thread or child process threw. The message names the worker and carries the original
 * error's message; every other worker of the run has been ended.
 *
 * @example
 * ```ts
 * await runThreads(() => { throw new Error("boom"); }, [[]]); // WorkerFailedError: thread 1 failed: boom
 * ```
 * Warning: the original error is reduced to its name and message (see `causeName`): its class and own fields do not
 * cross.
 */
export class WorkerFailedError extends RaceLabError {
  constructor(
    message: string,
    /** 1-based number of the worker that failed. */
    readonly worker: number,
    /** The original error's name, as reported by the worker. */
    readonly causeName: string,
  ) {
    super(message);
  }
}

/**
 * A function could not travel to a worker: it is not a plain function, or it uses something of the
 * notebook that cannot go with it (a variable it assigns to, a live object, a built-in function).
 *
 * @example
 * ```ts
 * let n = 0;
 * await runThreads(() => { n += 1; }, [[]]); // TravelError: the function uses `n` from the notebook, which cannot travel with it: the function assigns to it…
 * ```
 * Warning: a name that did not travel may only be found when a worker reaches it, after the run has started: pass it as
 * an argument rather than catching this.
 */
export class TravelError extends RaceLabError {}

/**
 * A shared-memory object was sent to a child process. Processes share no memory.
 *
 * @example
 * ```ts
 * await runProcesses((v) => v, [[new Value("i", 0)]]); // NotSharableError
 * ```
 * Warning: thrown when a shared-memory object (Value, Lock, Trace, …) is sent to a process: use threads, or a Manager's
 * objects.
 */
export class NotSharableError extends RaceLabError {}

/**
 * A lock was released by a thread that does not hold it (or was released twice).
 *
 * @example
 * ```ts
 * const lock = new Lock(); lock.release(); // LockReleaseError
 * ```
 * Warning: thrown where a lock (Lock, RLock, FileLock, a Condition's) is released without being held, or a Semaphore
 * past its bound: a logic error in the caller, so fix the code rather than catch it.
 */
export class LockReleaseError extends RaceLabError {}

/**
 * A barrier was broken (a party timed out, or `abort()` was called) while threads waited on it.
 *
 * @example
 * ```ts
 * barrier.wait(100); // BrokenBarrierError when the other parties do not arrive within 100 ms
 * ```
 * Warning: once thrown, the barrier stays broken for every party until `reset()`: catch it in each thread and stop that
 * round.
 */
export class BrokenBarrierError extends RaceLabError {}

/** @internal A short, safe description of any value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return value.constructor?.name ? `a ${value.constructor.name}` : "an object";
  return String(value);
}
