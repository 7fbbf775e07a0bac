import type { LessonAnswers } from "./answers";

export default {
  "04-ex1": {
    wrong: [
      {
        name: "no lock",
        why: "`balance.value += amount` is a read and a write: another thread's write between them is lost.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) balance.value += amount;
}`,
      },
      {
        name: "a new lock per call",
        why: "Each thread locks a lock of its own, so nothing excludes the other thread.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  const lock = new Lock();
  for (let i = 0; i < times; i++) lock.withLock(() => { balance.value += amount; });
}`,
      },
      {
        name: "the lock around the read only",
        why: "The lock is released before the write: the other thread can read the same number in between, and one write overwrites the other.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  const lock = balance.getLock();
  for (let i = 0; i < times; i++) {
    const seen = lock.withLock(() => balance.value);
    balance.value = seen + amount;
  }
}`,
      },
      {
        name: "Atomics.load then Atomics.store",
        why: "Two atomic steps are still two steps: another thread's store can land between the load and the store.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.store(balance.typed, 0, Atomics.load(balance.typed, 0) + amount);
}`,
      },
    ],
    right: [
      {
        name: "the Value's lock around a write through typed",
        why: "The Value's own lock held around the read and the write: another thread's update cannot fall between them, however the number is written.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  const lock = balance.getLock();
  for (let i = 0; i < times; i++) {
    lock.withLock(() => {
      balance.typed[0] = balance.typed[0] + amount;
    });
  }
}`,
      },
      {
        name: "Atomics.add",
        why: "One atomic read-modify-write per update: no other write can fall between its read and its write.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.add(balance.typed, 0, amount);
}`,
      },
      {
        name: "withLock on the value's lock",
        why: "The value's own lock, shared by every thread that has the Value, held around each read and write.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  const lock = balance.getLock();
  for (let i = 0; i < times; i++) lock.withLock(() => { balance.value = balance.value + amount; });
}`,
      },
      {
        name: "one lock around the whole loop",
        why: "Coarser than needed (the other thread waits for all of this one's updates), but no update is lost: the exercise asks for no lost updates, any way.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex1");
function safeTransact(balance: Value, amount: number, times: number): void {
  balance.getLock().withLock(() => {
    for (let i = 0; i < times; i++) balance.value += amount;
  });
}`,
      },
    ],
  },
  "04-ex2": {
    wrong: [
      {
        name: "one copy for both workers",
        why: "Each worker has its own private copy of what it read: with one shared copy, a worker writes what the other read.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex2");
function finalBalance(start: number, schedule: string[]): number {
  let balance = start;
  let seen = start;
  for (const step of schedule) {
    const [who, action] = step.split(":");
    if (action === "read") seen = balance;
    else balance = seen + (who === "d" ? 1 : -1);
  }
  return balance;
}`,
      },
      {
        name: "the write adds to the current balance",
        why: "Ignores what the worker read: that is an atomic update, so no update is ever lost — not what the threads do.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex2");
function finalBalance(start: number, schedule: string[]): number {
  let balance = start;
  for (const step of schedule) {
    const [who, action] = step.split(":");
    if (action === "write") balance += who === "d" ? 1 : -1;
  }
  return balance;
}`,
      },
    ],
    right: [
      {
        name: "a switch over the four steps",
        why: "The same replay written step by step: two private copies, writes from them.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex2");
function finalBalance(start: number, schedule: string[]): number {
  let balance = start, d = start, w = start;
  for (const step of schedule) {
    switch (step) {
      case "d:read": d = balance; break;
      case "w:read": w = balance; break;
      case "d:write": balance = d + 1; break;
      case "w:write": balance = w - 1; break;
    }
  }
  return balance;
}`,
      },
    ],
  },
  "04-ex3": {
    wrong: [
      {
        name: "no Atomics: balance.value += amount",
        why: "A read and a write: updates are lost, and the exercise asks for an Atomics read-modify-write.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex3");
function atomicTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) balance.value += amount;
}`,
      },
      {
        name: "Atomics.load then Atomics.store",
        why: "Each is atomic, the pair is not: a store from the other thread between them is overwritten.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex3");
function atomicTransact(balance: Value, amount: number, times: number): void {
  const cells = balance.typed;
  for (let i = 0; i < times; i++) Atomics.store(cells, 0, Atomics.load(cells, 0) + amount);
}`,
      },
      {
        name: "Atomics.add under the value's lock",
        why: "Correct, but the exercise is the lock-free answer: the lock adds two atomic steps to every update.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex3");
function atomicTransact(balance: Value, amount: number, times: number): void {
  const lock = balance.getLock();
  for (let i = 0; i < times; i++) lock.withLock(() => Atomics.add(balance.typed, 0, amount));
}`,
      },
    ],
    right: [
      {
        name: "Atomics.sub of minus the amount",
        why: "Subtracting −amount is adding amount, in one atomic step.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex3");
function atomicTransact(balance: Value, amount: number, times: number): void {
  for (let i = 0; i < times; i++) Atomics.sub(balance.typed, 0, -amount);
}`,
      },
      {
        name: "a compareExchange loop",
        why: "Writes the sum only if the number is still the one read, else tries again: what V8 itself emits for Atomics.add on x86-64.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("04-ex3");
function atomicTransact(balance: Value, amount: number, times: number): void {
  const cells = balance.typed;
  for (let i = 0; i < times; i++) {
    let seen = Atomics.load(cells, 0);
    while (Atomics.compareExchange(cells, 0, seen, seen + amount) !== seen) seen = Atomics.load(cells, 0);
  }
}`,
      },
    ],
  },
} satisfies LessonAnswers;
