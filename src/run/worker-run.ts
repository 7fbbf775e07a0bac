// One run of worker threads or child processes: its workers started behind a start gate, their
// messages, and its end (success, a worker's error, timeout, interrupt, exit), which ends every
// worker. And the runs in progress, which the kernel's interrupt and the process's exit end.
import { RunInterruptedError, RunTimeoutError, TravelError, WorkerFailedError } from "../core/errors";
import { type Destination, decodeShared } from "../core/shared-object";
import { LiveSet } from "../core/live-set";
import { noteInterruptedWorkers } from "../core/interrupt-note";
import { endSpareThreads, replaceSpareThreads, sparesStarted } from "./spare-threads";
import { endSpareProcesses, replaceSpareProcesses, spareProcessesStarted } from "./spare-processes";
import { GATE_OPEN } from "./gate";
import { alive, delay, type Member, type RunSide, startProcess, startThread } from "./members";
import type { WorkerMessage, WorkerTask } from "./messages";
import type { TravelingFunction } from "./travel";

// Active runs: ended on the kernel's interrupt (SIGINT) and, their child processes, at exit

const active = new LiveSet<Run>({
  interrupt(runs) {
    // What the student reads instead of tslab's stack trace counts these (core/interrupt-note.ts).
    for (const run of runs) noteInterruptedWorkers(run.kind === "thread" ? "thread" : "process", run.members.length);
    for (const run of runs) {
      // The interrupt's summary reports it: a run nobody awaits any more (its cell was stopped while
      // it started the run) must not add an "unhandled rejection" and its stack. Whoever awaits it
      // still gets the error.
      run.promise.catch(() => undefined);
      void run.fail(run.interruptedError());
    }
    // An interrupt ends the spares too (started again after the next run).
    void endSpareThreads();
    void endSpareProcesses();
  },
  // Child processes outlive their parent unless told: at exit, end them (threads end with us).
  exit: (runs) => runs.forEach((run) => run.killNow()),
});

/**
 * How many runs (of threads or processes, pools included) are in progress.
 *
 * @example
 * ```ts
 * console.log(activeRuns()); // 0 when nothing is running
 * ```
 * Warning: a snapshot: a run may start or end right after; explorations (`explore`, `Scheduler`) are not counted.
 */
export function activeRuns(): number {
  return active.size;
}

/**
 * How many worker threads and child processes started by runs are still alive.
 *
 * @example
 * ```ts
 * await endAllRuns();
 * runningWorkers(); // { threads: 0, processes: 0 }
 * ```
 * Warning: a snapshot; idle spare threads ({@link spareThreads}) and spare processes are not counted, and an ended worker counts until it
 * has exited.
 */
export function runningWorkers(): { threads: number; processes: number } {
  return { threads: alive.thread, processes: alive.process };
}

/**
 * Ends every run in progress (each rejects with `RunInterruptedError`) and waits until all their
 * threads and processes are gone; the spare threads and processes waiting for a run end too. Returns
 * how many runs were ended.
 *
 * @example
 * ```ts
 * await endAllRuns(); // e.g. after a cell was interrupted and left a run going
 * ```
 * Warning: ends every run in this process, not only the cell's own: their results are lost. Explorations are not ended.
 */
export async function endAllRuns(): Promise<number> {
  const runs = active.values();
  await Promise.all([
    ...runs.map((run) => run.fail(new RunInterruptedError(`run '${run.label}' was ended by endAllRuns().`))),
    endSpareThreads(),
    endSpareProcesses(),
  ]);
  return runs.length;
}

/** Spare threads and processes that are still starting have started (or ended). */
function allSparesStarted(): Promise<unknown> {
  return Promise.all([sparesStarted(), spareProcessesStarted()]);
}

// A run

/**
 * How much longer than its run's timeout a thread waits at the start gate before it gives up by
 * itself. The gate's own deadline is only for a main thread that is gone: while it lives, the run's
 * timeout must be what ends a run that never started, or a loaded machine would turn a timeout into
 * "the start gate never opened", depending on which of the two deadlines came first.
 */
const GATE_MARGIN_MS = 10_000;

/** How long a worker may linger after returning (open timers, sockets) before it is ended. */
const LINGER_MS = 1_000;

/** @internal One run: its workers, its start gate, its end. {@link runJobs} makes and starts it. */
export class Run implements RunSide {
  readonly members: Member[] = [];
  readonly promise: Promise<unknown[][]>;
  private resolve!: (results: unknown[][]) => void;
  private reject!: (error: Error) => void;
  private settled = false;
  private ending: Promise<void> | undefined;
  private ready = 0;
  private gate: Int32Array | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly kind: Destination,
    readonly label: string,
    readonly prefixOutput: boolean,
    private readonly timeoutMs: number,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  start(fn: TravelingFunction, jobsPerWorker: unknown[][][]): void {
    active.add(this);
    const of = jobsPerWorker.length;
    const gateBuffer = this.kind === "thread" ? new SharedArrayBuffer(8) : undefined;
    this.gate = gateBuffer && new Int32Array(gateBuffer);
    this.timer = setTimeout(() => void this.fail(this.timeoutError()), this.timeoutMs);
    try {
      jobsPerWorker.forEach((jobs, i) => {
        const task: WorkerTask = {
          kind: this.kind,
          number: i + 1,
          of,
          fn,
          jobs,
          gate: gateBuffer,
          gateTimeoutMs: this.timeoutMs + GATE_MARGIN_MS,
        };
        this.members.push(this.kind === "thread" ? startThread(this, task) : startProcess(this, task));
      });
    } catch (error) {
      void this.fail(error as Error);
    }
  }

  private timeoutError(): RunTimeoutError {
    const unfinished = this.members.filter((m) => !m.results).map((m) => m.name);
    const plural = this.kind === "thread" ? "threads" : "processes";
    return new RunTimeoutError(
      `run '${this.label}' timed out after ${this.timeoutMs} ms: ${unfinished.join(", ") || "none"} had not finished. ` +
        `All its ${plural} have been ended. (A worker waiting for something that never happens — a lock never ` +
        `released, an event never set — looks exactly like this.)`,
    );
  }

  onMessage(member: Member, message: WorkerMessage): void {
    if (this.settled) return;
    if (message.type === "ready") {
      this.ready++;
      // Spares still starting (replacing the ones the last run took) would share the cores with the
      // workers' race: two racers on two cores, one descheduled, never overlap.
      if (this.ready === this.members.length) void allSparesStarted().then(() => this.settled || this.openGate());
    } else if (message.type === "result") {
      member.results = decodeShared(message.results) as unknown[];
      member.idle = message.idle === true;
      if (this.members.every((m) => m.results)) void this.finish();
    } else if (message.type === "error") {
      const { name, message: text } = message.error;
      const error =
        name === "TravelError"
          ? new TravelError(text)
          : new WorkerFailedError(`${member.name} failed: ${name}: ${text}`, member.number, name);
      // The stack a student needs is the worker's, inside their function (errorReport kept those frames).
      const theirs = (message.error.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
      error.stack = [`${error.name}: ${error.message}`, ...(name === "TravelError" ? [] : theirs)].join("\n");
      void this.fail(error);
    }
  }

  onExit(member: Member, how: string): void {
    if (this.settled || member.results) return;
    // Jupyter interrupts a kernel by signalling its process group, so a run's children get SIGINT too.
    // A child that died of it was interrupted, whether its exit or our own SIGINT listener comes first.
    if (how === "signal SIGINT") void this.fail(this.interruptedError());
    else void this.fail(new WorkerFailedError(`${member.name} stopped (${how}) before returning a result`, member.number, "exit"));
  }

  /** The error of a run ended by the kernel's interrupt. */
  interruptedError(): RunInterruptedError {
    return new RunInterruptedError(
      `run '${this.label}' was interrupted: all its ${this.kind === "thread" ? "threads" : "processes"} have been ended.`,
    );
  }

  private openGate(): void {
    if (this.gate) {
      // Store before notify: a worker that has not reached its wait yet reads 1 and never sleeps,
      // one already asleep is woken. Either way none misses the start (no lost wake-up).
      Atomics.store(this.gate, GATE_OPEN, 1);
      Atomics.notify(this.gate, GATE_OPEN);
    } else {
      for (const m of this.members) m.release(this.ready);
    }
  }

  private async finish(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    // Give each worker a moment to exit by itself (and flush its output), then end it.
    const ended = Promise.all(this.members.map((m) => Promise.race([m.gone, delay(LINGER_MS)]).then(() => m.end())));
    if (this.members.every((m) => m.idle)) {
      // Every thread returned, flushed its output and has nothing left to run: return now, as a
      // thread's join would, and let them end in the background. Until they are gone (milliseconds)
      // runningWorkers() counts them and they keep the process alive: a notify they sent
      // to an Atomics.waitAsync of this thread is still delivered.
      for (const m of this.members) m.returned();
      void ended.then(replaceSpareThreads);
    } else {
      await ended;
      this.replaceSpares();
    }
    active.delete(this);
    this.resolve(this.members.map((m) => m.results!));
  }

  /** Ends every worker, then rejects the run with `error` (once; later calls wait for the first). */
  fail(error: Error): Promise<void> {
    if (!this.ending) {
      this.ending = (async () => {
        if (this.settled) return; // finishing: it ends its workers itself
        this.settled = true;
        clearTimeout(this.timer);
        await Promise.all(this.members.map((m) => m.end()));
        active.delete(this);
        this.reject(error);
        if (!(error instanceof RunInterruptedError)) this.replaceSpares();
      })();
    }
    return this.ending;
  }

  /** Replaces the spares this run took, once its workers are gone (never during a run). */
  private replaceSpares(): void {
    if (this.kind === "thread") replaceSpareThreads();
    else replaceSpareProcesses(this.members.length, () => active.size === 0);
  }

  killNow(): void {
    for (const m of this.members) m.killNow();
  }
}
