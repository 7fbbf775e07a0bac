// What an explored transaction is made of: a short list of SQL statements, each with parameters
// (fixed, or computed from what the transaction's earlier statements returned), ending in a COMMIT
// or a ROLLBACK. And how a statement is asked to say which row versions it saw or wrote: a plain
// `SELECT * FROM t …` also returns each row's `xmin` (the transaction that wrote the version it
// saw), and an INSERT, UPDATE or DELETE without RETURNING returns the rows it wrote.

import { RaceLabArgumentError } from "../core/errors";

/**
 * A row as pg returns it (column name → value).
 *
 * @example
 * ```ts
 * const row: Row = { id: 1, value: 10 };
 * ```
 * Warning: bigint and numeric columns come from pg as strings: convert them with Number() before arithmetic.
 */
export type Row = Record<string, unknown>;

/**
 * One SQL statement of a transaction: its text alone, or with parameters for `$1`, `$2`, … — fixed,
 * or computed from the rows each earlier statement of the same transaction returned (a
 * read-modify-write).
 *
 * @example
 * ```ts
 * const read: Statement = "SELECT * FROM test WHERE id = 1";
 * const write: Statement = { sql: "UPDATE test SET value = $1 WHERE id = 1", params: (earlier) => [Number(earlier[0][0].value) + 1] };
 * ```
 * Warning: a `params` function runs in the notebook between two statements; if an earlier statement
 * returned no rows, `earlier[i][0]` is undefined — write the function so that it says what it needs.
 */
export type Statement = string | { sql: string; params?: unknown[] | ((earlier: Row[][]) => unknown[]); label?: string };

/**
 * One transaction to explore: its statements in order (a COMMIT is added when the last one is
 * neither COMMIT nor ROLLBACK), and an optional name ("T1" by default).
 *
 * @example
 * ```ts
 * const t1: TransactionSpec = { name: "T1", statements: ["UPDATE test SET value = 11 WHERE id = 1"] };
 * const t2: TransactionSpec = ["SELECT * FROM test"]; // a plain list works too
 * ```
 * Warning: do not write BEGIN: the explorer begins each transaction at the isolation level it explores.
 */
export type TransactionSpec = Statement[] | { name?: string; statements: Statement[] };

/** @internal A statement ready to run: its SQL as sent, as written, its parameters, whether it ends the transaction. */
export interface PreparedStatement {
  /** As the student wrote it (shown in reports). */
  text: string;
  /** As sent to the server (with xmin or RETURNING added when it can be recorded). */
  sent: string;
  params: unknown[] | ((earlier: Row[][]) => unknown[]);
  label: string;
  /** COMMIT or ROLLBACK: the transaction's last step. */
  ends?: "commit" | "rollback";
  /** The table whose rows it reads or writes, when recorded. */
  records?: { kind: "read" | "write"; table: string; write?: "insert" | "update" | "delete" };
}

/** @internal A transaction ready to run. */
export interface PreparedTransaction {
  name: string;
  statements: PreparedStatement[];
}

/**
 * The column the explorer adds to recorded statements: the writer of the row version.
 *
 * @example
 * ```ts
 * const writer = row[XMIN_COLUMN]; // "755": the transaction that wrote this version
 * ```
 * Warning: results handed to checks and params functions leave this column out.
 */
export const XMIN_COLUMN = "__xmin";

const ENDS = /^\s*(commit|end|rollback|abort)\s*;?\s*$/i;
const PLAIN_SELECT = /^\s*select\s+\*\s+from\s+([a-z_][a-z0-9_]*)(\s+(where|order|limit|for)\b[\s\S]*)?$/i;
const WRITE = /^\s*(insert\s+into|update|delete\s+from)\s+([a-z_][a-z0-9_]*)\b/i;

/**
 * How the explorer sends a statement so that it says which row versions it read or wrote, and what
 * it records. Only plain statements are recorded: `SELECT * FROM t …` (one table), and INSERT,
 * UPDATE, DELETE without RETURNING; any other statement runs as written and records nothing.
 *
 * @example
 * ```ts
 * recordingForm("SELECT * FROM test WHERE id = 1").sent; // 'SELECT xmin::text AS "__xmin", * FROM test WHERE id = 1'
 * ```
 * Warning: a predicate read that returns no row records nothing: the checker then cannot see what it
 * missed (a phantom); the lesson's per-test checks judge those.
 */
export function recordingForm(sql: string): Pick<PreparedStatement, "sent" | "records"> {
  const text = sql.trim().replace(/;\s*$/, "");
  const select = PLAIN_SELECT.exec(text);
  if (select) {
    return {
      sent: `SELECT xmin::text AS "${XMIN_COLUMN}", * FROM ${select[1]}${select[2] ?? ""}`,
      records: { kind: "read", table: select[1].toLowerCase() },
    };
  }
  const write = WRITE.exec(text);
  if (write && !/\breturning\b/i.test(text)) {
    const how = write[1].toLowerCase().startsWith("insert") ? "insert" : write[1].toLowerCase() === "update" ? "update" : "delete";
    return {
      sent: `${text} RETURNING xmin::text AS "${XMIN_COLUMN}", *`,
      records: { kind: "write", table: write[2].toLowerCase(), write: how },
    };
  }
  return { sent: text };
}

function prepareStatement(statement: unknown, where: string): PreparedStatement {
  const s = typeof statement === "string" ? { sql: statement } : (statement as { sql?: unknown; params?: unknown; label?: unknown });
  if (typeof s !== "object" || s === null || typeof s.sql !== "string" || s.sql.trim() === "") {
    throw new RaceLabArgumentError(where, "an SQL statement: a string, or { sql, params?, label? }", statement);
  }
  if (s.params !== undefined && !Array.isArray(s.params) && typeof s.params !== "function") {
    throw new RaceLabArgumentError(
      `${where}.params`,
      "an array of values for $1, $2, …, or a function (earlier rows) => that array",
      s.params,
    );
  }
  if (s.label !== undefined && typeof s.label !== "string") throw new RaceLabArgumentError(`${where}.label`, "a string", s.label);
  const text = s.sql.trim();
  if (/^\s*(begin|start\s+transaction)\b/i.test(text)) {
    throw new RaceLabArgumentError(
      where,
      "a statement inside the transaction: leave BEGIN out, the explorer begins each transaction at the level it explores",
      statement,
    );
  }
  const end = ENDS.exec(text);
  const ends = end ? (/^(commit|end)$/i.test(end[1]) ? "commit" : "rollback") : undefined;
  const params = (s.params ?? []) as PreparedStatement["params"];
  const label = (s.label as string | undefined) ?? (ends ? ends.toUpperCase() : text.replace(/\s+/g, " "));
  return ends
    ? { text, sent: ends === "commit" ? "COMMIT" : "ROLLBACK", params: [], label, ends }
    : { text, ...recordingForm(text), params, label };
}

/**
 * Checks and normalises the transactions of an exploration: names, statements, and the closing
 * COMMIT added where the list does not end with COMMIT or ROLLBACK.
 *
 * @internal
 * @example
 * ```ts
 * prepareTransactions([["SELECT * FROM test"], ["UPDATE test SET value = 0"]]); // T1 and T2, each ending in COMMIT
 * ```
 */
export function prepareTransactions(transactions: unknown): PreparedTransaction[] {
  if (!Array.isArray(transactions) || transactions.length < 2 || transactions.length > 3) {
    throw new RaceLabArgumentError(
      "options.transactions",
      "a list of 2 or 3 transactions, each a list of SQL statements (or { name, statements })",
      transactions,
    );
  }
  const names = new Set<string>();
  return transactions.map((t, i) => {
    const where = `options.transactions[${i}]`;
    const spec = Array.isArray(t) ? { statements: t } : (t as { name?: unknown; statements?: unknown });
    if (
      typeof spec !== "object" ||
      spec === null ||
      !Array.isArray(spec.statements) ||
      spec.statements.length === 0 ||
      spec.statements.length > 8
    ) {
      throw new RaceLabArgumentError(where, "a list of 1 to 8 SQL statements, or { name?, statements }", t);
    }
    if (spec.name !== undefined && (typeof spec.name !== "string" || spec.name.trim() === ""))
      throw new RaceLabArgumentError(`${where}.name`, "a non-empty string", spec.name);
    const name = (spec.name as string | undefined) ?? `T${i + 1}`;
    if (names.has(name)) throw new RaceLabArgumentError(`${where}.name`, "a name no other transaction has", name);
    names.add(name);
    const statements = spec.statements.map((s, k) => prepareStatement(s, `${where}.statements[${k}]`));
    statements.forEach((s, k) => {
      if (s.ends && k < statements.length - 1)
        throw new RaceLabArgumentError(`${where}.statements[${k}]`, "the last statement: COMMIT or ROLLBACK ends the transaction", s.text);
    });
    if (!statements[statements.length - 1].ends)
      statements.push({ text: "COMMIT", sent: "COMMIT", params: [], label: "COMMIT", ends: "commit" });
    return { name, statements };
  });
}
