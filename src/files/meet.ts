// meetInFolder: a one-use meeting point for processes, kept in the file system. Processes share no
// memory, so a Barrier cannot reach them; a folder can. Lessons use it to force an interleaving
// between processes ("both read before either writes") instead of hoping the scheduler makes one.
import * as fs from "fs";
import * as path from "path";
import { threadId } from "worker_threads";
import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { canBlock } from "../core/environment";
import { sleepSync } from "../core/sleep";
import { checkInteger, checkTimeout } from "../core/validate";

const MARK = ".meet-";
/** How long a caller waits for the others unless told otherwise. */
const DEFAULT_MEET_TIMEOUT_MS = 10_000;

/**
 * Waits until `parties` callers — processes or worker threads — have reached a call with the same
 * `folder`: each leaves a mark file there, then waits until there are `parties` marks. Returns true
 * when all have met, false when `timeoutMs` (default 10 000) passed first. One use per folder: a
 * second meeting needs a fresh folder.
 *
 * @example
 * ```ts
 * await runProcesses((file: string, meet: string) => {
 *   const fs = require("fs");
 *   const seen = fs.existsSync(file) ? Number(fs.readFileSync(file, "utf8")) : 0;
 *   meetInFolder(meet, 2);                    // both have read before either writes…
 *   fs.writeFileSync(file, `${seen + 1}\n`);  // …so one increment is lost, every run
 * }, [[file, meet], [file, meet]]);
 * ```
 * Warning: it blocks, so it works in child processes and worker threads, not in a notebook cell; it
 * looks at the folder every millisecond while it waits. The folder must exist and hold nothing else
 * that starts with `.meet-`. A caller that never comes keeps the others waiting until the timeout.
 */
export function meetInFolder(folder: string, parties: number, timeoutMs?: number): boolean {
  if (typeof folder !== "string" || folder.trim() === "" || folder.includes("\0")) {
    throw new RaceLabArgumentError("folder", "the path of an existing folder (a non-empty string)", folder);
  }
  const count = checkInteger("parties", parties, 1, 1000);
  const wait = checkTimeout("timeoutMs", timeoutMs, DEFAULT_MEET_TIMEOUT_MS);
  if (!canBlock()) {
    throw new RaceLabError(
      "meetInFolder() waits by blocking, which would freeze the notebook: call it inside a function that " +
        "runs in a child process or a worker thread (runProcesses, runThreads, a Pool).",
    );
  }
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new RaceLabArgumentError("folder", "the path of an existing folder (create it first)", folder);
  }
  const mark = `${MARK}${process.pid}-${threadId}-${Math.random().toString(36).slice(2, 10)}`;
  fs.writeFileSync(path.join(folder, mark), "");
  const deadline = Date.now() + wait;
  for (;;) {
    if (fs.readdirSync(folder).filter((name) => name.startsWith(MARK)).length >= count) return true;
    if (Date.now() >= deadline) return false;
    sleepSync(1);
  }
}
