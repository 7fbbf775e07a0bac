import type { LessonAnswers } from "./answers";

export default {
  "05-ex1": {
    wrong: [
      {
        name: "no lock",
        why: "`balance.value += amount` in four tasks at once: an update read between another's read and write is lost.",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  for (let i = 0; i < times; i++) balance.value = balance.value + amount;
}`,
      },
      {
        name: "the withLock form",
        why: "Safe, but a block (Python's with), not the decorator the exercise asks for.",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  for (let i = 0; i < times; i++) lock.withLock(() => { balance.value = balance.value + amount; });
}`,
      },
      {
        name: "one lock around the whole loop",
        why: "A decorator, but on the whole task: no other teller can update between two of this one's updates (one lock per task, not per update).",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  const task = locked(lock, () => {
    for (let i = 0; i < times; i++) balance.value = balance.value + amount;
  });
  task();
}`,
      },
      {
        name: "a new lock per call",
        why: "Each task decorates with a lock of its own: nothing excludes the other tasks.",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  const update = locked(new Lock(), () => { balance.value = balance.value + amount; });
  for (let i = 0; i < times; i++) update();
}`,
      },
    ],
    right: [
      {
        name: "locked(lock, fn)",
        why: "Python's @lock-decorator on a plain function: each call of update holds the shared lock.",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  const update = locked(lock, () => { balance.value = balance.value + amount; });
  for (let i = 0; i < times; i++) update();
}`,
      },
      {
        name: "the source's SimpleLock, .wrap",
        why: "A ContextDecorator of one's own (enter acquires, exit releases), wrapped around the one update: the source's @simple_lock.",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  class SimpleLock extends ContextDecorator {
    enter() { lock.acquire(); }
    exit() { lock.release(); }
  }
  const deposit = new SimpleLock().wrap(() => { balance.value = balance.value + amount; });
  for (let i = 0; i < times; i++) deposit();
}`,
      },
      {
        name: "@synchronized(lock) on a method",
        why: "The decorator factory: every call of the method holds the shared lock.",
        code: `import { ContextDecorator, locked } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex1");
function safeTeller(balance: Value, lock: Lock, amount: number, times: number): void {
  class Teller {
    @synchronized(lock)
    deposit() { balance.value = balance.value + amount; }
  }
  const teller = new Teller();
  for (let i = 0; i < times; i++) teller.deposit();
}`,
      },
    ],
  },
  "05-ex2": {
    wrong: [
      {
        name: "no lock",
        why: "The auditor holds the lock, but the transfer never asks for it: it moves money while the auditor looks.",
        code: `import { locked, ContextDecorator, notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex2");
function transfer(accounts: SharedArray, lock: Lock, from: number, to: number, amount: number): void {
  accounts.set(from, accounts.get(from) - amount);
  accounts.set(to, accounts.get(to) + amount);
}`,
      },
      {
        name: "the debit and the credit locked one by one",
        why: "Between the two locked steps the lock is free: the auditor can take it and find the money in neither account.",
        code: `import { locked, ContextDecorator, notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex2");
function transfer(accounts: SharedArray, lock: Lock, from: number, to: number, amount: number): void {
  lock.withLock(() => accounts.set(from, accounts.get(from) - amount));
  lock.withLock(() => accounts.set(to, accounts.get(to) + amount));
}`,
      },
      {
        name: "a new lock per call",
        why: "A lock nobody else takes: the auditor's lock does not stop the transfer.",
        code: `import { locked, ContextDecorator, notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex2");
function transfer(accounts: SharedArray, lock: Lock, from: number, to: number, amount: number): void {
  locked(new Lock(), () => {
    accounts.set(from, accounts.get(from) - amount);
    accounts.set(to, accounts.get(to) + amount);
  })();
}`,
      },
    ],
    right: [
      {
        name: "lock.withLock around both",
        why: "The block form of the same thing: one lock held across the debit and the credit.",
        code: `import { locked, ContextDecorator, notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex2");
function transfer(accounts: SharedArray, lock: Lock, from: number, to: number, amount: number): void {
  lock.withLock(() => {
    accounts.set(from, accounts.get(from) - amount);
    accounts.set(to, accounts.get(to) + amount);
  });
}`,
      },
      {
        name: "a ContextDecorator's run",
        why: "Python's `with simple_lock:` around both steps.",
        code: `import { locked, ContextDecorator, notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("05-ex2");
function transfer(accounts: SharedArray, lock: Lock, from: number, to: number, amount: number): void {
  class SimpleLock extends ContextDecorator {
    enter() { lock.acquire(); }
    exit() { lock.release(); }
  }
  new SimpleLock().run(() => {
    accounts.set(from, accounts.get(from) - amount);
    accounts.set(to, accounts.get(to) + amount);
  });
}`,
      },
    ],
  },
} satisfies LessonAnswers;
