import * as fs from "fs";
import { execFileSync } from "child_process";
import type { Client } from "pg";
import { RaceLabArgumentError, RaceLabError } from "../core/errors";

// Stage directions for the lease demo: a worker process freezes itself (SIGSTOP, as a long GC pause
// or a swapped-out VM freezes a program) and another worker ends the pause at the worst moment. The
// pids meet in the table `paused (pid int)` of the run's schema, which the lesson makes.

const POLL_MS = 5;

function checkClient(client: unknown): Client {
  if (typeof client !== "object" || client === null || typeof (client as Client).query !== "function") {
    throw new RaceLabArgumentError("client", "a connected pg Client (from connectTo or db.connect())", client);
  }
  return client as Client;
}

/** Whether a process is stopped (SIGSTOP): state T in /proc, or from `ps` where there is no /proc. */
function isStopped(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "T";
  } catch {
    try {
      return execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" })
        .trim()
        .startsWith("T");
    } catch {
      return false;
    }
  }
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pausedPids(client: Client): Promise<number[]> {
  try {
    return (await client.query("SELECT pid FROM paused")).rows.map((r) => Number(r.pid));
  } catch (e) {
    throw new RaceLabError(`the pause needs a table paused (pid int) in the run's schema: ${(e as Error).message}`);
  }
}

/**
 * Freezes the calling process with SIGSTOP, as a long garbage-collection pause would, after writing
 * its pid into the table `paused`; returns once another process has ended the pause with
 * {@link resumePaused}.
 *
 * @example
 * ```ts
 * // in a worker process holding a lease:
 * await pauseThisProcess(client); // frozen here until someone calls resumePaused
 * ```
 * Warning: only in a child process (runProcesses): stopping the kernel would freeze the notebook.
 * Nothing runs in a stopped process — not its timers, not its run's timeout — until SIGCONT.
 */
export async function pauseThisProcess(client: Client): Promise<void> {
  const c = checkClient(client);
  if (process.env.RACE_LAB_WORKER !== "process") {
    throw new RaceLabError(
      "pauseThisProcess() stops the process it runs in: call it in a worker process (runProcesses), never in the kernel.",
    );
  }
  await c.query("INSERT INTO paused (pid) VALUES ($1)", [process.pid]);
  process.kill(process.pid, "SIGSTOP");
}

/**
 * Waits until a process has paused itself with {@link pauseThisProcess} (its pid is in `paused` and
 * it is stopped). Resolves to its pid.
 *
 * @example
 * ```ts
 * await waitUntilPaused(client); // the other worker holds the lease and is frozen now
 * ```
 * Warning: gives up with an error after `timeoutMs` (default 30 s).
 */
export async function waitUntilPaused(client: Client, timeoutMs = 30_000): Promise<number> {
  const c = checkClient(client);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stopped = (await pausedPids(c)).find(isStopped);
    if (stopped !== undefined) return stopped;
    if (Date.now() > deadline) throw new RaceLabError(`no process paused within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Ends the pause of every process that paused itself with {@link pauseThisProcess} (SIGCONT), once
 * each is really stopped. Resolves to their pids.
 *
 * @example
 * ```ts
 * await resumePaused(client); // the frozen holder wakes up, still believing it holds the lease
 * ```
 * Warning: may wait up to 30 s for each paused process to stop first; one that has exited meanwhile is skipped.
 */
export async function resumePaused(client: Client): Promise<number[]> {
  const c = checkClient(client);
  const pids = await pausedPids(c);
  for (const pid of pids) {
    // Its pid is written before it stops: a SIGCONT sent before the SIGSTOP lands would be lost.
    const deadline = Date.now() + 30_000;
    while (!isStopped(pid) && exists(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (exists(pid)) process.kill(pid, "SIGCONT");
  }
  if (pids.length > 0) await c.query("DELETE FROM paused WHERE pid = ANY($1)", [pids]);
  return pids;
}
