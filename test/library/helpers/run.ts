// Test helpers for the runtime tests: counting leftover threads and processes, capturing output.
import * as fs from "fs";
import { runningWorkers, spareProcessIds } from "race-lab/internal";

/** Pids of this process's children, read from /proc (zombies count: an unreaped child is a leftover). */
export function childPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) in parentheses: state, ppid, …
      const [, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === parent) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Whether a process still exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

const WATCHED = ["MessagePort", "Worker", "ProcessWrap", "PipeWrap"];
function watchedHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((r) => WATCHED.includes(r))
    .sort();
}
// Handles this test process holds by itself (under `node --test`, stdout and stderr are pipes).
const baseline = watchedHandles();

/** Everything a run might leave behind in this process, beyond what the test process started with. */
export function leftovers(): { threads: number; processes: number; childPids: number[]; handles: string[] } {
  const { threads, processes } = runningWorkers();
  const handles = watchedHandles();
  for (const h of baseline) handles.splice(handles.indexOf(h), 1);
  // Only run children (they load child-entry.js): tsx may keep an esbuild helper process of its own.
  // Spare processes waiting for the next run are not left behind: spare-processes.test.ts checks them.
  const spares = new Set(spareProcessIds());
  const runChildren = childPids().filter((pid) => {
    if (spares.has(pid)) return false;
    if (!isAlive(pid)) return true; // a zombie: ended but never reaped
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("child-entry");
    } catch {
      return false;
    }
  });
  return { threads, processes, childPids: runChildren, handles };
}

export const NOTHING_LEFT = { threads: 0, processes: 0, childPids: [], handles: [] };

/**
 * {@link leftovers} once the threads of a finished run have ended: a run of threads returns as soon
 * as every thread has returned, flushed its output and has nothing left to run, and the threads then
 * end by themselves in milliseconds (run.ts). Waits at most 5 s (no wall-clock assertion: a thread
 * that does not end is still reported).
 */
export async function settledLeftovers(): Promise<ReturnType<typeof leftovers>> {
  const deadline = Date.now() + 5_000;
  while (runningWorkers().threads > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return leftovers();
}

/** Runs `body` while capturing what is written to process.stdout / process.stderr. */
export async function captureOutput<T>(body: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let stdout = "";
  let stderr = "";
  // Forwarded output is written as strings; the test runner's own reports (Buffers) pass through.
  process.stdout.write = ((chunk: unknown, ...rest: any[]) =>
    typeof chunk === "string"
      ? ((stdout += chunk), true)
      : out.call(process.stdout, chunk as Buffer, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown, ...rest: any[]) =>
    typeof chunk === "string"
      ? ((stderr += chunk), true)
      : err.call(process.stderr, chunk as Buffer, ...rest)) as typeof process.stderr.write;
  try {
    const result = await body();
    return { result, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
