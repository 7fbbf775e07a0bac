import type { LessonAnswers } from "./answers";

export default {
  "04-ex1": {
    wrong: [
      {
        name: "no lock",
        why: "`balance.value += amount` is a read and a write: another thread's write between them is lost.",
        code: `import { solutionCell } from "race-lab";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) balance.value += amount;
}`,
      },
      {
        name: "a new lock per call",
        why: "Each thread locks a lock of its own, so nothing excludes the other thread.",
        code: `import { solutionCell } from "race-lab";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  const lock = new Lock();
  for (let i = 0; i < times; i++) lock.withLock(() => { balance.value += amount; });
}`,
      },
    ],
    right: [
      {
        name: "Atomics.add",
        why: "One atomic read-modify-write per update: no other write can fall between its read and its write.",
        code: `import { solutionCell } from "race-lab";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.add(balance.typed, 0, amount);
}`,
      },
    ],
  },
} satisfies LessonAnswers;
