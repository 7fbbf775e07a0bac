// race-lab: what a lesson cell computes with, each name exported explicitly (no `export *`, so that a
// name joins the front door only on purpose; at most 90, checked by test/library/entry-points.test.ts).
// The course's plumbing is race-lab/course (course.ts), the instructor's and grader's tools
// race-lab/instructor (instructor.ts), and everything else, for the library's own entry files and
// tests, race-lab/internal (internal.ts). api/ holds the report of each public entry; `npm run
// api:check` fails when a surface changes without its report.
import { provideLibrary } from "./run/worker-scope";
// Watching the kernel's cells (diagnostics in order, the one-line interrupt note) starts with the
// library, whichever entry a notebook loads first.
import "./course/cell-watch";
// Atomics.waitAsync's type, for the cells that import race-lab (tslab's TypeScript predates it).
import "./core/atomics-wait-async";

// Running a function in threads and processes, and how it travels there.
export { runThreads, runProcesses, type RunOptions } from "./run/run";
export { endAllRuns } from "./run/worker-run";
export { Pool } from "./run/pool";
export { playRounds } from "./run/rounds";
export { partial } from "./run/partial";
export { functionSource } from "./run/function-source";
export { rebuildFunction } from "./run/worker-scope";
export { packFunction, unpackFunction, type TravelingFunction } from "./run/travel";
export { machineInfo, showMachine, currentThreadId, currentWorker, isMainThread } from "./core/environment";
export { sleep, sleepSync } from "./core/sleep";
export { inRunFolder } from "./core/run-folder-scope";
export { RaceLabError, RunTimeoutError, WorkerFailedError, TravelError, LockReleaseError, BrokenBarrierError } from "./core/errors";

// Shared memory and synchronization.
export { Value, type TypeCode } from "./shared/value";
export { SharedArray } from "./shared/shared-array";
export { Lock } from "./primitives/lock";
export { RLock } from "./primitives/rlock";
export { Semaphore } from "./primitives/semaphore";
export { Event } from "./primitives/event";
export { Condition } from "./primitives/condition";
export { Barrier } from "./primitives/barrier";
export { Queue } from "./primitives/queue";
export { Sequencer } from "./primitives/sequencer";
export { locked, synchronized } from "./primitives/synchronized";
export { ContextDecorator } from "./primitives/context-decorator";
export { AsyncLock } from "./primitives/async-lock";
export { FileLock } from "./files/file-lock";
export { interprocessLocked } from "./files/interprocess-locked";
export { meetInFolder } from "./files/meet";
export { Manager } from "./manager/manager";
export { ManagedQueue } from "./manager/managed";

// Seeing what happened: traces, logs, tables and charts.
export { Trace } from "./trace/trace";
export { analyzeTrace } from "./trace/analysis";
export { showTimeline } from "./trace/timeline";
export { TimedLog, mergeTimedLogs, eventsAround } from "./trace/timed-log";
export { showTable } from "./display/show-table";
export { showBarChart } from "./display/show-chart";
export { renderVegaLite } from "./display/chart";
export { showSvg } from "./display/display";

// Controlled scheduling: every interleaving of a few threads.
export { Scheduler } from "./scheduler/scheduler";
export { explore, replay, type ExploreReport } from "./scheduler/explore";
export { type ExploreOptions } from "./scheduler/options";
export { showExplorer } from "./scheduler/explorer";
export { showSchedule } from "./scheduler/schedule-view";
export { showDeadlock } from "./scheduler/deadlock-view";

// The kernel's database, and transactions explored against it.
export { database } from "./database/database";
export { connectTo, poolFor, type DatabaseConfig } from "./database/connect";
export { pauseThisProcess, waitUntilPaused, resumePaused } from "./database/pause";
export { type Statement } from "./transactions/statements";
export { type CheckInput } from "./transactions/options";
export { exploreTransactions, replayTransactions, type TransactionsReport } from "./transactions/explore-transactions";
export { historyOf } from "./transactions/history";
export { checkHistory } from "./transactions/checker";
export { showVerdict } from "./transactions/cycle-view";
export { showInterleavings } from "./transactions/report-view";
export { showTransactionExplorer } from "./transactions/transaction-explorer";
export { exploreHermitage, hermitageMark, HERMITAGE_TESTS, HERMITAGE_LEVELS } from "./transactions/hermitage";

// An exercise's stub. It sits in the student's function, which may run in a thread or process, so it
// is race-lab's (a function sent there sees race-lab's names only); the rest of exercises is the course's.
export { notImplemented, NotImplementedError } from "./course/exercises";

// Functions rebuilt in this thread (a Pool run inline, the manager) see these exports as race-lab.
provideLibrary(() => module.exports);
