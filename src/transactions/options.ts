// The options of exploreTransactions and replayTransactions, and what a check is given.

import { RaceLabArgumentError } from "../core/errors";
import { checkInteger, checkTimeout } from "../core/validate";
import { type PreparedTransaction, prepareTransactions, type Row, type TransactionSpec } from "./statements";

/**
 * The isolation levels PostgreSQL runs (READ UNCOMMITTED is accepted by the server and runs as READ COMMITTED).
 *
 * @example
 * ```ts
 * ISOLATION_LEVELS.includes("SERIALIZABLE"); // true
 * ```
 * Warning: READ UNCOMMITTED is not among them: PostgreSQL accepts it and runs READ COMMITTED.
 */
export const ISOLATION_LEVELS = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] as const;

/**
 * One of PostgreSQL's isolation levels.
 *
 * @example
 * ```ts
 * const level: IsolationLevel = "REPEATABLE READ";
 * ```
 * Warning: PostgreSQL's REPEATABLE READ is snapshot isolation, stronger than the SQL standard's name says.
 */
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

/**
 * How one transaction of an interleaving ended, and what each of its statements returned.
 *
 * @example
 * ```ts
 * const t: TransactionOutcome = { name: "T2", status: "aborted", code: "40001", message: "could not serialize access due to concurrent update", results: [[{ id: 1, value: 10 }], undefined, undefined] };
 * ```
 * Warning: `results` leave out the `__xmin` column the explorer adds to recorded statements.
 */
export interface TransactionOutcome {
  name: string;
  /** committed; rolled back (its own ROLLBACK); aborted (an error: `code` says which). */
  status: "committed" | "rolled back" | "aborted";
  /** The SQLSTATE of the error that aborted it: 40001 serialization failure, 40P01 deadlock, … */
  code?: string;
  message?: string;
  /** Which statement failed (its index), when aborted. */
  failedAt?: number;
  /** The rows each statement returned (without the recorded `xmin`); undefined for a statement that did not run. */
  results: (Row[] | undefined)[];
}

/**
 * What a check sees once an interleaving has ended: the final rows of every table the setup made
 * (by table name, in primary-key order), and how each transaction ended.
 *
 * @example
 * ```ts
 * const check = (run: CheckInput) => run.state.test.find((r) => r.id === 1)?.value === 12;
 * ```
 * Warning: `state` comes back as JSON: bigint and numeric columns arrive as numbers, dates as strings.
 */
export interface CheckInput {
  state: Record<string, Row[]>;
  transactions: TransactionOutcome[];
  level: IsolationLevel;
}

/**
 * The options of {@link exploreTransactions}.
 *
 * @example
 * ```ts
 * const options: TransactionsOptions = {
 *   setup: ["CREATE TABLE test (id int PRIMARY KEY, value int)", "INSERT INTO test VALUES (1, 10), (2, 20)"],
 *   transactions: [["UPDATE test SET value = 11 WHERE id = 1"], ["SELECT * FROM test WHERE id = 1"]],
 *   levels: ["READ COMMITTED"],
 * };
 * ```
 * Warning: the number of interleavings grows fast: 2 transactions of n steps each have (2n)!/(n!)²
 * (3 + 3 steps: 20; 4 + 4: 70), and each runs on the server (a few ms each).
 */
export interface TransactionsOptions {
  /** 2 or 3 transactions, each a list of SQL statements (BEGIN left out; COMMIT added if missing). */
  transactions: TransactionSpec[];
  /** SQL run before every interleaving: it makes the tables (dropped again before the next one and at the end). */
  setup: string | string[];
  /** Whether the interleaving went right; given the final state and how each transaction ended. */
  check?: (run: CheckInput) => boolean | Promise<boolean>;
  /** The isolation levels to explore (default: READ COMMITTED). */
  levels?: IsolationLevel | IsolationLevel[];
  /** A name for the report (default: the transactions' names). */
  name?: string;
  /** The whole exploration's time limit (default 60 000 ms). */
  timeoutMs?: number;
  /** At most this many interleavings per level (default 2000): past it the report says it stopped. */
  maxInterleavings?: number;
  /** Record each transaction's locks and snapshot after every step (for the interactive view; slower). */
  details?: boolean;
}

/**
 * The options of {@link replayTransactions}: those of an exploration, one level, and the order.
 *
 * @example
 * ```ts
 * const again = await replayTransactions({ ...options, level: "READ COMMITTED", order: [0, 1, 1, 0] });
 * ```
 * Warning: the order must fit: a transaction that waits for a lock or has finished cannot take a step.
 */
export interface ReplayTransactionsOptions extends Omit<TransactionsOptions, "levels" | "maxInterleavings"> {
  /** The transaction that takes each step (as in an interleaving's `order`). */
  order: number[];
  level?: IsolationLevel;
}

/** @internal Checked options. */
export interface CheckedTransactions {
  transactions: PreparedTransaction[];
  setup: string[];
  check?: (run: CheckInput) => boolean | Promise<boolean>;
  levels: IsolationLevel[];
  name: string;
  timeoutMs: number;
  maxInterleavings: number;
  details: boolean;
  order?: number[];
}

const KNOWN = ["transactions", "setup", "check", "levels", "name", "timeoutMs", "maxInterleavings", "details", "order", "level"];

/**
 * Checks the options of an exploration or a replay, naming the option at fault.
 *
 * @internal
 * @example
 * ```ts
 * const o = checkTransactionsOptions(options, false);
 * ```
 */
export function checkTransactionsOptions(options: unknown, replaying: boolean): CheckedTransactions {
  if (typeof options !== "object" || options === null) {
    throw new RaceLabArgumentError("options", "an object like { setup, transactions, check?, levels? }", options);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key))
      throw new RaceLabArgumentError(
        `options.${key}`,
        `left out: the options are ${KNOWN.filter((k) => (replaying ? k !== "levels" && k !== "maxInterleavings" : k !== "order" && k !== "level")).join(", ")}`,
        o[key],
      );
  }
  const transactions = prepareTransactions(o.transactions);
  const setupList = typeof o.setup === "string" ? [o.setup] : o.setup;
  if (!Array.isArray(setupList) || setupList.length === 0 || setupList.some((s) => typeof s !== "string" || s.trim() === "")) {
    throw new RaceLabArgumentError("options.setup", "SQL that makes the tables: a statement or a list of statements", o.setup);
  }
  if (o.check !== undefined && typeof o.check !== "function")
    throw new RaceLabArgumentError("options.check", "a function (run) => whether the interleaving went right", o.check);
  const levelOf = (value: unknown, where: string): IsolationLevel => {
    const upper = typeof value === "string" ? value.trim().toUpperCase().replace(/\s+/g, " ") : value;
    if (!ISOLATION_LEVELS.includes(upper as IsolationLevel))
      throw new RaceLabArgumentError(where, `one of ${ISOLATION_LEVELS.join(", ")}`, value);
    return upper as IsolationLevel;
  };
  let levels: IsolationLevel[];
  if (replaying) {
    if (o.levels !== undefined) throw new RaceLabArgumentError("options.levels", "left out of a replay: give one `level`", o.levels);
    levels = [o.level === undefined ? "READ COMMITTED" : levelOf(o.level, "options.level")];
  } else {
    const asked = o.levels === undefined ? ["READ COMMITTED"] : Array.isArray(o.levels) ? o.levels : [o.levels];
    if (asked.length === 0) throw new RaceLabArgumentError("options.levels", "one level or a non-empty list of levels", o.levels);
    levels = asked.map((l, i) => levelOf(l, Array.isArray(o.levels) ? `options.levels[${i}]` : "options.levels"));
  }
  if (o.name !== undefined && typeof o.name !== "string") throw new RaceLabArgumentError("options.name", "a string", o.name);
  if (o.details !== undefined && typeof o.details !== "boolean")
    throw new RaceLabArgumentError("options.details", "true or false", o.details);
  const checked: CheckedTransactions = {
    transactions,
    setup: setupList as string[],
    check: o.check as CheckedTransactions["check"],
    levels,
    name: (o.name as string | undefined) ?? transactions.map((t) => t.name).join(" ∥ "),
    timeoutMs: checkTimeout("options.timeoutMs", o.timeoutMs, 60_000),
    maxInterleavings: o.maxInterleavings === undefined ? 2000 : checkInteger("options.maxInterleavings", o.maxInterleavings, 1, 100_000),
    details: (o.details as boolean | undefined) ?? false,
  };
  if (replaying) {
    const order = o.order;
    if (!Array.isArray(order) || order.length === 0 || order.some((w) => !Number.isInteger(w) || w < 0 || w >= transactions.length)) {
      throw new RaceLabArgumentError(
        "options.order",
        `a list of transaction numbers from 0 to ${transactions.length - 1}, one per step`,
        order,
      );
    }
    checked.order = order as number[];
  } else if (o.order !== undefined || o.level !== undefined) {
    throw new RaceLabArgumentError(
      o.order !== undefined ? "options.order" : "options.level",
      "left out of an exploration (it is for replayTransactions)",
      o.order ?? o.level,
    );
  }
  return checked;
}
