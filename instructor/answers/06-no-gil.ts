import type { LessonAnswers } from "./answers";

export default {
  "06-ex1": {
    wrong: [
      {
        name: "one shared counter in slot 0",
        why: "Every thread counts in slot 0: that is the unsafe shared counter again, and the threads' own slots stay 0.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex1");
function localCount(slots: SharedArray, me: number, times: number): void {
  for (let i = 0; i < times; i++) slots.set(0, slots.get(0) + 1);
}`,
      },
      {
        name: "clears every slot first",
        why: "A 'reset' of the whole array writes the other threads' slots: it can wipe a count another thread already left there.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex1");
function localCount(slots: SharedArray, me: number, times: number): void {
  for (let i = 0; i < slots.length; i++) slots.set(i, 0);
  let mine = 0;
  for (let i = 0; i < times; i++) mine += 1;
  slots.set(me, mine);
}`,
      },
      {
        name: "Atomics.add on its slot, every time",
        why: "Right total, but it counts in shared memory, one atomic step per count: the exercise is to share nothing while counting.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex1");
function localCount(slots: SharedArray, me: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.add(slots.typed as Int32Array, me, 1);
}`,
      },
    ],
    right: [
      {
        name: "a while loop, then one write",
        why: "The same: a private count, one write to its own slot at the end.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex1");
function localCount(slots: SharedArray, me: number, times: number): void {
  let mine = 0;
  while (mine < times) mine++;
  slots.set(me, mine);
}`,
      },
    ],
  },
  "06-ex2": {
    wrong: [
      {
        name: "no lock",
        why: "All fifty deposits read the balance before the first approval comes back: fifty writes of the same old balance plus 2.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex2");
async function deposit(account: Account, amount: number, lock: AsyncLock): Promise<void> {
  const seen = account.balance;
  if (await approve(amount)) account.balance = seen + amount;
}`,
      },
      {
        name: "the read and the write locked, not the await",
        why: "The lock is free during the await, where the other deposits run and read the same balance.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex2");
async function deposit(account: Account, amount: number, lock: AsyncLock): Promise<void> {
  const seen = await lock.withLock(() => account.balance);
  if (await approve(amount)) await lock.withLock(() => { account.balance = seen + amount; });
}`,
      },
      {
        name: "a new AsyncLock per call",
        why: "Each deposit holds a lock nobody else waits for.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex2");
async function deposit(account: Account, amount: number, lock: AsyncLock): Promise<void> {
  await new AsyncLock().withLock(async () => {
    const seen = account.balance;
    if (await approve(amount)) account.balance = seen + amount;
  });
}`,
      },
    ],
    right: [
      {
        name: "acquire and release in try/finally",
        why: "The same lock held across the read, the await and the write, released even if approve throws.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("06-ex2");
async function deposit(account: Account, amount: number, lock: AsyncLock): Promise<void> {
  const release = await lock.acquire();
  try {
    const seen = account.balance;
    if (await approve(amount)) account.balance = seen + amount;
  } finally {
    release();
  }
}`,
      },
    ],
  },
} satisfies LessonAnswers;
