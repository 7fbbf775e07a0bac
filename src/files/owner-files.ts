// The files a FileLock is made of. Each process (and each worker thread) writes ONE small owner file
// with its pid per folder of locks, hidden beside the locks (`.file.lock.owner-<pid>-<random>`), and
// acquiring = link(ownerFile, lockPath), which atomically fails with EEXIST while someone holds it
// (the classic NFS-safe lockfile trick); releasing = unlink(lockPath). Why this way, measured against
// flock, O_EXCL files and the proper-lockfile package (measured, not used): bench/ANALYSIS.md, "FileLock".
//
// A default lock's per-run folder takes the owner files away with it, even when a child was killed
// (SIGKILL skips exit handlers); in a folder of your own, a killed process's owner file is swept by
// the next process that locks there.
//
// IF A HOLDER DIES (killed by a timeout, SIGKILL, a crash): the lock file stays, and it names the dead
// pid. A waiter that has waited ~25 ms checks that pid (process.kill(pid, 0)); if no such process
// exists, it breaks the lock under a separate guard file (so two waiters never both break it, and
// never break a live holder's fresh lock), then takes it. Limits: pids are only meaningful on one
// machine (no network file systems), and a reused pid makes a dead holder look alive.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isMainThread, threadId } from "worker_threads";
import { RaceLabError } from "../core/errors";
import { atExit } from "../core/lifecycle";
import { leaveOnThreadEnd } from "../core/thread-leftovers";

const ownerFiles = new Map<string, string>(); // folder → our owner file in it
const OWNER_FILE = /^\..+\.owner-(\d+)-(?:t\d+-)?[a-z0-9]+$/;

function removeOwnerFilesAtExit(): void {
  for (const file of ownerFiles.values()) fs.rmSync(file, { force: true });
  ownerFiles.clear();
}

/** Removes owner files left in `dir` by processes that no longer exist (killed before their exit hook). */
export function sweepDeadOwners(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = OWNER_FILE.exec(name)?.[1];
    if (pid && !processExists(Number(pid))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** An owner file, and its identity (a lock file that is a link to it has the same inode). */
/** @internal */
export interface Owner {
  file: string;
  dev: number;
  ino: number;
}

/** This process's owner file in the folder of `lockPath` (a hard link cannot cross file systems). */
export function ownerFileFor(lockPath: string): Owner {
  const dir = path.dirname(lockPath);
  let file = ownerFiles.get(dir);
  if (!file || !fs.existsSync(file)) {
    if (!fs.existsSync(dir))
      throw new RaceLabError(`FileLock: the folder ${dir} of the lock file does not exist. Create the folder first.`);
    atExit(removeOwnerFilesAtExit, "files");
    sweepDeadOwners(dir);
    // A worker thread has an owner file of its own, which the run removes (with the locks linked to
    // it) when it ends the thread: the pid in it stays alive, so no waiter would ever break them.
    const thread = isMainThread ? "" : `t${threadId}-`;
    file = path.join(dir, `.${path.basename(lockPath)}.owner-${process.pid}-${thread}${Math.random().toString(36).slice(2, 10)}`);
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname() }) + "\n");
    ownerFiles.set(dir, file);
    leaveOnThreadEnd(file);
  }
  const { dev, ino } = fs.statSync(file);
  return { file, dev, ino };
}

/** The pid named in a lock (or guard) file, or undefined when it cannot be read (gone, being written). */
function holderPid(file: string): number | undefined {
  try {
    const pid = JSON.parse(fs.readFileSync(file, "utf8")).pid;
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/** Takes `file` by linking our owner file to it: true if we got it, false if it exists. */
export function tryLink(owner: string, file: string): boolean {
  try {
    fs.linkSync(owner, file); // atomic: exactly one linker succeeds while the file does not exist
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "ENOENT") {
      throw new RaceLabError(`FileLock: the folder of ${file} does not exist (or our owner file vanished). Create the folder first.`);
    }
    throw error;
  }
}

/**
 * Removes the lock file if its holder's process no longer exists. Done under a guard file so that two
 * waiters never both break it: between reading a dead pid and unlinking, another waiter could have
 * broken it and taken it anew, and we would remove a live lock.
 */
export function breakIfStale(owner: string, lockPath: string): void {
  const pid = holderPid(lockPath);
  if (pid === undefined || processExists(pid)) return;
  const guard = lockPath + ".breaking";
  if (!tryLink(owner, guard)) {
    // Someone is breaking it now, or a breaker died in the middle: clear a dead breaker's guard.
    const breaker = holderPid(guard);
    if (breaker !== undefined && !processExists(breaker)) fs.rmSync(guard, { force: true });
    return;
  }
  try {
    // Only breakers unlink a dead holder's lock, and we are the only breaker: re-checking is enough.
    const again = holderPid(lockPath);
    if (again !== undefined && !processExists(again)) {
      fs.rmSync(lockPath, { force: true });
      sweepDeadOwners(path.dirname(lockPath)); // the dead holder's owner file too
    }
  } finally {
    fs.rmSync(guard, { force: true });
  }
}
