// Behaves like the tslab kernel: it has its own SIGINT listener, and starts a run from code run by
// vm with breakOnSigint (as tslab runs a cell), then interrupts itself. It must survive, with the run
// rejected by RunInterruptedError. Usage: node --import tsx test/library/helpers/run-kernel-sigint.ts thread|process
import * as vm from "vm";
import * as raceLab from "race-lab/internal";

const kind = process.argv[2] === "process" ? "runProcesses" : "runThreads";
process.on("SIGINT", () => console.log("KERNEL LISTENER RAN")); // tslab: executor.interrupt()
(globalThis as any).__raceLab = raceLab;
// The cell's code: it starts a run during its synchronous part, as `await runThreads(…)` in a cell does.
const cell = `__raceLab.${kind}(function work() { for (;;) race_lab_1.sleepSync(20); }, [[], []], { timeoutMs: 30000 })`;
const running: Promise<unknown> = vm.runInThisContext(cell, { breakOnSigint: true });
running.then(
  () => console.log("FINISHED (should not happen)"),
  (error) => {
    console.log("REJECTED", error.name);
    setTimeout(() => console.log("STILL ALIVE", raceLab.runningWorkers().threads + raceLab.runningWorkers().processes), 100);
  },
);
setTimeout(() => process.kill(process.pid, "SIGINT"), 1000); // workers are up by then
