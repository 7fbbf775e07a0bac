// FileLock: a lock between processes, kept in the file system (Python's fasteners.InterProcessLock).
// How the files work, and what happens when a holder dies: owner-files.ts.
import * as fs from "fs";
import * as path from "path";
import { canBlock } from "../core/environment";
import { LockReleaseError, MainThreadBlockError, RaceLabArgumentError, RaceLabError } from "../core/errors";
import { atExit } from "../core/lifecycle";
import { defineSharable } from "../core/shared-object";
import { sleepSync } from "../core/sleep";
import { runFolder } from "../core/temp";
import { checkTimeout } from "../core/validate";
import { BaseLock } from "../primitives/synchronized";
import { ASYNC_WAITS, Backoff, BLOCKING_WAITS } from "./backoff";
import { breakIfStale, type Owner, ownerFileFor, tryLink } from "./owner-files";

const held = new Set<FileLock>();

/** A process that ends while holding a lock frees it for the others at once. */
function releaseHeldAtExit(): void {
  for (const lock of held) fs.rmSync(lock.path, { force: true });
  held.clear();
}

function defaultLockPath(): string {
  return path.join(runFolder("filelock"), "file.lock");
}

function checkPath(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.includes("\0")) {
    throw new RaceLabArgumentError("path", "a file path (a non-empty string), or nothing for a fresh per-run lock file", value);
  }
  return path.resolve(value);
}

/**
 * A lock shared between processes (and threads) through a file: Python's
 * `fasteners.InterProcessLock`. It travels to child processes by its path, so pass it in
 * `runProcesses` arguments and every child locks the same file.
 *
 * @example
 * ```ts
 * const lock = new FileLock();            // a fresh lock file in a per-run temporary folder
 * await runProcesses((file, lock, n) => {
 *   const fs = require("fs");
 *   for (let i = 0; i < n; i++) lock.withLock(() => {
 *     const v = Number(fs.readFileSync(file, "utf8"));
 *     fs.writeFileSync(file, String(v + 1));
 *   });
 * }, [[file, lock, 1000], [file, lock, 2000]]);
 * ```
 * Warning: blocking forms (`acquire`, `withLock`) work in child processes and worker threads; on the
 * notebook's main thread use `acquireAsync` / `withLockAsync`. Not re-entrant. Each `FileLock` object
 * is one holder: only the object that acquired it may release it. If a holder process dies, a waiter
 * breaks the lock after checking that the pid in the lock file is gone (see owner-files.ts). Local file systems only.
 */
export class FileLock extends BaseLock {
  /** The lock file's absolute path. It exists exactly while someone holds the lock. */
  readonly path: string;
  private holding = false;
  /** This process's owner file for the lock's file system, found on first use (a few syscalls). */
  private owner: Owner | undefined;

  /**
   * @param lockPath the lock file. Default: `file.lock` in a fresh per-run temporary folder (removed
   *   at exit), so two students on one machine never block each other.
   */
  constructor(lockPath?: string) {
    super();
    this.path = lockPath === undefined ? defaultLockPath() : checkPath(lockPath);
  }

  /**
   * Takes the lock, blocking this child process or worker thread until it is free or `timeoutMs`
   * passes. Returns true when acquired, false on timeout. `acquire(0)` only tries (works anywhere).
   *
   * @example
   * ```ts
   * if (lock.acquire(1000)) { try { bump(file); } finally { lock.release(); } }
   * ```
   * Warning: without a timeout it waits as long as it takes (a run's own timeout still ends it).
   * Throws `MainThreadBlockError` on the notebook's main thread (except `acquire(0)`).
   */
  acquire(timeoutMs?: number): boolean {
    const deadline = this.start("acquire", timeoutMs);
    if (timeoutMs !== 0 && !canBlock()) throw new MainThreadBlockError("fileLock.acquire()", "fileLock.acquireAsync()");
    const owner = this.ownerFile();
    const backoff = new Backoff(BLOCKING_WAITS.first, BLOCKING_WAITS.max, deadline, () => breakIfStale(owner.file, this.path));
    for (;;) {
      if (tryLink(owner.file, this.path)) return this.took();
      const pause = backoff.nextPause();
      if (pause === null) return false;
      sleepSync(pause);
    }
  }

  /**
   * Takes the lock without blocking (it polls with timers): usable anywhere, including a notebook
   * cell. Resolves true when acquired, false on timeout.
   *
   * @example
   * ```ts
   * if (await lock.acquireAsync(1000)) { try { await bump(file); } finally { lock.release(); } }
   * ```
   * Warning: without a timeout it waits as long as it takes; an interrupted cell leaves it polling
   * until the lock frees, so prefer a timeout in cells.
   */
  async acquireAsync(timeoutMs?: number): Promise<boolean> {
    const deadline = this.start("acquireAsync", timeoutMs);
    const owner = this.ownerFile();
    const backoff = new Backoff(ASYNC_WAITS.first, ASYNC_WAITS.max, deadline, () => breakIfStale(owner.file, this.path));
    for (;;) {
      if (this.holding) throw this.notReentrant("acquireAsync"); // another task of ours got it meanwhile
      if (tryLink(owner.file, this.path)) return this.took();
      const pause = backoff.nextPause();
      if (pause === null) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * Releases the lock. Throws `LockReleaseError` if this object does not hold it (never acquired,
   * released twice) or if its lock file was removed behind its back.
   *
   * @example
   * ```ts
   * lock.acquire(); try { bump(file); } finally { lock.release(); }
   * ```
   */
  release(): void {
    if (!this.holding) {
      throw new LockReleaseError(
        `fileLock.release(): this FileLock does not hold ${this.path} — it was never acquired here, or it was ` +
          `already released. Release exactly once, in a finally block, or use withLock(fn).`,
      );
    }
    this.holding = false;
    held.delete(this);
    const owner = this.ownerFile();
    let ours = false;
    try {
      const lockFile = fs.statSync(this.path);
      ours = lockFile.ino === owner.ino && lockFile.dev === owner.dev; // the lock file is a link to our owner file
    } catch {
      ours = false;
    }
    if (!ours) {
      throw new LockReleaseError(
        `fileLock.release(): the lock file ${this.path} is no longer ours: someone deleted it (or broke it, ` +
          `believing this process dead) while we held it. Do not delete lock files by hand.`,
      );
    }
    fs.unlinkSync(this.path);
  }

  /**
   * Whether some process holds the lock right now (the lock file exists). A snapshot: it may change
   * immediately.
   *
   * @example
   * ```ts
   * console.log(lock.locked());
   * ```
   */
  locked(): boolean {
    return fs.existsSync(this.path);
  }

  /** @internal Shows the lock in a notebook: `FileLock(/tmp/race-lab-filelock-…/file.lock)`. */
  toString(): string {
    return `FileLock(${this.path})`;
  }

  private ownerFile(): Owner {
    this.owner ??= ownerFileFor(this.path);
    return this.owner;
  }

  private start(call: string, timeoutMs: unknown): number {
    const ms = checkTimeout("timeoutMs", timeoutMs);
    if (this.holding) throw this.notReentrant(call);
    return ms === undefined ? Infinity : Date.now() + ms;
  }

  private notReentrant(call: string): RaceLabError {
    return new RaceLabError(
      `fileLock.${call}(): this FileLock already holds ${this.path}, and a FileLock is not re-entrant: waiting ` +
        `for it would wait for ourselves forever. Release it first (or take it once, around all the work).`,
    );
  }

  private took(): true {
    this.holding = true;
    held.add(this);
    atExit(releaseHeldAtExit, "files");
    return true;
  }
}

// A FileLock crosses to a thread or a process by its path.
defineSharable(FileLock, {
  name: "FileLock",
  module: __filename,
  toProcesses: true,
  fields: ["path"],
  decode: (s) => new FileLock(s.path as string),
});
