// Files that only a worker thread could remove, left when it ends: a FileLock's owner file and the
// lock files linked to it. The thread names them to the main thread, which removes them when the
// thread is gone (finished, failed, or ended by its run), so a lock held by an ended thread is free.
import * as fs from "fs";
import * as path from "path";
import { isMainThread, parentPort } from "worker_threads";
import { currentWorker } from "./environment";

/**
 * The message a run's worker thread sends to name a file to remove when it ends.
 *
 * @internal
 * @example
 * ```ts
 * parentPort.postMessage({ type: "leftover", file } satisfies LeftoverMessage);
 * ```
 */
export interface LeftoverMessage {
  type: "leftover";
  file: string;
}

/**
 * In a run's worker thread: asks the main thread to remove `file`, and every hard link to it in its
 * folder, once this thread has ended. Elsewhere (main thread, child process) it does nothing: a
 * process's files are removed by its own exit hooks, or found stale by their dead pid.
 *
 * @internal
 * @example
 * ```ts
 * leaveOnThreadEnd(ownerFile);
 * ```
 */
export function leaveOnThreadEnd(file: string): void {
  if (isMainThread || currentWorker().kind !== "thread" || !parentPort) return;
  parentPort.postMessage({ type: "leftover", file } satisfies LeftoverMessage);
}

/**
 * Removes files named by an ended thread, each with the hard links to it in its folder (a lock file
 * linked to a thread's owner file is a lock that thread held).
 *
 * @internal
 * @example
 * ```ts
 * worker.once("exit", () => removeLeftovers(files));
 * ```
 */
export function removeLeftovers(files: Iterable<string>): void {
  for (const file of files) {
    let target: fs.Stats;
    try {
      target = fs.statSync(file);
    } catch {
      continue; // already gone
    }
    const dir = path.dirname(file);
    for (const name of fs.readdirSync(dir)) {
      const other = path.join(dir, name);
      try {
        const stat = fs.statSync(other);
        if (other !== file && stat.ino === target.ino && stat.dev === target.dev) fs.rmSync(other, { force: true });
      } catch {
        // removed meanwhile
      }
    }
    fs.rmSync(file, { force: true });
  }
}
