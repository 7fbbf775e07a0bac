import { ChildProcess, fork } from "child_process";
import * as path from "path";
import { Readable } from "stream";
import { Worker } from "worker_threads";
import { libraryFolder } from "../core/environment";
import {
  RaceLabArgumentError,
  RunInterruptedError,
  RunTimeoutError,
  TravelError,
  WorkerFailedError,
} from "../core/errors";
import { Destination, encodeForProcess, encodeForThread, decodeShared } from "../core/shared-object";
import { ErrorReport, TravelingFunction, checkSendable, packFunction } from "./travel";
import { MAX_TIMEOUT_MS, MAX_WORKERS, checkArray, checkFunction, checkTimeout } from "../core/validate";

// Running one function in N worker threads or N child processes, all released together by a start
// gate, with their output forwarded to the notebook and nothing left behind: on success, on an error
// in one worker, on timeout, on the kernel's interrupt (SIGINT) and at exit, every worker is ended.

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
/** How long a child process gets to exit after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 300;
/** How long a worker may linger after returning (open timers, sockets) before it is ended. */
const LINGER_MS = 1_000;
/** How long to wait for a worker's last output after it exited. */
const OUTPUT_DRAIN_MS = 500;

import { GATE_OPEN, GATE_READY } from "./gate";
export { GATE_OPEN, GATE_READY };

/**
 * What a worker thread or child process is given to do.
 *
 * @internal
 * @example
 * ```ts
 * new Worker(entry, { workerData: { kind: "thread", number: 1, of: 2, fn, jobs: [[1]], gate, gateTimeoutMs } });
 * ```
 */
export interface WorkerTask {
  kind: Destination;
  /** 1-based number of the worker, and how many the run has. */
  number: number;
  of: number;
  fn: TravelingFunction;
  /** Encoded argument lists, run one after another (a pool worker gets several). */
  jobs: unknown[][];
  /** Threads: the start gate, an Int32Array of 2 over this buffer. */
  gate?: SharedArrayBuffer;
  /** How long a worker waits at the gate before giving up. */
  gateTimeoutMs: number;
}

/**
 * Messages from a worker to the main thread.
 *
 * @internal
 * @example
 * ```ts
 * parentPort.postMessage({ type: "ready" } satisfies WorkerMessage);
 * ```
 */
export type WorkerMessage =
  | { type: "ready" }
  | { type: "result"; results: unknown[] }
  | { type: "error"; error: ErrorReport };

/**
 * Messages from the main thread to a child process.
 *
 * @internal
 * @example
 * ```ts
 * child.send({ type: "go", ready: 2 } satisfies ChildMessage);
 * ```
 */
export type ChildMessage = { type: "task"; task: WorkerTask } | { type: "go"; ready: number };

// ---------------------------------------------------------------------------------------------
// Validation

function checkOptions(opts: unknown): Required<RunOptions> & { labelGiven: boolean } {
  if (opts === undefined) opts = {};
  if (typeof opts !== "object" || opts === null || Array.isArray(opts)) {
    throw new RaceLabArgumentError("opts", "an object like { timeoutMs, prefixOutput, label }", opts);
  }
  const o = opts as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!["timeoutMs", "prefixOutput", "label"].includes(key)) {
      throw new RaceLabArgumentError(`opts.${key}`, "one of the options timeoutMs, prefixOutput, label", key);
    }
  }
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
    checkSendable(args, `${name}[${i}]`, to);
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

// ---------------------------------------------------------------------------------------------
// Active runs, SIGINT and exit

const active = new Set<Run>();
let sigintListener: (() => void) | undefined;
let exitHookInstalled = false;

/** Marks race-lab's SIGINT listeners (runs, Manager), so each can tell whether anyone else handles Ctrl-C. */
const RACE_LAB_LISTENER = Symbol.for("race-lab.sigint-listener");

function onSigint(): void {
  // tslab (the kernel) has its own SIGINT listener that rejects the cell; a plain node script does not.
  const alone = process.listeners("SIGINT").every((l) => (l as unknown as Record<symbol, unknown>)[RACE_LAB_LISTENER]);
  for (const run of [...active]) void run.fail(new RunInterruptedError(`run '${run.label}' was interrupted: all its ${run.kind === "thread" ? "threads" : "processes"} have been ended.`));
  if (alone) {
    // Nobody else handles Ctrl-C: end the children now and let SIGINT do what it always does.
    killEverythingNow();
    process.off("SIGINT", onSigint);
    sigintListener = undefined;
    process.kill(process.pid, "SIGINT");
  }
}

(onSigint as unknown as Record<symbol, unknown>)[RACE_LAB_LISTENER] = true;

function killEverythingNow(): void {
  for (const run of active) run.killNow();
}

let sigintPending = false;

function listenForSigint(): void {
  sigintPending = false;
  if (active.size > 0 && !sigintListener) {
    sigintListener = onSigint;
    process.on("SIGINT", onSigint);
  }
}

function track(run: Run): void {
  active.add(run);
  if (!sigintListener && !sigintPending) {
    // Not now: a cell's synchronous part runs under vm's breakOnSigint, which takes the SIGINT
    // listeners away, installs its own handler and, when the part ends, puts back the handler that
    // was there before it started (the default, which kills the kernel). A listener added meanwhile
    // would be left without an OS handler, and the next interrupt would kill the kernel. Added
    // after the cell's synchronous part, it is installed properly.
    sigintPending = true;
    setImmediate(listenForSigint);
  }
  if (!exitHookInstalled) {
    // Child processes outlive their parent unless told: at exit, end them (threads end with us).
    process.on("exit", killEverythingNow);
    exitHookInstalled = true;
  }
}

function untrack(run: Run): void {
  active.delete(run);
  if (active.size === 0 && sigintListener) {
    process.off("SIGINT", sigintListener);
    sigintListener = undefined;
  }
}

/**
 * How many runs (of threads or processes, pools included) are in progress.
 *
 * @example
 * ```ts
 * console.log(activeRuns()); // 0 when nothing is running
 * ```
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
 */
export function runningWorkers(): { threads: number; processes: number } {
  return { threads: alive.thread, processes: alive.process };
}

const alive = { thread: 0, process: 0 };

/**
 * Ends every run in progress (each rejects with `RunInterruptedError`) and waits until all their
 * threads and processes are gone. Returns how many runs were ended.
 *
 * @example
 * ```ts
 * await endAllRuns(); // e.g. after a cell was interrupted and left a run going
 * ```
 */
export async function endAllRuns(): Promise<number> {
  const runs = [...active];
  await Promise.all(runs.map((run) => run.fail(new RunInterruptedError(`run '${run.label}' was ended by endAllRuns().`))));
  return runs.length;
}

// ---------------------------------------------------------------------------------------------
// Output forwarding

/** Forwards a worker's output line by line to `write`, prefixed. Resolves when the stream ends. */
function forwardLines(stream: Readable, write: (text: string) => void, prefix: string): Promise<void> {
  stream.setEncoding("utf8");
  let pending = "";
  stream.on("data", (chunk: string) => {
    if (!prefix) return write(chunk);
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    if (lines.length > 0) write(lines.map((l) => prefix + l + "\n").join(""));
  });
  return new Promise((resolve) => {
    const done = () => {
      if (pending) write(prefix + pending + "\n");
      pending = "";
      resolve();
    };
    stream.once("end", done);
    stream.once("close", done);
  });
}

// process.stdout.write is looked up at each write: tslab swaps it to route output to the running cell.
const toStdout = (text: string) => void process.stdout.write(text);
const toStderr = (text: string) => void process.stderr.write(text);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Lets Node close the handles of an exited worker (their close callbacks run after this turn). */
function closeCallbacks(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

// ---------------------------------------------------------------------------------------------
// One worker of a run

interface Member {
  readonly number: number;
  /** "thread 2", "process 1" */
  readonly name: string;
  results?: unknown[];
  /** Stop it now; resolves once it is gone and its output drained. */
  end(): Promise<void>;
  /** Stop it now, synchronously, as far as possible (exit, SIGINT). */
  killNow(): void;
  /** Threads: no-op (the shared gate releases them). Processes: send "go". */
  release(ready: number): void;
  /** Resolves once it exited and its output drained. */
  readonly gone: Promise<void>;
}

function entry(file: string): string {
  return path.join(libraryFolder(), file);
}

function startThread(run: Run, task: WorkerTask): Member {
  const name = `thread ${task.number}`;
  const worker = new Worker(entry("run/worker-entry.js"), { workerData: task, stdout: true, stderr: true, execArgv: [] });
  alive.thread++;
  const prefix = run.prefixOutput ? `[${name}] ` : "";
  const output = Promise.all([forwardLines(worker.stdout, toStdout, prefix), forwardLines(worker.stderr, toStderr, prefix)]);
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const gone = exited.then(() => Promise.race([output, delay(OUTPUT_DRAIN_MS)])).then(closeCallbacks);
  const member: Member = {
    number: task.number,
    name,
    gone,
    release: () => undefined,
    end: async () => {
      await worker.terminate();
      await gone;
    },
    killNow: () => void worker.terminate(),
  };
  worker.on("message", (m: WorkerMessage) => run.onMessage(member, m));
  worker.on("error", (error) => run.onMessage(member, { type: "error", error: { name: error.name, message: error.message } }));
  exited.then((code) => {
    alive.thread--;
    run.onExit(member, `exit code ${code}`);
  });
  return member;
}

function startProcess(run: Run, task: WorkerTask): Member {
  const name = `process ${task.number}`;
  const child: ChildProcess = fork(entry("run/child-entry.js"), [], {
    stdio: ["pipe", "pipe", "pipe", "ipc"],
    serialization: "advanced",
    execArgv: [],
    // Marks the child as a race-lab worker: its main thread may block (sleepSync, lock.acquire).
    env: { ...process.env, RACE_LAB_WORKER: "process" },
  });
  alive.process++;
  child.stdin?.end();
  const prefix = run.prefixOutput ? `[${name}] ` : "";
  const output = Promise.all([forwardLines(child.stdout!, toStdout, prefix), forwardLines(child.stderr!, toStderr, prefix)]);
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`)),
  );
  // Messages still in the IPC channel are delivered before "disconnect": wait for both before
  // deciding that a child ended without a result.
  const disconnected = new Promise<void>((resolve) => (child.connected ? child.once("disconnect", resolve) : resolve()));
  const gone = Promise.all([exited, disconnected])
    .then(() => Promise.race([output, delay(OUTPUT_DRAIN_MS)]))
    .then(closeCallbacks);
  const running = () => child.exitCode === null && child.signalCode === null;
  const member: Member = {
    number: task.number,
    name,
    gone,
    release: (ready) => {
      if (child.connected) child.send({ type: "go", ready } satisfies ChildMessage);
    },
    end: async () => {
      if (running()) {
        child.kill("SIGTERM");
        const killer = setTimeout(() => running() && child.kill("SIGKILL"), TERM_GRACE_MS);
        await exited;
        clearTimeout(killer);
      }
      await gone;
    },
    killNow: () => void (running() && child.kill("SIGKILL")),
  };
  child.on("message", (m: WorkerMessage) => run.onMessage(member, m));
  child.on("error", (error) => run.onMessage(member, { type: "error", error: { name: error.name, message: error.message } }));
  Promise.all([exited, disconnected]).then(([how]) => {
    alive.process--;
    run.onExit(member, how);
  });
  child.send({ type: "task", task } satisfies ChildMessage);
  return member;
}

// ---------------------------------------------------------------------------------------------
// A run

class Run {
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
    track(this);
    const of = jobsPerWorker.length;
    const gateBuffer = this.kind === "thread" ? new SharedArrayBuffer(8) : undefined;
    this.gate = gateBuffer && new Int32Array(gateBuffer);
    this.timer = setTimeout(() => void this.fail(this.timeoutError()), this.timeoutMs);
    try {
      jobsPerWorker.forEach((jobs, i) => {
        const task: WorkerTask = { kind: this.kind, number: i + 1, of, fn, jobs, gate: gateBuffer, gateTimeoutMs: this.timeoutMs };
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
      if (this.ready === this.members.length) this.openGate();
    } else if (message.type === "result") {
      member.results = decodeShared(message.results) as unknown[];
      if (this.members.every((m) => m.results)) void this.finish();
    } else if (message.type === "error") {
      const { name, message: text } = message.error;
      const error =
        name === "TravelError"
          ? new TravelError(text)
          : new WorkerFailedError(`${member.name} failed: ${name}: ${text}`, member.number, name);
      // The stack a student needs is the worker's, inside their function, not race-lab's plumbing.
      const theirs = (message.error.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l) && !l.includes(libraryFolder()));
      error.stack = [`${error.name}: ${error.message}`, ...(name === "TravelError" ? [] : theirs)].join("\n");
      void this.fail(error);
    }
  }

  onExit(member: Member, how: string): void {
    if (this.settled || member.results) return;
    void this.fail(new WorkerFailedError(`${member.name} stopped (${how}) before returning a result`, member.number, "exit"));
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
    await Promise.all(this.members.map((m) => Promise.race([m.gone, delay(LINGER_MS)]).then(() => m.end())));
    untrack(this);
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
        untrack(this);
        this.reject(error);
      })();
    }
    return this.ending;
  }

  killNow(): void {
    for (const m of this.members) m.killNow();
  }
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
  const options = checkOptions(opts);
  const packed = packForRun(fn, kind);
  checkArray("workers", jobsPerWorker, MAX_WORKERS, 1);
  const run = new Run(kind, options.labelGiven ? options.label : packed.name || "anonymous function", options.prefixOutput, options.timeoutMs);
  run.start(packed, jobsPerWorker);
  return run.promise;
}

async function runEach(kind: Destination, fn: unknown, argLists: unknown, opts: unknown): Promise<unknown[]> {
  checkFunction("fn", fn);
  const lists = checkArray("argLists", argLists, MAX_WORKERS, 1) as unknown[][];
  const encoded = encodeArgLists("argLists", lists, kind);
  const perWorker = await runJobs(kind, fn, encoded.map((args) => [args]), opts);
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
 * Warning: `fn` travels as source code: it may use its parameters, globals, `require` and names
 * imported from race-lab, nothing else from the cell (`TravelError`). One worker failing ends all
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
