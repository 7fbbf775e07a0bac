import type { LessonAnswers } from "./answers";

/** Exercise 1's solution cell, with `casCount`'s body replaced by `body`. */
function casCount(body: string): string {
  return `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("07-ex1");
function casCount(cells: Int32Array, times: number): void {
${body}
}`;
}

/** Exercise 2's solution cell, with `publish`'s body replaced by `body`. */
function publish(body: string): string {
  return `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("07-ex2");
function publish(shared: Int32Array, n: number): void {
${body}
}`;
}

export default {
  "07-ex1": {
    wrong: [
      {
        name: "load then store",
        why: "The lesson's atomicity violation: a write that falls between the load and the store is overwritten.",
        code: casCount(`  for (let i = 0; i < times; i++) Atomics.store(cells, 0, Atomics.load(cells, 0) + 1);`),
      },
      {
        name: "one compareExchange, no retry",
        why: "When another thread wrote in between, the swap does nothing and that +1 is lost.",
        code: casCount(`  for (let i = 0; i < times; i++) {
    const seen = Atomics.load(cells, 0);
    Atomics.compareExchange(cells, 0, seen, seen + 1);
  }`),
      },
      {
        name: "retry with the stale value",
        why: "After a failed swap it tries again with the value it read before, which the cell no longer holds: it spins forever.",
        code: casCount(`  for (let i = 0; i < times; i++) {
    const seen = Atomics.load(cells, 0);
    while (Atomics.compareExchange(cells, 0, seen, seen + 1) !== seen) {
      // try again
    }
  }`),
      },
      {
        name: "Atomics.add",
        why: "Correct counting, but the exercise is to build the read-modify-write from load and compareExchange.",
        code: casCount(`  for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1);`),
      },
      {
        name: "plain increment",
        why: "A data race and a race condition: no compareExchange at all.",
        code: casCount(`  for (let i = 0; i < times; i++) cells[0]++;`),
      },
    ],
    right: [
      {
        name: "read again before each try",
        why: "Each attempt loads the current value and swaps only if it is still there.",
        code: casCount(`  for (let i = 0; i < times; i++) {
    for (;;) {
      const seen = Atomics.load(cells, 0);
      if (Atomics.compareExchange(cells, 0, seen, seen + 1) === seen) break;
    }
  }`),
      },
      {
        name: "do … while",
        why: "The same loop, written with the swap as the loop's condition.",
        code: casCount(`  for (let i = 0; i < times; i++) {
    let seen: number;
    do {
      seen = Atomics.load(cells, 0);
    } while (Atomics.compareExchange(cells, 0, seen, seen + 1) !== seen);
  }`),
      },
    ],
  },
  "07-ex2": {
    wrong: [
      {
        name: "the flag first, then the results",
        why: "A reader that looks the moment the flag goes up reads an incomplete set.",
        code: publish(`  Atomics.store(shared, 0, 1);
  for (let i = 1; i <= n; i++) shared[i] = 1;
  Atomics.notify(shared, 0);`),
      },
      {
        name: "a plain write of the flag",
        why: "A plain write orders nothing: a reader in another thread that sees the flag is not promised the results written before it.",
        code: publish(`  for (let i = 1; i <= n; i++) shared[i] = 1;
  shared[0] = 1;
  Atomics.notify(shared, 0);`),
      },
      {
        name: "no notify",
        why: "The results and the flag are right, but a reader asleep in Atomics.wait or waitAsync is never woken.",
        code: publish(`  for (let i = 1; i <= n; i++) shared[i] = 1;
  Atomics.store(shared, 0, 1);`),
      },
      {
        name: "notify before the flag",
        why: "The woken reader finds the flag still down (and a reader that reads anyway reads nothing yet).",
        code: publish(`  for (let i = 1; i <= n; i++) shared[i] = 1;
  Atomics.notify(shared, 0);
  Atomics.store(shared, 0, 1);`),
      },
    ],
    right: [
      {
        name: "Atomics.exchange for the flag",
        why: "Any Atomics write of the flag after the results publishes them; exchange is one.",
        code: publish(`  for (let i = 1; i <= n; i++) shared[i] = 1;
  Atomics.exchange(shared, 0, 1);
  Atomics.notify(shared, 0);`),
      },
      {
        name: "every write atomic",
        why: "Atomic writes of the results are slower but just as correct; the flag still comes last.",
        code: publish(`  for (let i = 1; i <= n; i++) Atomics.store(shared, i, 1);
  Atomics.add(shared, 0, 1);
  Atomics.notify(shared, 0, 1);`),
      },
    ],
  },
} satisfies LessonAnswers;
