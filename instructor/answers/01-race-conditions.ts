import type { LessonAnswers } from "./answers";

// Each answer is the whole solution cell. `Counter.add` runs on the kernel's one thread: all the
// concurrent `add` calls read before the first `await` resolves, so a missing or misplaced lock loses
// updates every time, not by chance.
const counter = (body: string, lock = "private lock = new AsyncLock();") => `import { solutionCell } from "race-lab/course";
solutionCell("01-ex1");
class Counter {
  total = 0;
  ${lock}

  async add(amount: number): Promise<void> {
${body}
  }
}`;

const runAll = (body: string) => `import { solutionCell } from "race-lab/course";
solutionCell("01-ex2");
async function runAll(tasks: Array<() => Promise<number>>): Promise<{ values: number[]; errors: string[] }> {
${body}
}`;

export default {
  "01-ex1": {
    wrong: [
      {
        name: "no lock",
        why: "Every concurrent add reads the total before any of them writes: all but one update is lost.",
        code: counter(`    const current = this.total;
    await sleep(5);
    this.total = current + amount;`),
      },
      {
        name: "the lock around the write only",
        why: "The read and the await are outside the lock, so every add still reads the same old total.",
        code: counter(`    const current = this.total;
    await sleep(5);
    await this.lock.withLock(() => {
      this.total = current + amount;
    });`),
      },
      {
        name: "a new lock per call",
        why: "Each call locks a lock of its own: nothing excludes the other calls.",
        code: counter(`    const lock = new AsyncLock();
    await lock.withLock(async () => {
      const current = this.total;
      await sleep(5);
      this.total = current + amount;
    });`),
      },
      {
        name: "withLock not awaited",
        why: "add returns before its update is done: the caller sees the total before the writes.",
        code: counter(`    this.lock.withLock(async () => {
      const current = this.total;
      await sleep(5);
      this.total = current + amount;
    });`),
      },
    ],
    right: [
      {
        name: "acquire and release by hand, in try/finally",
        why: "The same critical section as withLock, released even if the body throws.",
        code: counter(`    const release = await this.lock.acquire();
    try {
      const current = this.total;
      await sleep(5);
      this.total = current + amount;
    } finally {
      release();
    }`),
      },
      {
        name: "one lock shared by every Counter",
        why: "Coarser than needed (two counters wait for each other), but every add still runs alone.",
        code: counter(
          `    await Counter.lock.withLock(async () => {
      const current = this.total;
      await sleep(5);
      this.total = current + amount;
    });`,
          "static lock = new AsyncLock();",
        ),
      },
    ],
  },
  "01-ex2": {
    wrong: [
      {
        name: "Promise.all",
        why: "Promise.all rejects at the first failure: the error escapes and the other outcomes are lost.",
        code: runAll(`  const values = await Promise.all(tasks.map((start) => start()));
  return { values, errors: [] };`),
      },
      {
        name: "one task after the other",
        why: "Every outcome is caught, but the tasks run one at a time instead of all at once.",
        code: runAll(`  const values: number[] = [];
  const errors: string[] = [];
  for (const start of tasks) {
    try {
      values.push(await start());
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  return { values, errors };`),
      },
      {
        name: "in the order they end",
        why: "Pushing each outcome when it settles lists them in time order, not task order.",
        code: runAll(`  const values: number[] = [];
  const errors: string[] = [];
  await Promise.allSettled(tasks.map((start) => start().then(
    (value) => { values.push(value); },
    (error) => { errors.push((error as Error).message); },
  )));
  return { values, errors };`),
      },
    ],
    right: [
      {
        name: "Promise.all over caught outcomes",
        why: "Each task's promise is turned into an outcome that never rejects, so Promise.all waits for all of them, in task order.",
        code: runAll(`  const outcomes = await Promise.all(tasks.map((start) => start().then(
    (value) => ({ failed: false, value, message: "" }),
    (error) => ({ failed: true, value: 0, message: (error as Error).message }),
  )));
  const values = outcomes.filter((o) => !o.failed).map((o) => o.value);
  const errors = outcomes.filter((o) => o.failed).map((o) => o.message);
  return { values, errors };`),
      },
    ],
  },
} satisfies LessonAnswers;
