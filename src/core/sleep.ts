import { MainThreadBlockError } from "./errors";
import { canBlock } from "./environment";
import { checkTimeout } from "./validate";

/**
 * Waits `ms` milliseconds without blocking: other code (and the notebook) keeps running.
 *
 * @example
 * ```ts
 * await sleep(100);
 * ```
 * Warning: timers are not exact: the wait may last longer on a busy machine; `ms` over 600 000 throws.
 */
export async function sleep(ms: number): Promise<void> {
  const delay = checkTimeout("ms", ms, 0);
  return new Promise((resolve) => setTimeout(resolve, delay));
}

let sleeper: Int32Array | undefined;

/**
 * Blocks the current worker thread (or child process) for `ms` milliseconds, like Python's
 * `time.sleep`. Used inside workers to widen a race window on purpose.
 *
 * @example
 * ```ts
 * await runThreads((v) => { const x = v.value; race_lab_1.sleepSync(1); v.value = x + 1; }, [[v], [v]]);
 * ```
 * Warning: throws `MainThreadBlockError` on the kernel's main thread, which must never block; use
 * `await sleep(ms)` there.
 */
export function sleepSync(ms: number): void {
  const delay = checkTimeout("ms", ms, 0);
  if (!canBlock()) throw new MainThreadBlockError(`sleepSync(${delay})`, `sleep(${delay})`);
  // A private buffer nobody else knows: no notify can ever arrive, so the wait ends only by its
  // timeout. (A shared one could be woken early by another thread's notify.)
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, delay);
}
