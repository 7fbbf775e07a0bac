import type { LessonAnswers } from "./answers";

/** Exercise 2's solution cell, with `get()`'s body replaced by `body`. */
function slowPool(body: string): string {
  return `import { AsyncLock, notImplemented, sleep } from "race-lab";
import { solutionCell } from "race-lab/course";
solutionCell("08-ex2");
class SlowPool extends Pool {
  lock = new AsyncLock();
  async setUp(conn: number): Promise<void> {
    await sleep(Math.random() * 10);
  }
  async get(): Promise<number> {
${body}
  }
}`;
}

/** Exercise 1's solution cell, with `countDuplicates`'s body replaced by `body`. */
function counter(body: string): string {
  return `import { solutionCell } from "race-lab/course";
solutionCell("08-ex1");
function countDuplicates(results: string[]): number {
${body}
}`;
}

export default {
  "08-ex1": {
    wrong: [
      {
        name: "errors counted as connections",
        why: "Two identical error messages are two refusals, not a duplicate lease: the errors must be dropped first.",
        code: counter(`  return results.length - new Set(results).size;`),
      },
      {
        name: "every client of a repeated id counted",
        why: "The first client to get a connection holds it rightfully: only the later ones are duplicates (9 9 8 has one, not two).",
        code: counter(`  const ids = results.filter((r) => !r.startsWith("error"));
  return ids.filter((id) => ids.indexOf(id) !== ids.lastIndexOf(id)).length;`),
      },
      {
        name: "distinct ids instead of duplicates",
        why: "It counts the connections handed out, not the clients that got one someone else also got.",
        code: counter(`  return new Set(results.filter((r) => !r.startsWith("error"))).size;`),
      },
    ],
    right: [
      {
        name: "a Set of the ids seen so far",
        why: "Walks the results once: an id already in the set is a duplicate; errors are skipped.",
        code: counter(`  const seen = new Set<string>();
  let duplicates = 0;
  for (const r of results) {
    if (r.startsWith("error")) continue;
    if (seen.has(r)) duplicates++;
    else seen.add(r);
  }
  return duplicates;`),
      },
      {
        name: "a count per id",
        why: "Each id handed out n times makes n - 1 duplicates.",
        code: counter(`  const counts = new Map<string, number>();
  for (const r of results) if (!r.startsWith("error")) counts.set(r, (counts.get(r) ?? 0) + 1);
  let duplicates = 0;
  for (const n of counts.values()) duplicates += n - 1;
  return duplicates;`),
      },
    ],
  },
  "08-ex2": {
    wrong: [
      {
        name: "read, await setUp, pop (no lock)",
        why: "The await between reading the last connection and popping it lets the other calls read the same one: duplicates and lost connections.",
        code: slowPool(`    if (this.ready.length === 0) throw new Error("no connections available");
    const conn = this.ready[this.ready.length - 1];
    await this.setUp(conn);
    this.ready.pop();
    this.leased.push(conn);
    return conn;`),
      },
      {
        name: "the lock around the read only",
        why: "The lock is released before the setUp and the pop: the next call reads the same last connection.",
        code: slowPool(`    if (this.ready.length === 0) throw new Error("no connections available");
    const conn = await this.lock.withLock(async () => this.ready[this.ready.length - 1]);
    await this.setUp(conn);
    this.ready.pop();
    this.leased.push(conn);
    return conn;`),
      },
      {
        name: "the empty check outside the lock",
        why: "All four calls pass the check before the first pop; the fourth then pops an empty list and leases undefined instead of refusing.",
        code: slowPool(`    if (this.ready.length === 0) throw new Error("no connections available");
    return this.lock.withLock(async () => {
      const conn = this.ready[this.ready.length - 1];
      await this.setUp(conn);
      this.ready.pop();
      this.leased.push(conn);
      return conn;
    });`),
      },
      {
        name: "no setUp",
        why: "Safe, but the exercise asks for await this.setUp(conn) on every connection leased: the slow step is the point.",
        code: slowPool(`    if (this.ready.length === 0) throw new Error("no connections available");
    const conn = this.ready.pop() as number;
    this.leased.push(conn);
    return conn;`),
      },
    ],
    right: [
      {
        name: "the lock around read, setUp and pop",
        why: "Nobody else is inside between the read and the pop, await or not; the empty check is inside too.",
        code: slowPool(`    return this.lock.withLock(async () => {
      if (this.ready.length === 0) throw new Error("no connections available");
      const conn = this.ready[this.ready.length - 1];
      await this.setUp(conn);
      this.ready.pop();
      this.leased.push(conn);
      return conn;
    });`),
      },
      {
        name: "pop first, then check",
        why: "pop() reads and takes in one synchronous step; an empty pool gives undefined, refused before any await.",
        code: slowPool(`    const conn = this.ready.pop();
    if (conn === undefined) throw new Error("no connections available");
    this.leased.push(conn);
    await this.setUp(conn);
    return conn;`),
      },
      {
        name: "the lock around read-pop, setUp after it",
        why: "The critical section is the read-pop-append; the slow setUp needs no lock once the connection is taken.",
        code: slowPool(`    const conn = await this.lock.withLock(async () => {
      if (this.ready.length === 0) throw new Error("no connections available");
      const taken = this.ready[this.ready.length - 1];
      this.ready.pop();
      this.leased.push(taken);
      return taken;
    });
    await this.setUp(conn);
    return conn;`),
      },
    ],
  },
} satisfies LessonAnswers;
