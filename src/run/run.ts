import { RaceLabArgumentError } from "../core/errors";
import { type Destination, encodeForProcess, encodeForThread } from "../core/shared-object";
import { MAX_TIMEOUT_MS, MAX_WORKERS, checkArray, checkFunction, checkOptions, checkTimeout } from "../core/validate";
import { GATE_OPEN, GATE_READY } from "./gate";
import { type TravelingFunction, checkSendable, packFunction } from "./travel";
import { Run } from "./worker-run";
// Loaded for its effect: a function among the arguments travels as the run's own function does.
import "./function-arguments";

// Running one function in N worker threads or N child processes, all released together by a start
// gate: the options, what travels, and the calls a cell makes. One run's life: worker-run.ts.

/**
 * Options of {@link runThreads} and {@link runProcesses}.
 *
 * @example
 * ```ts
 * await runThreads(work, [[1], [2]], { timeoutMs: 5_000, prefixOutput: false, label: "deposit" });
 * ```
 */
export interface RunOptions {
  /** How long the whole run may take, in ms (default 60 000, at most 600 000). */
  timeoutMs?: number;
  /** Prefix each line a worker prints with "[thread 1] " / "[process 2] " (default true). */
  prefixOutput?: boolean;
  /** Names the run in errors (default: the function's name). */
  label?: string;
}

/**
 * Default timeout of a run: one minute.
 *
 * @example
 * ```ts
 * await runThreads(work, [[]], { timeoutMs: 2 * DEFAULT_RUN_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;

export { GATE_OPEN, GATE_READY };
export type { ChildMessage, WorkerMessage, WorkerTask } from "./messages";

function checkRunOptions(opts: unknown): Required<RunOptions> & { labelGiven: boolean } {
  const o = checkOptions<Record<string, unknown>>("opts", opts, "{ timeoutMs, prefixOutput, label }", [
    "timeoutMs",
    "prefixOutput",
    "label",
  ]);
  const timeoutMs = checkTimeout("opts.timeoutMs", o.timeoutMs, DEFAULT_RUN_TIMEOUT_MS);
  if (timeoutMs < 1) throw new RaceLabArgumentError("opts.timeoutMs", `a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`, timeoutMs);
  if (o.prefixOutput !== undefined && typeof o.prefixOutput !== "boolean") {
    throw new RaceLabArgumentError("opts.prefixOutput", "true or false", o.prefixOutput);
  }
  if (o.label !== undefined && (typeof o.label !== "string" || o.label.length < 1 || o.label.length > 80)) {
    throw new RaceLabArgumentError("opts.label", "a string of 1 to 80 characters", o.label);
  }
  return {
    timeoutMs,
    prefixOutput: (o.prefixOutput as boolean | undefined) ?? true,
    label: (o.label as string | undefined) ?? "",
    labelGiven: o.label !== undefined,
  };
}

/**
 * Checks argument lists and encodes them for `to` (shared objects become their shared state).
 *
 * @internal
 * @example
 * ```ts
 * const encoded = encodeArgLists("argLists", [[v, 1000]], "thread");
 * ```
 */
export function encodeArgLists(name: string, argLists: unknown[][], to: Destination): unknown[][] {
  return argLists.map((args, i) => {
    if (!Array.isArray(args)) throw new RaceLabArgumentError(`${name}[${i}]`, "an array of arguments", args);
    checkSendable(args, `${name}[${i}]`, to, { functions: true });
    return to === "thread" ? encodeForThread(args) : encodeForProcess(args);
  });
}

/**
 * Checks `fn` and packs it to travel.
 *
 * @internal
 * @example
 * ```ts
 * const packed = packForRun(work, "thread");
 * ```
 */
export function packForRun(fn: unknown, to: Destination): TravelingFunction {
  checkFunction("fn", fn);
  if (/^class\b/.test(Function.prototype.toString.call(fn))) {
    throw new RaceLabArgumentError("fn", "a function (a class cannot be called as a worker's function)", fn);
  }
  return packFunction(fn as (...args: any[]) => unknown, to);
}

/**
 * Runs a prepared set of jobs: worker i runs `jobsPerWorker[i]` one after another. Used by
 * {@link runThreads}, {@link runProcesses} and `Pool`.
 *
 * @internal
 * @example
 * ```ts
 * const perWorker = await runJobs("thread", work, [[[1], [2]], [[3]]], {}); // [[r1, r2], [r3]]
 * ```
 */
export async function runJobs(kind: Destination, fn: unknown, jobsPerWorker: unknown[][][], opts: unknown): Promise<unknown[][]> {
  const options = checkRunOptions(opts);
  const packed = packForRun(fn, kind);
  checkArray("workers", jobsPerWorker, MAX_WORKERS, 1);
  const run = new Run(
    kind,
    options.labelGiven ? options.label : packed.name || "anonymous function",
    options.prefixOutput,
    options.timeoutMs,
  );
  run.start(packed, jobsPerWorker);
  return run.promise;
}

async function runEach(kind: Destination, fn: unknown, argLists: unknown, opts: unknown): Promise<unknown[]> {
  checkFunction("fn", fn);
  const lists = checkArray("argLists", argLists, MAX_WORKERS, 1) as unknown[][];
  const encoded = encodeArgLists("argLists", lists, kind);
  const perWorker = await runJobs(
    kind,
    fn,
    encoded.map((args) => [args]),
    opts,
  );
  return perWorker.map((results) => results[0]);
}

/**
 * Runs `fn` in one worker thread per argument list, all started together through a start gate, and
 * returns their results in order. Shared objects (Value, SharedArray, locks, raw SharedArrayBuffers)
 * in the arguments arrive live: every thread sees the same memory.
 *
 * @example
 * ```ts
 * const counter = new Value("i", 0);
 * await runThreads((v, n) => { for (let i = 0; i < n; i++) v.value += 1; }, [[counter, 1e5], [counter, 1e5]]);
 * console.log(counter.value); // often less than 200000: lost updates
 * ```
 * Warning: `fn` travels as source code, with the functions, classes and constants of earlier cells
 * it uses (so does a function passed as an argument); a variable it assigns or a live object cannot
 * travel (`TravelError`). One worker failing ends all
 * (`WorkerFailedError`); the run ends after `timeoutMs` (`RunTimeoutError`).
 */
export function runThreads<R>(fn: (...args: any[]) => R | Promise<R>, argLists: unknown[][], opts?: RunOptions): Promise<Awaited<R>[]> {
  return runEach("thread", fn, argLists, opts) as Promise<Awaited<R>[]>;
}

/**
 * Runs `fn` in one child process per argument list (a separate Node.js process each, sharing no
 * memory), all started together, and returns their results in order.
 *
 * @example
 * ```ts
 * const dir = runFolder();
 * await runProcesses((file, n) => { … append n lines to file … }, [[path.join(dir, "c.txt"), 1000], [path.join(dir, "c.txt"), 1000]]);
 * ```
 * Warning: arguments are copied; shared-memory objects throw `NotSharableError` (share through files,
 * `FileLock` or a `Manager` instead). Each process takes tens of milliseconds to start.
 */
export function runProcesses<R>(fn: (...args: any[]) => R | Promise<R>, argLists: unknown[][], opts?: RunOptions): Promise<Awaited<R>[]> {
  return runEach("process", fn, argLists, opts) as Promise<Awaited<R>[]>;
}
