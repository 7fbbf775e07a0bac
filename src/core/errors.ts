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
    super(got === undefined && FROM_EARLIER_CELL.test(allowed)
      ? `${argument} is undefined, not ${allowed}: ${unfinishedCellAdvice()}.`
      : `${argument} must be ${allowed} (got ${describe(got)})`);
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
 */
export class TravelError extends RaceLabError {}

/**
 * A shared-memory object was sent to a child process. Processes share no memory.
 *
 * @example
 * ```ts
 * await runProcesses((v) => v, [[new Value("i", 0)]]); // NotSharableError
 * ```
 */
export class NotSharableError extends RaceLabError {}

/**
 * A lock was released by a thread that does not hold it (or was released twice).
 *
 * @example
 * ```ts
 * const lock = new Lock(); lock.release(); // LockReleaseError
 * ```
 */
export class LockReleaseError extends RaceLabError {}

/**
 * A barrier was broken (a party timed out, or `abort()` was called) while threads waited on it.
 *
 * @example
 * ```ts
 * barrier.wait(100); // BrokenBarrierError when the other parties do not arrive within 100 ms
 * ```
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
