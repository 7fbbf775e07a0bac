// Interrupts an exploration in the middle (its third schedule spins forever), either as a plain node
// script (it must end by SIGINT, as Ctrl-C would) or like the tslab kernel (own SIGINT listener, the
// exploration started from code run by vm with breakOnSigint: it must survive with the exploration
// rejected). Usage: node --import tsx test/library/helpers/explore-sigint.ts plain|kernel
import * as vm from "vm";
import * as raceLab from "race-lab/internal";

const kernel = process.argv[2] === "kernel";
if (kernel) process.on("SIGINT", () => console.log("KERNEL LISTENER RAN"));
let schedules = 0;
(globalThis as any).__raceLab = raceLab;
(globalThis as any).__setup = () => {
  schedules++;
  const x = new raceLab.Value("i", 0);
  if (schedules === 3) setTimeout(() => console.log("MID EXPLORATION", raceLab.exploringThreads()), 0);
  return {
    args: [
      [x, schedules >= 3],
      [x, false],
    ],
    observe: () => x.value,
  };
};
const cell = `__raceLab.explore({
  fn: function work(x, stuck, s) { s.point("a"); x.value += 1; if (stuck) for (;;); s.point("b"); x.value += 1; },
  workers: 2, setup: __setup, stepTimeoutMs: 60000,
})`;
const running: Promise<unknown> = kernel ? vm.runInThisContext(cell, { breakOnSigint: true }) : vm.runInThisContext(cell);
running.then(
  () => console.log("FINISHED (should not happen)"),
  (error) => {
    console.log("REJECTED", error.name);
    setTimeout(() => console.log("STILL ALIVE", raceLab.exploringThreads()), 100);
  },
);
const interrupt = setInterval(() => {
  if (schedules >= 3) {
    clearInterval(interrupt);
    setTimeout(() => process.kill(process.pid, "SIGINT"), 300);
  }
}, 20);
