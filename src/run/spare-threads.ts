// Spare worker threads: a few started ahead, so that a run of threads finds its workers already up
// (a new Worker takes 20-35 ms on 2 cores; a run with spares ready, about a millisecond). Each spare
// serves ONE run and then ends, like a cold worker: nothing a run leaves in a thread (globals, loaded
// modules, timers) can reach the next run. Taken spares are replaced in the background after the run
// that took them has finished, never during it (their start-up would compete with the run's threads).
//
// A spare never outlives anything: it is a thread of this process (it ends with the kernel or the
// script), it is unref()'d (an idle spare does not keep a script alive), and SIGINT (a kernel
// interrupt) and endAllRuns() end every spare (run.ts).

import * as path from "path";
import { Worker } from "worker_threads";
import { libraryFolder } from "../core/environment";
import { whileHeld } from "../core/lifecycle";
import { checkInteger } from "../core/validate";

/**
 * The most spare threads {@link keepThreadsReady} accepts.
 *
 * @example
 * ```ts
 * await keepThreadsReady(MAX_SPARE_THREADS); // the most a run of 16 threads can find ready
 * ```
 */
export const MAX_SPARE_THREADS = 16;

/** By default 4 (two pools of two, the most a lesson's cell runs at once, find their threads up). */
const DEFAULT_SPARE_THREADS = 4;

/**
 * workerData of a spare: it waits for its task as a message (see worker-entry.ts), and sets
 * `up[0]` to 1 once it does.
 *
 * @internal
 * @example
 * ```ts
 * new Worker(entry, { workerData: { spare: true, up: new Int32Array(new SharedArrayBuffer(4)) } });
 * ```
 */
export interface SpareWorkerData {
  spare: true;
  up: Int32Array;
}

// TypeScript 5.6's ES2022 lib does not declare Atomics.waitAsync (ES2024); Node 20 has it.
type WaitAsync = (view: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

interface Spare {
  worker: Worker;
  /** Resolves once its entry file is loaded and it waits for a task (or it ended). */
  ready: Promise<void>;
}

const spares: Spare[] = [];
let wanted = spareCountFromEnvironment();
let topUpScheduled = false;

/** The file a worker thread loads (the same as a cold worker's). */
function entryFile(): string {
  return path.join(libraryFolder(), "run", "worker-entry.js");
}

function spareCountFromEnvironment(): number {
  const text = process.env.RACE_LAB_SPARE_THREADS;
  if (text === undefined || text.trim() === "") return DEFAULT_SPARE_THREADS;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= MAX_SPARE_THREADS ? n : DEFAULT_SPARE_THREADS;
}

function startSpare(): Spare {
  const data: SpareWorkerData = { spare: true, up: new Int32Array(new SharedArrayBuffer(4)) };
  const worker = new Worker(entryFile(), { workerData: data, stdout: true, stderr: true, execArgv: [] });
  // An idle spare must not keep a finished script alive: the run that takes it ref()s it again.
  worker.unref();
  // Not a "message" listener: that would hold the process while the spare starts. A pending
  // waitAsync holds nothing. It returns at once when the spare was already up (the flag is not 0
  // any more), so its store-then-notify cannot be missed between our check and our wait.
  const up = waitAsync(data.up, 0, 0);
  const ready = new Promise<void>((resolve) => {
    if (up.async) void (up.value as Promise<string>).then(() => resolve());
    else resolve();
    worker.once("exit", () => resolve());
  });
  const spare: Spare = { worker, ready };
  worker.once("exit", () => {
    const i = spares.indexOf(spare);
    if (i >= 0) spares.splice(i, 1); // ended while waiting (endSpareThreads, or an error at load)
  });
  worker.on("error", () => undefined); // reported as its exit; a spare has no run to tell yet
  spares.push(spare);
  return spare;
}

function topUp(): void {
  while (spares.length < wanted) startSpare();
}

/**
 * Takes a spare thread for a run, or undefined when none is left (the run then starts a cold one).
 * The caller posts the task to it (`worker.postMessage(task)`) and owns it from then on.
 *
 * @internal
 * @example
 * ```ts
 * const worker = takeSpareThread() ?? new Worker(entry, { workerData: task });
 * ```
 */
export function takeSpareThread(): Worker | undefined {
  const spare = spares.shift();
  if (!spare) return undefined;
  spare.worker.ref();
  return spare.worker;
}

/**
 * Starts spares to replace the ones taken, in the background (after the current turn of the event
 * loop). Called when a run of threads has finished.
 *
 * @internal
 * @example
 * ```ts
 * replaceSpareThreads(); // after a run's workers are gone
 * ```
 */
export function replaceSpareThreads(): void {
  if (topUpScheduled || spares.length >= wanted) return;
  topUpScheduled = true;
  setImmediate(() => {
    topUpScheduled = false;
    topUp();
  }).unref();
}

/**
 * Ends every spare thread now (they are started again after the next run). Used on interrupt and by
 * `endAllRuns()`.
 *
 * @internal
 * @example
 * ```ts
 * await endSpareThreads();
 * ```
 */
export async function endSpareThreads(): Promise<void> {
  const ending = spares.splice(0).map((s) => s.worker.terminate());
  await Promise.all(ending);
}

/**
 * Resolves once no spare thread is still starting (at once when every spare is up). A run opens its
 * start gate after this, so that its workers do not share the cores with spares being started.
 *
 * @internal
 * @example
 * ```ts
 * await sparesStarted();
 * ```
 */
export function sparesStarted(): Promise<void> {
  return Promise.all(spares.map((s) => s.ready)).then(() => undefined);
}

/**
 * How many spare threads are started and waiting for a run.
 *
 * @example
 * ```ts
 * await keepThreadsReady(2);
 * spareThreads(); // 2
 * ```
 * Warning: a snapshot: each run takes spares and they are replaced in the background, so the count drops and recovers.
 */
export function spareThreads(): number {
  return spares.length;
}

/**
 * Keeps `count` fresh worker threads started ahead (default 4, or `$RACE_LAB_SPARE_THREADS`), and
 * waits until they are up: a following `runThreads` of up to `count` threads starts in about a
 * millisecond instead of tens. Each spare serves one run only and is then replaced in the background.
 * Without this call, spares are started after the first run of threads; `keepThreadsReady(0)` ends
 * them and keeps none.
 *
 * @example
 * ```ts
 * await keepThreadsReady(2);
 * await runThreads(work, [[counter], [counter]]); // both threads were already up
 * ```
 * Warning: a spare's `process.env` is a copy taken when it started: a variable a cell sets later is
 * not seen by threads that were started before. Idle spares use a little memory each (~10 MB).
 */
export async function keepThreadsReady(count: number = DEFAULT_SPARE_THREADS): Promise<void> {
  wanted = checkInteger("count", count, 0, MAX_SPARE_THREADS);
  // Surplus spares are gone when this returns: a run timed right after keepThreadsReady(0) does not
  // share the cores with their teardown.
  const ending = spares.splice(wanted).map((s) => s.worker.terminate());
  topUp();
  // Neither an unref()'d spare nor a pending waitAsync keeps Node alive.
  await whileHeld(Promise.all([...spares.map((s) => s.ready), ...ending]));
}
