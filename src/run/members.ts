// One worker of a run: a worker thread or a child process, started, watched and ended; its output
// forwarded (prefixed) to ours, its messages handed to the run.
import type { ChildProcess } from "child_process";
import * as path from "path";
import { Worker } from "worker_threads";
import { libraryFolder } from "../core/environment";
import { forwardLines, toStderr, toStdout } from "../core/output";
import { takeSpareThread } from "./spare-threads";
import { forkRunChild, takeSpareProcess } from "./spare-processes";
import { removeLeftovers } from "../core/thread-leftovers";
import type { ChildMessage, WorkerMessage, WorkerTask } from "./messages";

/** How long a child process gets to exit after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 300;
/** How long to wait for a worker's last output after it exited. */
const OUTPUT_DRAIN_MS = 500;

/** @internal What a member needs of its run. */
export interface RunSide {
  readonly prefixOutput: boolean;
  onMessage(member: Member, message: WorkerMessage): void;
  onExit(member: Member, how: string): void;
}

/** @internal Worker threads and child processes started by runs that are still alive. */
export const alive = { thread: 0, process: 0 };

/** @internal A promise that resolves after `ms` without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Lets Node close the handles of an exited worker (their close callbacks run after this turn). */
function closeCallbacks(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** @internal One worker of a run, as the run sees it. */
export interface Member {
  readonly number: number;
  /** "thread 2", "process 1" */
  readonly name: string;
  results?: unknown[];
  /** A thread whose output is flushed and that has nothing left to run: it is ending by itself. */
  idle?: boolean;
  /** Threads: the run returns before this idle member is gone: write out its last unfinished line. */
  returned(): void;
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

/** @internal Starts one worker thread of `run`. */
export function startThread(run: RunSide, task: WorkerTask): Member {
  const name = `thread ${task.number}`;
  // A spare thread already started ahead gets its task as a message; else start one cold.
  const spare = takeSpareThread();
  const worker = spare ?? new Worker(entry("run/worker-entry.js"), { workerData: task, stdout: true, stderr: true, execArgv: [] });
  if (spare) spare.postMessage(task);
  alive.thread++;
  const prefix = run.prefixOutput ? `[${name}] ` : "";
  const flushes = [{} as { now?: () => void }, {} as { now?: () => void }];
  const output = Promise.all([
    forwardLines(worker.stdout, toStdout, prefix, flushes[0]),
    forwardLines(worker.stderr, toStderr, prefix, flushes[1]),
  ]);
  // Files the thread named (a FileLock's owner file): removed as soon as it is gone, before the run hears of it.
  const leftovers: string[] = [];
  const exited = new Promise<number>((resolve) =>
    worker.once("exit", (code) => {
      removeLeftovers(leftovers);
      resolve(code);
    }),
  );
  const gone = exited.then(() => Promise.race([output, delay(OUTPUT_DRAIN_MS)])).then(closeCallbacks);
  const member: Member = {
    number: task.number,
    name,
    gone,
    release: () => undefined,
    returned: () => {
      for (const f of flushes) f.now?.();
    },
    end: async () => {
      await worker.terminate();
      await gone;
    },
    killNow: () => void worker.terminate(),
  };
  worker.on("message", (m: WorkerMessage) => (m.type === "leftover" ? leftovers.push(m.file) : run.onMessage(member, m)));
  worker.on("error", (error) => run.onMessage(member, { type: "error", error: { name: error.name, message: error.message } }));
  exited.then((code) => {
    alive.thread--;
    run.onExit(member, `exit code ${code}`);
  });
  return member;
}

/** @internal Starts one child process of `run`. */
export function startProcess(run: RunSide, task: WorkerTask): Member {
  const name = `process ${task.number}`;
  // A spare process forked ahead with this environment and folder gets its task; else fork one cold.
  const child: ChildProcess = takeSpareProcess() ?? forkRunChild();
  alive.process++;
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
    returned: () => undefined,
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
  child.on("message", (m: WorkerMessage) => {
    if (m.type !== "loaded") run.onMessage(member, m);
  });
  child.on("error", (error) => run.onMessage(member, { type: "error", error: { name: error.name, message: error.message } }));
  Promise.all([exited, disconnected]).then(([how]) => {
    alive.process--;
    run.onExit(member, how);
  });
  child.send({ type: "task", task } satisfies ChildMessage);
  return member;
}
