// Behaves like the tslab kernel when ■ comes while a cell's synchronous part still runs: the cell
// starts a run (as `await runThreads(…)` does before its first await) and keeps the thread busy;
// another process sends SIGINT. vm's breakOnSigint takes the signal itself (no listener hears it) and
// throws; tslab prints that error on stderr, and later the rejection nobody awaits, where race-lab's
// cell watch puts what the student reads instead (studentStderr). The run must end, and the student
// read the summary and no rejection. Usage: node --import tsx
// test/library/helpers/run-kernel-sync-sigint.ts thread|process
import { spawn } from "child_process";
import { format, inspect } from "util";
import * as vm from "vm";
import * as raceLab from "race-lab/internal";
import { studentStderr } from "../../../src/dist/course/cell-watch";

const kind = process.argv[2] === "process" ? "runProcesses" : "runThreads";
process.on("SIGINT", () => console.log("KERNEL LISTENER RAN")); // tslab: executor.interrupt()
// tslab's own report of an unhandled rejection, as the student would read it.
process.on("unhandledRejection", (reason) => console.log(`UNHANDLED "${studentStderr(format("UnhandledPromiseRejection:", reason))}"`));
(globalThis as any).__raceLab = raceLab;
// ■ in one second, from outside: this thread is busy in the cell's synchronous part by then.
spawn("sh", ["-c", `sleep 1; kill -INT ${process.pid}`], { stdio: "ignore" });
const cell =
  `__raceLab.${kind}(function work() { for (;;) race_lab_1.sleepSync(20); }, [[], []], { timeoutMs: 30000 });\n` +
  "const until = Date.now() + 5000; while (Date.now() < until) {}";
try {
  vm.runInThisContext(cell, { breakOnSigint: true });
  console.log("FINISHED (should not happen)");
} catch (error) {
  const trace = inspect(error); // as tslab prints it: console.error(error)
  console.log(`TRACE ${trace.split("\n")[0]}`);
  console.log(`SHOWN ${studentStderr(trace).trim()}`);
}
setTimeout(() => {
  const { threads, processes } = raceLab.runningWorkers();
  console.log(`STILL ALIVE ${threads + processes}`);
}, 1500);
