// The operating-system side of a throwaway server: a free port, an initdb run that ends with this
// process, whether a process still runs, and a pause for the exit hook that waits for one to stop.
import { ChildProcess, execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import { atExit } from "../core/lifecycle";

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/**
 * Sleeps without the event loop, for the exit hook (the process is ending: blocking is fine).
 * Atomics.wait on a cell nobody notifies: a plain pause, there is no race here to prevent.
 *
 * @internal
 */
export function sleepSyncAtExit(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/** @internal Whether a process runs (a zombie has ended: it only waits to be reaped). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return os.platform() !== "linux"; // no /proc to ask: kill(pid, 0) answered
  }
}

/**
 * A free TCP port on 127.0.0.1, as the OS hands one out.
 *
 * @internal
 * @example
 * ```ts
 * const port = await freePort();
 * ```
 * Warning: another process may take it before it is used: bind soon, and retry on EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** initdb processes still running: a process that exits meanwhile ends them before its folders go. */
const initdbs = new Set<ChildProcess>();
function endInitdbsNow(): void {
  for (const child of initdbs) child.kill("SIGKILL");
}

/** @internal Runs initdb; rejects with its stderr (as execFileSync's error carries it) when it fails. */
export function initCluster(initdb: string, args: string[], owner: { uid: number; gid: number } | undefined): Promise<void> {
  atExit(endInitdbsNow, "workers");
  return new Promise((resolve, reject) => {
    const child = execFile(initdb, args, { encoding: "buffer", maxBuffer: 16 * 1024 * 1024, ...owner }, (error, _stdout, stderr) => {
      initdbs.delete(child);
      if (error) reject(Object.assign(error, { stderr }));
      else resolve();
    });
    initdbs.add(child);
    child.stdin?.end();
  });
}
