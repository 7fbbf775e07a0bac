import type { LessonAnswers } from "./answers";

export default {
  "14-ex1": {
    wrong: [
      {
        name: "read, compute, write back",
        why: "The unsafe version: both transfers read the balances, then each writes what it computed from its read over the other's change (a lost update).",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex1");
function transfer(from: string, to: string, amount: number): Statement[] {
  return [
    { sql: "SELECT * FROM accounts WHERE id IN ($1, $2)", params: [from, to] },
    { sql: "UPDATE accounts SET balance = $2 WHERE id = $1", params: (r) => [from, balanceIn(r[0], from) - amount] },
    { sql: "UPDATE accounts SET balance = $2 WHERE id = $1", params: (r) => [to, balanceIn(r[0], to) + amount] },
  ];
}`,
      },
      {
        name: "atomic debit, computed credit",
        why: "The debit is done by the database, but the credit writes a balance read at the start: a transfer that changed the account meanwhile is overwritten.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex1");
function transfer(from: string, to: string, amount: number): Statement[] {
  return [
    { sql: "SELECT * FROM accounts WHERE id IN ($1, $2)", params: [from, to] },
    { sql: "UPDATE accounts SET balance = balance - $2 WHERE id = $1", params: [from, amount] },
    { sql: "UPDATE accounts SET balance = $2 WHERE id = $1", params: (r) => [to, balanceIn(r[0], to) + amount] },
  ];
}`,
      },
      {
        name: "never commits",
        why: "Ending in ROLLBACK conserves money by moving none: run one after the other, the transfers must commit.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex1");
function transfer(from: string, to: string, amount: number): Statement[] {
  return [
    { sql: "UPDATE accounts SET balance = balance - $2 WHERE id = $1", params: [from, amount] },
    { sql: "UPDATE accounts SET balance = balance + $2 WHERE id = $1", params: [to, amount] },
    "ROLLBACK",
  ];
}`,
      },
    ],
    right: [
      {
        name: "lock both rows, then compute",
        why: "FOR UPDATE locks both rows at the read, in one order (by id): the other transfer waits until this one commits, then reads the new balances.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex1");
function transfer(from: string, to: string, amount: number): Statement[] {
  return [
    { sql: "SELECT * FROM accounts WHERE id IN ($1, $2) ORDER BY id FOR UPDATE", params: [from, to] },
    { sql: "UPDATE accounts SET balance = $2 WHERE id = $1", params: (r) => [from, balanceIn(r[0], from) - amount] },
    { sql: "UPDATE accounts SET balance = $2 WHERE id = $1", params: (r) => [to, balanceIn(r[0], to) + amount] },
  ];
}`,
      },
      {
        name: "one UPDATE of both rows",
        why: "A single statement changes both rows from their current values, under their row locks.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex1");
function transfer(from: string, to: string, amount: number): Statement[] {
  return [{
    sql: "UPDATE accounts SET balance = balance + CASE WHEN id = $1 THEN -$3::int ELSE $3::int END WHERE id IN ($1, $2)",
    params: [from, to, amount],
  }];
}`,
      },
    ],
  },
  "14-ex2": {
    wrong: [
      {
        name: "count, then update",
        why: "The unsafe version: both read the same snapshot (two on call) and update different rows: write skew.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex2");
function goOffCall(name: string): Statement[] {
  return [
    "SELECT count(*) AS n FROM doctors WHERE on_call",
    { sql: "UPDATE doctors SET on_call = false WHERE name = $1 AND $2::int >= 2", params: (r) => [name, Number(r[0][0].n)] },
  ];
}`,
      },
      {
        name: "the count inside the UPDATE",
        why: "One statement is not enough at REPEATABLE READ: its subquery reads the transaction's snapshot, and the two updates still touch different rows.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex2");
function goOffCall(name: string): Statement[] {
  return [{ sql: "UPDATE doctors SET on_call = false WHERE name = $1 AND (SELECT count(*) FROM doctors WHERE on_call) >= 2", params: [name] }];
}`,
      },
      {
        name: "lock only your own row",
        why: "Each request locks the row it will change, which the other never touches: nothing conflicts, so both commit.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex2");
function goOffCall(name: string): Statement[] {
  return [
    { sql: "SELECT * FROM doctors WHERE name = $1 FOR UPDATE", params: [name] },
    "SELECT count(*) AS n FROM doctors WHERE on_call",
    { sql: "UPDATE doctors SET on_call = false WHERE name = $1 AND $2::int >= 2", params: (r) => [name, Number(r[1][0].n)] },
  ];
}`,
      },
      {
        name: "nobody may leave",
        why: "Requiring three on call keeps everyone on call: safe, but the first request must succeed when it runs alone.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex2");
function goOffCall(name: string): Statement[] {
  return [
    "SELECT name FROM doctors WHERE on_call FOR UPDATE",
    { sql: "UPDATE doctors SET on_call = false WHERE name = $1 AND $2::int >= 3", params: (r) => [name, r[0].length] },
  ];
}`,
      },
    ],
    right: [
      {
        name: "SERIALIZABLE",
        why: "SET TRANSACTION before the first query raises this transaction to SERIALIZABLE, which aborts one of the two (40001) instead of letting both commit.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex2");
function goOffCall(name: string): Statement[] {
  return [
    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    "SELECT count(*) AS n FROM doctors WHERE on_call",
    { sql: "UPDATE doctors SET on_call = false WHERE name = $1 AND $2::int >= 2", params: (r) => [name, Number(r[1][0].n)] },
  ];
}`,
      },
      {
        name: "FOR NO KEY UPDATE",
        why: "A weaker row lock, still exclusive between writers: the second request waits, then fails with 40001 at REPEATABLE READ.",
        code: `import { solutionCell } from "race-lab/course";
solutionCell("14-ex2");
function goOffCall(name: string): Statement[] {
  return [
    "SELECT name FROM doctors WHERE on_call FOR NO KEY UPDATE",
    { sql: "UPDATE doctors SET on_call = false WHERE name = $1 AND $2::int >= 2", params: (r) => [name, r[0].length] },
  ];
}`,
      },
    ],
  },
} satisfies LessonAnswers;
