// A plain node script (not a kernel): starts a run whose workers wait a long time, then interrupts
// itself with SIGINT once every worker is going. Usage: node --import tsx test/library/helpers/run-sigint.ts thread|process|folder [kill]
// Prints "FOLDERS <dir> <dir>" (a run folder and a held FileLock's folder, which must be gone after the
// signal) and "WORKERS <pid> <pid>" (child pids, or this pid for threads) before the signal. With
// "folder", no run: the script only holds the folders when it interrupts itself.
import * as path from "path";
import { FileLock, runProcesses, runThreads } from "race-lab";
import { runFolder } from "race-lab/internal";

const kind = process.argv[2] === "process" ? "process" : process.argv[2] === "folder" ? "folder" : "thread";
const signal = process.argv[3] === "kill" ? "SIGKILL" : "SIGINT";
const lock = new FileLock();
void lock.acquireAsync(1000).then(() => console.log(`FOLDERS ${runFolder("sigint")} ${path.dirname(lock.path)}`));
const pids: number[] = [];
const write = process.stdout.write.bind(process.stdout);
// Watch the forwarded output for each worker's "started" line.
process.stdout.write = ((chunk: string) => {
  for (const m of String(chunk).matchAll(/started (\d+)/g)) pids.push(Number(m[1]));
  if (pids.length === 2) {
    pids.push(0); // only once
    write(`WORKERS ${pids.slice(0, 2).join(" ")}\n`, () => process.kill(process.pid, signal));
  }
  return write(chunk);
}) as typeof process.stdout.write;

async function waitLong(): Promise<void> {
  console.log("started", process.pid);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
}
if (kind === "folder") {
  setTimeout(() => process.kill(process.pid, signal), 200);
  setTimeout(() => console.log("FINISHED (should not happen)"), 30_000);
} else
  (kind === "process" ? runProcesses : runThreads)(waitLong, [[], []], { timeoutMs: 120_000 }).then(
    () => console.log("FINISHED (should not happen)"),
    (error) => console.log("REJECTED", error.name),
  );
