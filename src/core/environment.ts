import * as os from "os";
import * as path from "path";
import { isMainThread as workerThreadsIsMain, threadId } from "worker_threads";
import { tslabVersion } from "../kernel/tslab";
import { type CoreLimit, usableCores } from "./cores";

/**
 * What this machine can run in parallel, and what we run on. Lessons print it first, because every
 * race they show depends on it (one core interleaves, many cores overlap).
 *
 * @example
 * ```ts
 * const info: MachineInfo = machineInfo(); // { cores: 2, coresLimitedBy: "availableParallelism", node: "20.20.2", … }
 * ```
 */
export interface MachineInfo {
  /**
   * Cores this process may really keep busy at once: the smallest of the cgroup's CPU quota, the
   * affinity mask and `os.availableParallelism()`, or `RACE_LAB_CORES` when set (see {@link usableCores}).
   */
  cores: number;
  /** Which limit set `cores`: "cgroup quota", "affinity", "availableParallelism" or "override". */
  coresLimitedBy: CoreLimit;
  /** The cgroup's CPU quota in CPUs (may be fractional), when one is set. */
  cpuQuota?: number;
  /** Node.js version, e.g. "20.20.2". */
  node: string;
  platform: string;
  arch: string;
  /** Total memory in GiB, one decimal. */
  memoryGiB: number;
  cpuModel: string;
  /** Version of the tslab kernel, when it can be found from here. */
  tslab?: string;
}

/**
 * Describes this machine: cores (and which limit set them), Node version, platform, memory, CPU
 * model, tslab version.
 *
 * @example
 * ```ts
 * const { cores } = machineInfo();
 * console.log(`${cores} cores: up to ${cores} threads truly run at once`);
 * ```
 * Warning: throws a RaceLabArgumentError when `RACE_LAB_CORES` is set to something that is not an
 * integer from 1 to 1024.
 */
export function machineInfo(): MachineInfo {
  const usable = usableCores();
  const info: MachineInfo = {
    cores: usable.cores,
    coresLimitedBy: usable.limitedBy,
    node: process.versions.node,
    platform: os.platform(),
    arch: os.arch(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: os.cpus()[0]?.model?.trim() || "unknown",
  };
  if (usable.quota !== undefined) info.cpuQuota = usable.quota;
  const tslab = tslabVersion();
  if (tslab) info.tslab = tslab;
  return info;
}

/**
 * Prints {@link machineInfo} as a small two-column table (plain text, works everywhere).
 *
 * @example
 * ```ts
 * showMachine();
 * // cores      2 (all this machine offers)
 * // node       20.20.2 …
 * ```
 * Warning: the core count honours `RACE_LAB_CORES`, a container quota and CPU affinity: it may be less than the machine
 * has.
 */
export function showMachine(): void {
  const info = machineInfo();
  const rows: [string, string][] = [
    ["cores", `${info.cores} (${coresNote(info)})`],
    ["node", info.node],
    ["platform", `${info.platform} ${info.arch}`],
    ["memory", `${info.memoryGiB} GiB`],
    ["cpu", info.cpuModel],
  ];
  if (info.tslab) rows.push(["tslab", info.tslab]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  console.log(rows.map(([k, v]) => k.padEnd(width) + v).join("\n"));
}

function coresNote(info: MachineInfo): string {
  const quota = info.cpuQuota === undefined ? "" : `CPU quota ${Number(info.cpuQuota.toFixed(2))}`;
  if (info.coresLimitedBy === "override") return "set by RACE_LAB_CORES";
  if (info.coresLimitedBy === "cgroup quota") return `limited by the container's ${quota}`;
  if (info.coresLimitedBy === "affinity") return "limited by this process's CPU affinity";
  return quota ? `${quota}` : "all this machine offers";
}

/**
 * True on the main thread of a process (the notebook's kernel, or a child process), false in a
 * worker thread.
 *
 * @example
 * ```ts
 * if (isMainThread) console.log("use the …Async forms here");
 * ```
 */
export const isMainThread: boolean = workerThreadsIsMain;

/**
 * The id of the current thread: 0 on a process's main thread, 1, 2, … in worker threads.
 *
 * @example
 * ```ts
 * await runThreads(() => race_lab.currentThreadId(), [[], []]); // e.g. [1, 2]
 * ```
 * Warning: ids are per process: a child process's main thread is 0 too. Use {@link currentWorker} to tell workers
 * apart.
 */
export function currentThreadId(): number {
  return threadId;
}

/**
 * Where the current code runs, as {@link currentWorker} reports it.
 *
 * @example
 * ```ts
 * const me: WorkerInfo = currentWorker(); // { kind: "thread", number: 2, of: 4, readyAtStart: 4 } in a worker
 * ```
 */
export interface WorkerInfo {
  /** "main" outside a run; "thread" or "process" inside a worker of a run. */
  kind: "main" | "thread" | "process";
  /** 1-based number of this worker in its run ("thread 2"); 0 outside a run. */
  number: number;
  /** How many workers the run has; 0 outside a run. */
  of: number;
  /**
   * How many workers of the run had signalled "ready" when this one was released by the start gate.
   * It is always `of`: the gate holds everyone until all are up, so their work overlaps.
   */
  readyAtStart: number;
}

let context: WorkerInfo = { kind: "main", number: 0, of: 0, readyAtStart: 0 };

/**
 * Which worker of which run the current code is (like Python's `current_process().name`).
 *
 * @example
 * ```ts
 * await runThreads(() => race_lab_1.currentWorker().number, [[], [], []]); // [1, 2, 3]
 * ```
 * Warning: returns a copy; outside a run (the notebook, or a plain `new Worker`) it reports
 * `{ kind: "main", number: 0 }`.
 */
export function currentWorker(): WorkerInfo {
  return { ...context };
}

/**
 * Records where the current code runs. Called by the worker and child entries only.
 *
 * @internal
 * @example
 * ```ts
 * setWorkerContext({ kind: "thread", number: 1, of: 2, readyAtStart: 2 });
 * ```
 */
export function setWorkerContext(info: WorkerInfo): void {
  context = { ...info };
}

/**
 * Whether the current code may block (Atomics.wait): in a worker thread, or on the main thread of a
 * child process started by race-lab. Never on the kernel's main thread, which would freeze the notebook.
 *
 * @example
 * ```ts
 * if (!canBlock()) throw new MainThreadBlockError("lock.acquire()", "lock.acquireAsync()");
 * ```
 * Warning: false on the kernel's main thread: a blocking call there must throw MainThreadBlockError, not wait.
 */
export function canBlock(): boolean {
  return blockingAllowed;
}

// Worked out once: a race-lab child gets RACE_LAB_WORKER when it is forked, and reading process.env
// asks the C library every time (measured: ~150 ns, most of an uncontended lock.acquire()/release()).
let blockingAllowed = !workerThreadsIsMain || process.env.RACE_LAB_WORKER === "process";

/**
 * Makes this child process what a cold start of one of the library's servers is (the manager's,
 * forked without RACE_LAB_WORKER): not a run's worker, so its main thread may no longer block and
 * what it forks is not a run's worker either. A spare process calls it before it becomes a server.
 *
 * @internal
 * @example
 * ```ts
 * leaveRunWorkerRole(); // then load the server's entry
 * ```
 */
export function leaveRunWorkerRole(): void {
  delete process.env.RACE_LAB_WORKER;
  blockingAllowed = !workerThreadsIsMain;
}

/**
 * The folder holding the built library (`src/dist`), where the worker and child entries live.
 *
 * @example
 * ```ts
 * new Worker(path.join(libraryFolder(), "run", "worker-entry.js"));
 * ```
 * Warning: run straight from the TypeScript sources it still names `src/dist`: build the library first
 * (`npm run build`).
 */
export function libraryFolder(): string {
  // This file is src/dist/core/environment.js when built, src/core/environment.ts when run straight
  // from the TypeScript sources.
  const root = path.dirname(__dirname);
  return path.basename(root) === "dist" ? root : path.join(root, "dist");
}
