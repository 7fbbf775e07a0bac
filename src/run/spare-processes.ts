// Spare child processes: forked ahead with Node started and the child's entry file loaded, the way
// Python's forkserver keeps a process ready, so that a run of processes finds its children up
// (starting Node and loading the entry takes a cold child most of its start: bench/ANALYSIS.md).
// The same rules as spare threads, and one more:
// - each spare serves ONE run and then exits, like a cold child: nothing a run leaves in a process
//   (globals, loaded modules, timers) reaches the next run;
// - a spare is handed out only while this process's environment and working folder are those it
//   was forked with; otherwise it is ended and the run forks a cold child, so a run's children see
//   exactly what a cold start would;
// - spares are started after a run of processes has finished, never during a run, one at a time and
//   only while the machine is nearly idle (whatever the student runs next keeps the cores), as many
//   as the largest run so far (at most MAX_SPARE_PROCESSES); an idle one ends after SPARE_IDLE_MS.
// A spare never outlives anything: it exits when its IPC channel closes (this process ended, even by
// SIGKILL), an idle one keeps no script alive (unref), and an interrupt or endAllRuns() ends them.

import { type ChildProcess, fork } from "child_process";
import * as path from "path";
import { libraryFolder } from "../core/environment";
import { holdChild, whileHeld } from "../core/lifecycle";
import { checkInteger } from "../core/validate";
import { busyShare } from "../core/machine-load";
import type { WorkerMessage } from "./messages";

/** The most spare processes kept ready. */
export const MAX_SPARE_PROCESSES = 12;

/** How long an idle spare waits for a run before it ends (each holds a Node process's memory). */
const SPARE_IDLE_MS = 120_000;

/** The machine counts as nearly idle below this busy share (on 2 cores: half a core). */
const QUIET_SHARE = 0.25;

/** How long to wait before looking again when the machine was busy. */
const BUSY_RETRY_MS = 500;

interface Spare {
  child: ChildProcess;
  /** This process's environment and working folder when the spare was forked. */
  context: string;
  /** Resolves once its entry file is loaded and it waits for a task (or it ended). */
  ready: Promise<void>;
  idleTimer: NodeJS.Timeout;
}

const spares: Spare[] = [];
let fixedCount = spareCountFromEnvironment();
let wanted = 0;
let topUpScheduled = false;
/** A spare is being started in the background: the next one waits until it is up. */
let starting = false;
/** An interrupt or endAllRuns() stopped the background start until the next run has finished. */
let halted = false;
/** Whether no run is in progress now (the caller of replaceSpareProcesses knows). */
let quiet: () => boolean = () => true;
/** Until when the background start keeps waiting for an idle machine (after that, the next run is cold). */
let startUntil = 0;

function spareCountFromEnvironment(): number | undefined {
  const text = process.env.RACE_LAB_SPARE_PROCESSES;
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= MAX_SPARE_PROCESSES ? n : undefined;
}

/** What a child inherits that a run may change between the fork and the run. */
function currentContext(): string {
  return JSON.stringify([process.cwd(), process.env]);
}

/**
 * Forks a child of a run, as a cold start and a spare both do: the same file, options and
 * environment, so that a spare is indistinguishable from a cold child.
 *
 * @internal
 * @example
 * ```ts
 * const child = takeSpareProcess() ?? forkRunChild();
 * ```
 */
export function forkRunChild(): ChildProcess {
  const child = fork(path.join(libraryFolder(), "run", "child-entry.js"), [], {
    stdio: ["pipe", "pipe", "pipe", "ipc"],
    serialization: "advanced",
    execArgv: [],
    // Marks the child as a race-lab worker: its main thread may block (sleepSync, lock.acquire).
    env: { ...process.env, RACE_LAB_WORKER: "process" },
  });
  child.stdin?.end();
  return child;
}

function startSpare(): Spare {
  const child = forkRunChild();
  holdChild(child, false);
  const ready = new Promise<void>((resolve) => {
    const loaded = (message: WorkerMessage) => {
      if (message.type !== "loaded") return;
      child.off("message", loaded);
      resolve();
    };
    child.on("message", loaded);
    child.once("exit", () => resolve());
  });
  const spare: Spare = { child, context: currentContext(), ready, idleTimer: setTimeout(() => endSpare(spare), SPARE_IDLE_MS) };
  spare.idleTimer.unref();
  child.once("exit", () => removeSpare(spare));
  child.on("error", () => undefined); // reported as its exit; a spare has no run to tell yet
  spares.push(spare);
  return spare;
}

function removeSpare(spare: Spare): boolean {
  clearTimeout(spare.idleTimer);
  const i = spares.indexOf(spare);
  if (i >= 0) spares.splice(i, 1);
  return i >= 0;
}

function endSpare(spare: Spare): Promise<void> {
  removeSpare(spare);
  const child = spare.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // Held until it has exited, so that whoever awaits its end is not left with an empty event loop.
  holdChild(child, true);
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL"); // an idle spare holds nothing of anyone's: no grace needed
  });
}

/**
 * Takes a spare process for a run, or undefined when none fits (the run then forks a cold one):
 * one forked with this process's current environment and working folder, and still running.
 * The caller sends it its task and owns it from then on.
 *
 * @internal
 * @example
 * ```ts
 * const child = takeSpareProcess() ?? forkRunChild();
 * ```
 */
export function takeSpareProcess(): ChildProcess | undefined {
  const context = currentContext();
  while (spares.length > 0) {
    const spare = spares.shift()!;
    clearTimeout(spare.idleTimer);
    const child = spare.child;
    if (spare.context === context && child.connected && child.exitCode === null && child.signalCode === null) {
      holdChild(child, true);
      return child;
    }
    void endSpare(spare); // forked before the environment or the folder changed: not what a cold start sees
  }
  return undefined;
}

/**
 * Starts spares in the background (after the current turn of the event loop), one at a time and
 * only while `noRunInProgress()`, up to the largest run of processes so far. Called when a run of
 * `count` processes has finished.
 *
 * @internal
 * @example
 * ```ts
 * replaceSpareProcesses(run.members.length, () => activeRuns() === 0); // after a run's children are gone
 * ```
 */
export function replaceSpareProcesses(count: number, noRunInProgress: () => boolean): void {
  wanted = fixedCount ?? Math.min(MAX_SPARE_PROCESSES, Math.max(wanted, count));
  quiet = noRunInProgress;
  halted = false;
  startUntil = Date.now() + SPARE_IDLE_MS;
  if (topUpScheduled || spares.length >= wanted) return;
  topUpScheduled = true;
  setImmediate(() => {
    topUpScheduled = false;
    startOneByOne();
  }).unref();
}

/** Whether a background start may go on now: spares still wanted, no run, not halted. */
function mayStart(): boolean {
  return !halted && spares.length < wanted && quiet() && Date.now() < startUntil;
}

/** Starts one spare once the machine is nearly idle, and the next once it is up, while {@link mayStart}. */
function startOneByOne(): void {
  if (starting || !mayStart()) return;
  starting = true;
  void busyShare().then((share) => {
    if (!mayStart()) {
      starting = false;
    } else if (share !== undefined && share >= QUIET_SHARE) {
      starting = false;
      setTimeout(startOneByOne, BUSY_RETRY_MS).unref(); // busy: the student's work first
    } else {
      void startSpare().ready.then(() => {
        starting = false;
        startOneByOne();
      });
    }
  });
}

/**
 * Ends every spare process now (they are started again after the next run). Used on interrupt and
 * by `endAllRuns()`.
 *
 * @internal
 * @example
 * ```ts
 * await endSpareProcesses();
 * ```
 */
export async function endSpareProcesses(): Promise<void> {
  halted = true;
  await Promise.all([...spares].map(endSpare));
}

/**
 * Resolves once no spare process is still starting. A run opens its start gate after this, so
 * that its workers do not share the cores with spares being started.
 *
 * @internal
 * @example
 * ```ts
 * await spareProcessesStarted();
 * ```
 */
export function spareProcessesStarted(): Promise<void> {
  return Promise.all(spares.map((s) => s.ready)).then(() => undefined);
}

/**
 * The process ids of the spare processes waiting for a run (started or still starting).
 *
 * @internal
 * @example
 * ```ts
 * spareProcessIds(); // [4242, 4243] after a run of two processes
 * ```
 */
export function spareProcessIds(): number[] {
  return spares.map((s) => s.child.pid!);
}

/**
 * Keeps `count` spare processes ready from now on (instead of as many as the largest run so far),
 * and waits until they are up; `keepProcessesReady(0)` ends them and keeps none, and no `count`
 * goes back to the default. For tests and the benchmark, which compare a cold start with a warm one.
 *
 * @internal
 * @example
 * ```ts
 * await keepProcessesReady(2);
 * await runProcesses(work, [[], []]); // both children were already up
 * ```
 */
export async function keepProcessesReady(count?: number): Promise<void> {
  if (count === undefined) {
    fixedCount = spareCountFromEnvironment();
    return;
  }
  fixedCount = wanted = checkInteger("count", count, 0, MAX_SPARE_PROCESSES);
  const ending = spares.slice(count).map(endSpare);
  while (spares.length < wanted) startSpare();
  await whileHeld(Promise.all([...spares.map((s) => s.ready), ...ending])); // idle spares are unref()'d
}
