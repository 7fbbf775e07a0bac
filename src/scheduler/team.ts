// The worker threads of one exploration: started once and reused for every schedule (a thread costs
// tens of milliseconds to start; a schedule only a few messages). Ended on success, on error, on
// timeout and on the kernel's interrupt, so nothing is left behind.

import * as path from "path";
import { Worker } from "worker_threads";
import { libraryFolder } from "../core/environment";
import { LiveSet } from "../core/live-set";
import { RunInterruptedError, WorkerFailedError } from "../core/errors";
import type { TravelingFunction } from "../run/travel";
import { ABORT, COMMAND, CONTROL_SLOTS, GRANT, type JobMessage, type ParkMessage, type TeamTask, type WorkerSettings } from "./protocol";

/** A team's threads alive right now, all teams together. */
let aliveThreads = 0;
// The kernel's interrupt stops the cell's JavaScript but not its worker threads: they are ended here
// (core/lifecycle.ts owns SIGINT; in a plain script the process then ends, and its threads with it).
const activeTeams = new LiveSet<Team>({
  interrupt: (teams) =>
    teams.forEach(
      (team) => void team.fail(new RunInterruptedError(`exploration '${team.label}' was interrupted: all its threads have been ended.`)),
    ),
});

/**
 * How many controlled worker threads (of `explore`/`replay`) are alive right now.
 *
 * @example
 * ```ts
 * await explore(options);
 * exploringThreads(); // 0: every schedule's threads have been ended
 * ```
 */
export function exploringThreads(): number {
  return aliveThreads;
}

/**
 * Ends every exploration in progress (each rejects with `RunInterruptedError`) and their threads.
 * Returns how many were ended.
 *
 * @example
 * ```ts
 * await endAllExplorations(); // after a cell was interrupted
 * ```
 */
export async function endAllExplorations(): Promise<number> {
  const teams = activeTeams.values();
  await Promise.all(
    teams.map((team) => team.fail(new RunInterruptedError(`exploration '${team.label}' was ended by endAllExplorations().`))),
  );
  return teams.length;
}

// ---------------------------------------------------------------------------------------------

/** Resolves after `ms` (or never, for Infinity) without keeping Node alive. */
function timer(ms: number): { promise: Promise<"timeout">; cancel(): void } {
  let handle: NodeJS.Timeout | undefined;
  const promise = new Promise<"timeout">((resolve) => {
    if (ms !== Infinity) handle = setTimeout(() => resolve("timeout"), ms);
  });
  return { promise, cancel: () => clearTimeout(handle) };
}

/**
 * N controlled worker threads running one function, schedule after schedule.
 *
 * @internal
 * @example
 * ```ts
 * const team = await Team.start(packed, 2, "increment", { parkLimitMs: 60_000, valuePoints: false });
 * team.send(0, encodedArgs[0]); const parked = await team.next(0, 5_000);
 * ```
 */
export class Team {
  private readonly workers: Worker[] = [];
  private readonly exited: Promise<void>[] = [];
  private readonly slots: Int32Array[] = [];
  readonly threadIds: number[] = [];
  private readonly inbox: ParkMessage[][] = [];
  private readonly waiting: (((m: ParkMessage) => void) | undefined)[] = [];
  private failure: Error | undefined;
  private failListeners: ((e: Error) => void)[] = [];
  private ending: Promise<void> | undefined;

  private constructor(readonly label: string) {}

  /** Starts the threads and waits until each has rebuilt the function. */
  static async start(fn: TravelingFunction, count: number, label: string, settings: WorkerSettings): Promise<Team> {
    const team = new Team(label);
    activeTeams.add(team);
    try {
      for (let w = 0; w < count; w++) team.spawn(w, fn, settings);
      for (let w = 0; w < count; w++) {
        const first = await team.next(w, Infinity);
        if (first === "timeout" || first.type !== "ready") throw team.workerError(w, first);
      }
    } catch (error) {
      await team.end();
      throw error;
    }
    return team;
  }

  private spawn(w: number, fn: TravelingFunction, settings: WorkerSettings): void {
    const control = new SharedArrayBuffer(CONTROL_SLOTS * 4);
    const task: TeamTask = { worker: w, fn, control, ...settings };
    const worker = new Worker(path.join(libraryFolder(), "scheduler", "worker.js"), {
      workerData: task,
      stdout: true,
      stderr: true,
      execArgv: [],
    });
    aliveThreads++;
    // process.stdout.write is looked up at each write: tslab swaps it to route output to the running cell.
    worker.stdout.on("data", (chunk) => void process.stdout.write(chunk));
    worker.stderr.on("data", (chunk) => void process.stderr.write(chunk));
    this.workers.push(worker);
    this.slots.push(new Int32Array(control));
    this.threadIds.push(worker.threadId);
    this.inbox.push([]);
    this.waiting.push(undefined);
    worker.on("message", (m: ParkMessage) => {
      const take = this.waiting[w];
      if (take) {
        this.waiting[w] = undefined;
        take(m);
      } else this.inbox[w].push(m);
    });
    worker.on(
      "error",
      (error) => void this.fail(new WorkerFailedError(`worker ${w} crashed: ${error.name}: ${error.message}`, w, error.name)),
    );
    this.exited.push(
      new Promise((resolve) =>
        worker.once("exit", () => {
          aliveThreads--;
          if (!this.ending) void this.fail(new WorkerFailedError(`worker ${w} stopped unexpectedly`, w, "exit"));
          resolve();
        }),
      ),
    );
  }

  /** Turns a fatal message into an error. */
  workerError(w: number, message: ParkMessage | "timeout"): Error {
    if (message === "timeout") return new WorkerFailedError(`worker ${w} did not answer`, w, "timeout");
    if (message.type === "fatal" || message.type === "failed") {
      const error = new WorkerFailedError(`worker ${w} failed: ${message.error.name}: ${message.error.message}`, w, message.error.name);
      if (message.error.name === "TravelError") error.name = "TravelError";
      return error;
    }
    return new WorkerFailedError(`worker ${w} sent '${message.type}' where it was not expected`, w, "protocol");
  }

  /** Asks worker `w` to run the function once with these encoded arguments. */
  send(w: number, args: unknown[]): void {
    this.workers[w].postMessage({ type: "job", args } satisfies JobMessage);
  }

  /** Lets worker `w` go on: its parked point or wait returns with `command`. */
  grant(w: number, command: number): void {
    // Command first, then the counter the worker waits on: the worker reads the command only after
    // it sees the counter move, and seq-cst Atomics make the command visible by then.
    Atomics.store(this.slots[w], COMMAND, command);
    Atomics.add(this.slots[w], GRANT, 1);
    Atomics.notify(this.slots[w], GRANT);
  }

  /** Tells a parked worker to unwind its function (the schedule is over). */
  abort(w: number): void {
    this.grant(w, ABORT);
  }

  /** The next message from worker `w`; "timeout" when none came within `ms`. Rejects once the team failed. */
  next(w: number, ms: number): Promise<ParkMessage | "timeout"> {
    if (this.failure) return Promise.reject(this.failure);
    const queued = this.inbox[w].shift();
    if (queued) return Promise.resolve(queued);
    const clock = timer(ms);
    return new Promise<ParkMessage | "timeout">((resolve, reject) => {
      const settle = (value: ParkMessage | "timeout") => {
        clock.cancel();
        this.waiting[w] = undefined;
        this.failListeners = this.failListeners.filter((l) => l !== onFail);
        resolve(value);
      };
      const onFail = (error: Error) => {
        clock.cancel();
        reject(error);
      };
      this.waiting[w] = settle;
      this.failListeners.push(onFail);
      void clock.promise.then(settle);
    });
  }

  /** Ends every thread, then rejects everything waiting with `error` (once). */
  fail(error: Error): Promise<void> {
    if (!this.failure) {
      this.failure = error;
      for (const listener of this.failListeners.splice(0)) listener(error);
    }
    return this.end();
  }

  /** Ends every thread; resolves once they are gone. */
  end(): Promise<void> {
    this.ending ??= (async () => {
      this.failure ??= new RunInterruptedError(`exploration '${this.label}' has ended`);
      for (const listener of this.failListeners.splice(0)) listener(this.failure);
      await Promise.all(this.workers.map((worker) => worker.terminate()));
      await Promise.all(this.exited);
      activeTeams.delete(this);
    })();
    return this.ending;
  }
}
