// exploreTransactions(): every interleaving of 2-3 real transactions' statements, on the kernel's
// PostgreSQL, at each isolation level asked for. replayTransactions(): one interleaving again.

import { nextPrefix } from "../scheduler/backtrack";
import { RaceLabError, RunInterruptedError } from "../core/errors";
import { type ChooseTransaction, type Interleaving, runInterleaving } from "./interleaving";
import {
  type CheckedTransactions,
  checkTransactionsOptions,
  type IsolationLevel,
  type ReplayTransactionsOptions,
  type TransactionsOptions,
} from "./options";
import { Sessions } from "./sessions";

/**
 * How one isolation level did over all its interleavings: *anomaly* when some interleaving broke
 * the check; otherwise *aborts* when the server aborted a transaction (40001, 40P01) in some
 * interleaving, *blocks* when a statement waited for a lock in some, and *prevented* when every
 * interleaving ran through and held.
 *
 * @example
 * ```ts
 * report.levels["REPEATABLE READ"].verdict; // "aborts"
 * ```
 * Warning: the verdict says what happened in these interleavings of these transactions, not what the level guarantees for others.
 */
export interface LevelSummary {
  level: IsolationLevel;
  interleavings: number;
  /** Interleavings whose check did not hold. */
  broken: number;
  /** Interleavings where some statement waited for a lock. */
  blocked: number;
  /** Interleavings where the server aborted a transaction, by SQLSTATE. */
  aborts: Record<string, number>;
  verdict: "anomaly" | "aborts" | "blocks" | "prevented";
  /** Every interleaving was run (no cap, no time limit reached). */
  complete: boolean;
}

/**
 * What {@link exploreTransactions} found.
 *
 * @example
 * ```ts
 * const report = await exploreTransactions(options);
 * console.log(report.summary); // "20 interleavings at READ COMMITTED: 3 broke the check …"
 * ```
 * Warning: `perSecond` includes opening the connections and making the tables: a short exploration reads slower than a long one.
 */
export interface TransactionsReport {
  name: string;
  transactions: { name: string; statements: string[] }[];
  /** Every interleaving run, level by level, in the order they were found. */
  interleavings: Interleaving[];
  levels: Partial<Record<IsolationLevel, LevelSummary>>;
  complete: boolean;
  stoppedBy?: "maxInterleavings" | "timeoutMs";
  /** Wall-clock time of the whole exploration, and interleavings per second. */
  ms: number;
  perSecond: number;
  /** What the explorer could not do as usual here (e.g. lower deadlock_timeout). */
  notes: string[];
  summary: string;
}

/**
 * A level's verdict from its interleavings (see {@link LevelSummary}).
 *
 * @example
 * ```ts
 * summarizeLevel("SERIALIZABLE", report.interleavings.filter((i) => i.level === "SERIALIZABLE"), true).verdict;
 * ```
 * Warning: give it one level's interleavings only; mixing levels mixes their verdicts.
 */
export function summarizeLevel(level: IsolationLevel, interleavings: Interleaving[], complete: boolean): LevelSummary {
  const aborts: Record<string, number> = {};
  for (const i of interleavings) {
    const codes = new Set(i.transactions.filter((t) => t.status === "aborted").map((t) => t.code ?? "error"));
    for (const code of codes) aborts[code] = (aborts[code] ?? 0) + 1;
  }
  const broken = interleavings.filter((i) => i.held === false).length;
  const blocked = interleavings.filter((i) => i.blocked).length;
  const verdict = broken > 0 ? "anomaly" : Object.keys(aborts).length > 0 ? "aborts" : blocked > 0 ? "blocks" : "prevented";
  return { level, interleavings: interleavings.length, broken, blocked, aborts, verdict, complete };
}

async function withSessions<T>(o: CheckedTransactions, body: (sessions: Sessions) => Promise<T>): Promise<T> {
  const sessions = await Sessions.open(o.transactions.length, o.timeoutMs);
  try {
    return await body(sessions);
  } catch (error) {
    // An interrupt also ends the kernel's database session: whatever failed first, say why.
    if (sessions.wasInterrupted && !(error instanceof RunInterruptedError))
      throw new RunInterruptedError("exploring transactions was interrupted");
    throw error;
  } finally {
    // Ends statements still running or waiting (their backends are terminated), then the connections.
    await sessions.end();
  }
}

function describeLevel(s: LevelSummary): string {
  const codes = Object.entries(s.aborts)
    .map(([code, count]) => `${count} with ${code}`)
    .join(", ");
  return (
    `${s.interleavings} interleavings at ${s.level}${s.complete ? "" : " (not all)"}: ${s.broken} broke the check` +
    `${s.blocked ? `, ${s.blocked} blocked` : ""}${codes ? `, aborts: ${codes}` : ""} → ${s.verdict}`
  );
}

/**
 * Runs every interleaving of two or three transactions' statements on the kernel's PostgreSQL
 * (`database()`: its own server, or `DATABASE_URL`), at each isolation level asked for: one
 * connection per transaction, fresh tables from `setup` before each interleaving, COMMIT as each
 * transaction's last step. A statement that waits for another transaction's lock is seen so from
 * the server (`pg_blocking_pids`) and the others go on; a deadlock the server breaks (40P01) and a
 * serialization failure (40001) are outcomes like a commit. Each interleaving records its order,
 * who waited when, who aborted with which code, the final rows, whether `check` held, and what each
 * plain read and write saw (for {@link checkHistory}).
 *
 * @example
 * ```ts
 * const report = await exploreTransactions({
 *   setup: ["CREATE TABLE test (id int PRIMARY KEY, value int)", "INSERT INTO test VALUES (1, 10)"],
 *   transactions: [
 *     ["SELECT * FROM test WHERE id = 1", { sql: "UPDATE test SET value = $1 WHERE id = 1", params: (r) => [Number(r[0][0].value) + 1] }],
 *     ["SELECT * FROM test WHERE id = 1", { sql: "UPDATE test SET value = $1 WHERE id = 1", params: (r) => [Number(r[0][0].value) + 1] }],
 *   ],
 *   check: ({ state, transactions }) => transactions.some((t) => t.status !== "committed") || state.test[0].value === 12,
 *   levels: ["READ COMMITTED", "REPEATABLE READ"],
 * });
 * report.levels["READ COMMITTED"]?.verdict;  // "anomaly": a lost update
 * report.levels["REPEATABLE READ"]?.verdict; // "aborts": 40001
 * ```
 * Warning: the setup's tables are dropped before every interleaving and at the end: name them apart
 * from the lesson's other tables. The number of interleavings grows fast (3 + 3 steps: 20; 4 + 4:
 * 70; three transactions of 3: 1680), each a few milliseconds on the server.
 */
export async function exploreTransactions(options: TransactionsOptions): Promise<TransactionsReport> {
  const o = checkTransactionsOptions(options, false);
  const started = performance.now();
  return withSessions(o, async (sessions) => {
    const interleavings: Interleaving[] = [];
    const levels: TransactionsReport["levels"] = {};
    let stoppedBy: TransactionsReport["stoppedBy"];
    for (const level of o.levels) {
      const found: Interleaving[] = [];
      let prefix: number[] | undefined = [];
      while (prefix && !stoppedBy) {
        if (found.length >= o.maxInterleavings) {
          stoppedBy = "maxInterleavings";
          break;
        }
        if (Date.now() > sessions.deadline) {
          stoppedBy = "timeoutMs";
          break;
        }
        // Depth first, by running again from the start: follow `prefix`, then the first transaction
        // that can move; next time, change the deepest choice that has an untried alternative.
        const follow = prefix;
        const choose: ChooseTransaction = (movable, decision) => {
          if (decision >= follow.length) return movable[0];
          if (!movable.includes(follow[decision])) {
            throw new RaceLabError(
              `the server did not repeat itself: at step ${decision + 1} transaction ${follow[decision]} could move in an earlier run, but not now (does the setup make the same tables every time?)`,
            );
          }
          return follow[decision];
        };
        const { interleaving, decisions } = await runInterleaving(sessions, o, level, choose);
        found.push(interleaving);
        prefix = nextPrefix(decisions, (d) => d.movable);
      }
      interleavings.push(...found);
      levels[level] = summarizeLevel(level, found, prefix === undefined);
    }
    const ms = performance.now() - started;
    const complete = stoppedBy === undefined;
    const stopped =
      stoppedBy === "maxInterleavings"
        ? ` Stopped at maxInterleavings = ${o.maxInterleavings}: there are more.`
        : stoppedBy === "timeoutMs"
          ? ` Stopped at timeoutMs = ${o.timeoutMs}: there are more.`
          : "";
    const summary =
      Object.values(levels)
        .map((s) => describeLevel(s!))
        .join("; ") +
      "." +
      stopped;
    return {
      name: o.name,
      transactions: o.transactions.map((t) => ({ name: t.name, statements: t.statements.map((s) => s.label) })),
      interleavings,
      levels,
      complete,
      ...(stoppedBy ? { stoppedBy } : {}),
      ms,
      perSecond: interleavings.length / (ms / 1000),
      notes: sessions.notes,
      summary,
    };
  });
}

/**
 * Runs one interleaving again: `order` names the transaction that takes each step (as in an
 * interleaving's `order`), at one `level` (default READ COMMITTED).
 *
 * @example
 * ```ts
 * const again = await replayTransactions({ ...options, level: "READ COMMITTED", order: [0, 1, 0, 1, 0, 1] });
 * again.held; // false: the lost update, again
 * ```
 * Warning: the order must fit: an error names the first step where the transaction it names has
 * finished or waits for a lock, or says the order is too short or too long.
 */
export async function replayTransactions(options: ReplayTransactionsOptions): Promise<Interleaving> {
  const o = checkTransactionsOptions(options, true);
  const order = o.order!;
  const names = o.transactions.map((t) => t.name);
  return withSessions(o, async (sessions) => {
    let step = 0;
    const { interleaving } = await runInterleaving(sessions, o, o.levels[0], (movable, _decision, why) => {
      if (step >= order.length) {
        throw new RaceLabError(
          `options.order is too short: it ends after ${order.length} steps, but ${movable.map((t) => names[t]).join(" and ")} can still move (add ${movable.join(" or ")}).`,
        );
      }
      const t = order[step];
      if (!movable.includes(t)) {
        throw new RaceLabError(
          `options.order[${step}] is ${t}, but ${why(t)} at step ${step + 1}; the transactions that can move are ${movable.join(", ")} (${movable.map((m) => names[m]).join(", ")}).`,
        );
      }
      step++;
      return t;
    });
    if (interleaving.order.length < order.length) {
      throw new RaceLabError(
        `options.order is too long: every transaction had ended after ${interleaving.order.length} steps, but the order has ${order.length}.`,
      );
    }
    return interleaving;
  });
}
