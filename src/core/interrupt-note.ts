/**
 * What the student reads when they interrupt the kernel (■): one line saying what stopped — "Interrupted:
 * ended 2 processes; 12 of 200 trials done" — instead of tslab's stack trace of its own internal
 * "Interrupted asynchronously" error (cell-watch.ts swaps the one for the other). The runs and
 * `runTrials` note here what they were doing.
 */

let ended = { threads: 0, processes: 0 };
let trials: { done: number; of: number; label: string } | null = null;

/**
 * Notes that the kernel's interrupt ended `count` workers of one run (called by the runs' SIGINT listener).
 *
 * @example
 * ```ts
 * noteInterruptedWorkers("process", 2);
 * ```
 */
export function noteInterruptedWorkers(kind: "thread" | "process", count: number): void {
  if (kind === "thread") ended = { ...ended, threads: ended.threads + count };
  else ended = { ...ended, processes: ended.processes + count };
}

/**
 * Notes how far a series of trials has come (null when none is running). Called by `runTrials`.
 *
 * @example
 * ```ts
 * noteTrialProgress({ done: 12, of: 200, label: "counter — unsafe" });
 * ```
 */
export function noteTrialProgress(progress: { done: number; of: number; label: string } | null): void {
  trials = progress;
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * The line that replaces tslab's interrupt stack trace, and forgets what it reported.
 *
 * @example
 * ```ts
 * interruptSummary(); // "Interrupted: ended 2 processes; 12 of 200 trials done (counter — unsafe)."
 * ```
 */
export function interruptSummary(): string {
  const parts: string[] = [];
  const workers = [ended.processes ? count(ended.processes, "process", "processes") : "", ended.threads ? count(ended.threads, "thread", "threads") : ""].filter(Boolean);
  parts.push(workers.length ? `ended ${workers.join(" and ")}` : "no process or thread was running");
  if (trials) parts.push(`${trials.done} of ${trials.of} trials done (${trials.label}); the table of those follows`);
  ended = { threads: 0, processes: 0 };
  return `Interrupted: ${parts.join("; ")}. Cells queued after this one did not run.`;
}
