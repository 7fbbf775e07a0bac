import type { LessonAnswers } from "./answers";

const ex1 = (body: string) => `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("09-ex1");
${body}`;

const ex2 = (body: string) => `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("09-ex2");
function takeOne(cond: Condition, items: Value): string {
${body}
}`;

export default {
  "09-ex1": {
    wrong: [
      {
        name: "reads at once",
        why: "When B runs before A has written, it reads the 0 that was there before.",
        code: ex1(`function readWhenReady(box: Value, written: Event): number {
  return box.value;
}`),
      },
      {
        name: "looks at the event once",
        why: "isSet() does not wait: when B looks before A has set the event, it gives up although A is about to write.",
        code: ex1(`function readWhenReady(box: Value, written: Event): number {
  return written.isSet() ? box.value : -1;
}`),
      },
      {
        name: "polls isSet() in a loop",
        why: "A busy-wait: it spins a core instead of waiting, and run one worker at a time (the explorer) it spins alone until its 300 ms are up and returns -1.",
        code: ex1(`function readWhenReady(box: Value, written: Event): number {
  for (const end = Date.now() + 300; Date.now() < end; ) {
    if (written.isSet()) return box.value;
  }
  return -1;
}`),
      },
      {
        name: "waits without a timeout",
        why: "When A never writes, B waits forever: a hang instead of -1.",
        code: ex1(`function readWhenReady(box: Value, written: Event): number {
  written.wait();
  return box.value;
}`),
      },
    ],
    right: [
      {
        name: "the wait's result in one expression",
        why: "wait(300) returns true once A has set the event (after its write), false after 300 ms without it.",
        code: ex1(`function readWhenReady(box: Value, written: Event): number {
  return written.wait(300) ? box.value : -1;
}`),
      },
      {
        name: "waitAsync in an async function",
        why: "The non-blocking form: the same wait, awaited; the check awaits what B returns.",
        code: ex1(`async function readWhenReady(box: Value, written: Event): Promise<number> {
  if (!(await written.waitAsync(300))) return -1;
  return box.value;
}`),
      },
    ],
  },
  "09-ex2": {
    wrong: [
      {
        name: "if instead of while",
        why: "notifyAll() wakes both consumers for one item; the second to get the lock takes an item that is not there (items goes below 0).",
        code: ex2(`  return cond.withLock(() => {
    if (items.value === 0 && !cond.wait(300)) return "timed out";
    items.value -= 1;
    return "item";
  });`),
      },
      {
        name: "gives up at the first empty wake-up",
        why: "It looks again after waking, but does not wait again: a wake-up that brought nothing (an empty notifyAll, or an item another consumer took) makes it give up although an item is still coming.",
        code: ex2(`  return cond.withLock(() => {
    if (items.value === 0 && (!cond.wait(300) || items.value === 0)) return "timed out";
    items.value -= 1;
    return "item";
  });`),
      },
      {
        name: "does not wait",
        why: "A consumer that runs before the producer finds nothing and gives up at once.",
        code: ex2(`  return cond.withLock(() => {
    if (items.value === 0) return "timed out";
    items.value -= 1;
    return "item";
  });`),
      },
      {
        name: "waits without a timeout",
        why: "With one item for two consumers, the one that does not get it waits forever.",
        code: ex2(`  return cond.withLock(() => {
    cond.waitFor(() => items.value > 0);
    items.value -= 1;
    return "item";
  });`),
      },
    ],
    right: [
      {
        name: "the while loop written out",
        why: "The loop waitFor packages: look again after every wake-up and wait again while there is nothing; a wait that times out ends it.",
        code: ex2(`  return cond.withLock(() => {
    while (items.value === 0) {
      if (!cond.wait(300)) return "timed out";
    }
    items.value -= 1;
    return "item";
  });`),
      },
      {
        name: "acquire and release by hand",
        why: "The same predicate wait, with the lock taken and released in try/finally instead of withLock.",
        code: ex2(`  cond.acquire();
  try {
    if (!cond.waitFor(() => items.value > 0, 300)) return "timed out";
    items.value -= 1;
    return "item";
  } finally {
    cond.release();
  }`),
      },
    ],
  },
} satisfies LessonAnswers;
