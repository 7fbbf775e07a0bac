// A history of transactions for the checker: what each read and wrote, as registers of distinct
// values (Elle's rw-register model): each write of a key installs a value no other write of that
// key installs, so a read's value names the version it saw. historyOf() builds one from an explored
// interleaving, where the server's xmin says which transaction wrote each version a read saw.

import { RaceLabArgumentError } from "../core/errors";
import type { Interleaving, RecordedStatement } from "./interleaving";
import { type Row, XMIN_COLUMN } from "./statements";

/**
 * One operation of a recorded transaction: a read of `key` that saw `value`, or a write of `key`
 * that installed `value`. A read whose value no transaction of the history wrote saw the version
 * from before the history. `predicate: true` marks a read made by a predicate (`WHERE value > 5`),
 * whose anti-dependencies make a G2 rather than a G2-item.
 *
 * @example
 * ```ts
 * const ops: HistoryOperation[] = [{ type: "read", key: "x", value: 0 }, { type: "write", key: "x", value: 1 }];
 * ```
 * Warning: a value names a version only if no other write of the same key wrote it.
 */
export interface HistoryOperation {
  type: "read" | "write";
  key: string;
  value: unknown;
  predicate?: boolean;
}

/**
 * One transaction of a history: its name, whether it committed, and its operations in order.
 *
 * @example
 * ```ts
 * const t: HistoryTransaction = { id: "T1", committed: true, ops: [{ type: "write", key: "x", value: 1 }] };
 * ```
 * Warning: list committed transactions in commit order (or give the history a versionOrder).
 */
export interface HistoryTransaction {
  id: string;
  committed: boolean;
  ops: HistoryOperation[];
}

/**
 * A history to check: the transactions, the committed ones **in the order they committed** (that is
 * the order of each key's versions, as in PostgreSQL, where a row's next writer waits for the last
 * one to end), or with `versionOrder` giving each key's installed values in order.
 *
 * @example
 * ```ts
 * const history: History = { transactions: [t1, t2] };
 * ```
 * Warning: values must be distinct per key (write 1, then 2, never 1 twice): a value names its version.
 */
export interface History {
  transactions: HistoryTransaction[];
  versionOrder?: Record<string, unknown[]>;
}

/**
 * Checks the shape of a history (any source: an explored run, lesson 12's trials, a test's own).
 *
 * @internal
 * @example
 * ```ts
 * checkHistoryShape({ transactions: [] });
 * ```
 */
export function checkHistoryShape(history: unknown): History {
  const h = history as History;
  if (typeof h !== "object" || h === null || !Array.isArray(h.transactions)) {
    throw new RaceLabArgumentError(
      "history",
      "{ transactions: [{ id, committed, ops: [{ type: 'read' | 'write', key, value }] }] } (or historyOf(interleaving))",
      history,
    );
  }
  const ids = new Set<string>();
  h.transactions.forEach((t, i) => {
    if (typeof t !== "object" || t === null || typeof t.id !== "string" || typeof t.committed !== "boolean" || !Array.isArray(t.ops)) {
      throw new RaceLabArgumentError(`history.transactions[${i}]`, "{ id: string, committed: boolean, ops: [...] }", t);
    }
    if (ids.has(t.id)) throw new RaceLabArgumentError(`history.transactions[${i}].id`, "an id no other transaction has", t.id);
    ids.add(t.id);
    t.ops.forEach((op, k) => {
      if (typeof op !== "object" || op === null || (op.type !== "read" && op.type !== "write") || typeof op.key !== "string") {
        throw new RaceLabArgumentError(`history.transactions[${i}].ops[${k}]`, "{ type: 'read' | 'write', key: string, value }", op);
      }
    });
  });
  if (h.versionOrder !== undefined && (typeof h.versionOrder !== "object" || h.versionOrder === null)) {
    throw new RaceLabArgumentError("history.versionOrder", "an object: key → its installed values in order", h.versionOrder);
  }
  return h;
}

/** The key of a row: its table and its `id` column (else its first column). */
function keyOf(table: string, row: Row): string {
  const columns = Object.keys(row).filter((c) => c !== XMIN_COLUMN);
  const id = "id" in row ? row.id : row[columns[0]];
  return `${table}:${String(id)}`;
}

function rowText(row: Row): string {
  const { [XMIN_COLUMN]: _x, ...rest } = row;
  return JSON.stringify(rest);
}

/**
 * The history of an explored interleaving: each plain read and write its transactions made (see
 * {@link recordingForm}), one register per row (`table:id`). A write installs the value
 * `"<transaction>#<n>"` (its n-th write of that row); a read's value is found from the row's xmin
 * (which transaction wrote the version seen) and its columns (which of that transaction's writes).
 *
 * @example
 * ```ts
 * const verdict = checkHistory(historyOf(report.interleavings[3]));
 * ```
 * Warning: only plain statements are recorded: a predicate read that returned nothing, or a
 * statement the explorer does not rewrite (a join, `count(*)`), leaves no trace, so a cycle through
 * it is not seen.
 */
export function historyOf(interleaving: Interleaving): History {
  if (typeof interleaving !== "object" || interleaving === null || !Array.isArray((interleaving as Interleaving).recorded)) {
    throw new RaceLabArgumentError("interleaving", "an interleaving from exploreTransactions or replayTransactions", interleaving);
  }
  const names = interleaving.transactions.map((t) => t.name);
  const byXid = new Map(interleaving.xids.flatMap((x, t) => (x === null ? [] : [[x, t] as const])));
  // Each transaction's writes per key, in order: the row written, and the value it installs.
  const writes = names.map(() => new Map<string, { row: string; value: string }[]>());
  const ops: HistoryOperation[][] = names.map(() => []);
  const record = (r: RecordedStatement) => {
    for (const row of r.rows) {
      const key = keyOf(r.table, row);
      if (r.kind === "write") {
        const list = writes[r.transaction].get(key) ?? [];
        const value = `${names[r.transaction]}#${list.length + 1}${r.write === "delete" ? " (deleted)" : ""}`;
        list.push({ row: r.write === "delete" ? "" : rowText(row), value });
        writes[r.transaction].set(key, list);
        ops[r.transaction].push({ type: "write", key, value });
      } else {
        const writer = byXid.get(String(row[XMIN_COLUMN]));
        let value: string = "initial";
        if (writer !== undefined) {
          const list = writes[writer].get(key) ?? [];
          const text = rowText(row);
          const match = [...list].reverse().find((w) => w.row === text);
          value = match?.value ?? `${names[writer]}#?`;
        }
        ops[r.transaction].push({ type: "read", key, value });
      }
    }
  };
  interleaving.recorded.forEach(record);
  const order = [...interleaving.commitOrder, ...names.map((_, t) => t).filter((t) => !interleaving.commitOrder.includes(t))];
  return { transactions: order.map((t) => ({ id: names[t], committed: interleaving.commitOrder.includes(t), ops: ops[t] })) };
}
