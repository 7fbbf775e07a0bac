import type { LessonAnswers } from "./answers";

const ex1 = (body: string) => `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("10-ex1");
function useConnection(slots: Semaphore, inside: Value, most: Value, enterAndLeave: (inside: Value, most: Value) => void): void {
${body}
}`;

const ex2 = (body: string) => `import { notImplemented } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("10-ex2");
function safeTransfers(accounts: SharedArray, locks: Lock[], transfers: [number, number, number][]): string {
${body}
}`;

export default {
  "10-ex1": {
    wrong: [
      {
        name: "no semaphore",
        why: "Nothing keeps a third worker out: some interleaving has all three inside.",
        code: ex1(`  enterAndLeave(inside, most);`),
      },
      {
        name: "no finally",
        why: "When enterAndLeave throws, the release is skipped: the slot never comes back.",
        code: ex1(`  if (!slots.acquire(2000)) throw new Error("no connection within 2 s");
  enterAndLeave(inside, most);
  slots.release();`),
      },
      {
        name: "releases before using",
        why: "The slot is given back before the connection is used, so it guards nothing: three get in.",
        code: ex1(`  if (!slots.acquire(2000)) throw new Error("no connection within 2 s");
  slots.release();
  enterAndLeave(inside, most);`),
      },
      {
        name: "takes both slots",
        why: "Over-locked: each worker holds both slots, so never two are inside together — one connection of the two is wasted.",
        code: ex1(`  if (!slots.acquire(2000)) throw new Error("no connection within 2 s");
  if (!slots.acquire(2000)) { slots.release(); throw new Error("no connection within 2 s"); }
  try {
    enterAndLeave(inside, most);
  } finally {
    slots.release();
    slots.release();
  }`),
      },
    ],
    right: [
      {
        name: "catch, release and rethrow",
        why: "The slot comes back on both paths: after the use, and before the error is passed on.",
        code: ex1(`  if (!slots.acquire(2000)) throw new Error("no connection within 2 s");
  try {
    enterAndLeave(inside, most);
  } catch (error) {
    slots.release();
    throw error;
  }
  slots.release();`),
      },
    ],
  },
  "10-ex2": {
    wrong: [
      {
        name: "no locks",
        why: "Two threads read the same balance before either writes it back: an update is lost, and money appears or vanishes.",
        code: ex2(`  for (const [from, to, amount] of transfers) {
    accounts.set(from, accounts.get(from) - amount);
    accounts.set(to, accounts.get(to) + amount);
  }
  return "done";`),
      },
      {
        name: "from first, then to",
        why: "Opposite transfers take the two locks in opposite orders: each thread holds one and waits for the other's (a deadlock, reported by the timeout).",
        code: ex2(`  for (const [from, to, amount] of transfers) {
    if (!locks[from].acquire(1000)) return "timed out";
    try {
      if (!locks[to].acquire(1000)) return "timed out";
      try {
        accounts.set(from, accounts.get(from) - amount);
        accounts.set(to, accounts.get(to) + amount);
      } finally {
        locks[to].release();
      }
    } finally {
      locks[from].release();
    }
  }
  return "done";`),
      },
      {
        name: "only the source account's lock",
        why: "The credit to \`to\` is unguarded: a thread debiting \`to\` under its own lock can interleave with it, and an update is lost.",
        code: ex2(`  for (const [from, to, amount] of transfers) {
    if (!locks[from].acquire(1000)) return "timed out";
    try {
      accounts.set(from, accounts.get(from) - amount);
      accounts.set(to, accounts.get(to) + amount);
    } finally {
      locks[from].release();
    }
  }
  return "done";`),
      },
      {
        name: "wrong order, no timeouts",
        why: "The deadlock of opposite lock orders, without a timeout to report it: the threads hang.",
        code: ex2(`  for (const [from, to, amount] of transfers) {
    locks[from].acquire();
    locks[to].acquire();
    accounts.set(from, accounts.get(from) - amount);
    accounts.set(to, accounts.get(to) + amount);
    locks[to].release();
    locks[from].release();
  }
  return "done";`),
      },
    ],
    right: [
      {
        name: "sorted pair, released in reverse",
        why: "The same global order (the lower account first), computed by sorting the pair; each lock is released on every path.",
        code: ex2(`  for (const [from, to, amount] of transfers) {
    const [low, high] = [from, to].sort((a, b) => a - b);
    if (!locks[low].acquire(1000)) return "timed out";
    if (!locks[high].acquire(1000)) {
      locks[low].release();
      return "timed out";
    }
    try {
      const moved = accounts.get(from) - amount;
      accounts.set(from, moved);
      accounts.set(to, accounts.get(to) + amount);
    } finally {
      locks[high].release();
      locks[low].release();
    }
  }
  return "done";`),
      },
    ],
  },
} satisfies LessonAnswers;
