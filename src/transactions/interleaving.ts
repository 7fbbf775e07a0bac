// One interleaving of real transactions: fresh tables, every transaction begun at the level, then
// one statement at a time by the transaction `choose` picks among those that can move. A statement
// waiting for a lock leaves its transaction unable to move until the server lets it go on (it then
// answers, or fails: 40001, 40P01); the others go on meanwhile.

import { RaceLabError } from "../core/errors";
import type { CheckedTransactions, IsolationLevel, TransactionOutcome } from "./options";
import type { InFlight, SessionDetail, Sessions } from "./sessions";
import { type Row, XMIN_COLUMN } from "./statements";

/**
 * One step of an interleaving: the statement a transaction sent, who was waiting for a lock once
 * everything settled, and which statements answered meanwhile (a statement that waited answers at
 * a later step).
 *
 * @example
 * ```ts
 * const step: TransactionStep = { transaction: 1, statement: 0, label: "UPDATE test SET value = 12 WHERE id = 1", waiting: [{ transaction: 1, for: ["T1"] }], answered: [] };
 * ```
 * Warning: `waiting` is who waits once the step settled; a statement that waits answers in the `answered` of a later step.
 */
export interface TransactionStep {
  transaction: number;
  statement: number;
  label: string;
  waiting: { transaction: number; for: string[] }[];
  answered: { transaction: number; statement: number; rows?: number; error?: string }[];
  /** With `details`: each transaction's id, snapshot and locks after this step, from the server. */
  details?: SessionDetail[];
}

/**
 * What a recorded statement read or wrote: its table and rows, each with `__xmin`, the id of the
 * transaction that wrote the version seen or written (see {@link recordingForm}).
 *
 * @example
 * ```ts
 * const r: RecordedStatement = { transaction: 0, statement: 0, kind: "read", table: "test", rows: [{ __xmin: "755", id: 1, value: 10 }] };
 * ```
 * Warning: only plain statements are recorded (see recordingForm); rows a predicate did not match leave no record.
 */
export interface RecordedStatement {
  transaction: number;
  statement: number;
  kind: "read" | "write";
  write?: "insert" | "update" | "delete";
  table: string;
  rows: Row[];
}

/**
 * One explored interleaving of transactions and how it ended.
 *
 * @example
 * ```ts
 * const bad = report.interleavings.find((i) => i.held === false); // { order: [0, 1, 0, 1, …], transactions: […], state: { test: […] }, … }
 * ```
 * Warning: `state` is read after every transaction ended: rows written by an aborted transaction are not in it.
 */
export interface Interleaving {
  level: IsolationLevel;
  /** The transaction that took each step (replay it with `replayTransactions({ …, order })`). */
  order: number[];
  steps: TransactionStep[];
  transactions: TransactionOutcome[];
  /** Every table the setup made, its rows at the end. */
  state: Record<string, Row[]>;
  /** What the check said (undefined without a check). */
  held: boolean | undefined;
  /** Some statement waited for another transaction's lock. */
  blocked: boolean;
  /** The transactions in the order they committed. */
  commitOrder: number[];
  /** What each recorded statement read or wrote, in the order they answered (for the history checker). */
  recorded: RecordedStatement[];
  /** Each transaction's id on the server (null if it wrote nothing). */
  xids: (string | null)[];
}

/** @internal Picks the next transaction among `movable` at decision number `decision`. */
export type ChooseTransaction = (movable: number[], decision: number, why: (t: number) => string) => number;

/** @internal An interleaving and the choices along it (for the search's backtracking). */
export interface RanInterleaving {
  interleaving: Interleaving;
  decisions: { movable: number[]; chosen: number }[];
}

/**
 * Runs one interleaving to its end.
 *
 * @internal
 * @example
 * ```ts
 * const { interleaving } = await runInterleaving(sessions, o, "READ COMMITTED", (movable) => movable[0]);
 * ```
 */
export async function runInterleaving(
  sessions: Sessions,
  o: CheckedTransactions,
  level: IsolationLevel,
  choose: ChooseTransaction,
): Promise<RanInterleaving> {
  const n = o.transactions.length;
  await sessions.reset(o.setup, level);
  const next = new Array<number>(n).fill(0);
  const outcomes: TransactionOutcome[] = o.transactions.map((t) => ({
    name: t.name,
    status: "committed",
    results: t.statements.map(() => undefined),
  }));
  const finished = new Array<boolean>(n).fill(false);
  const flights = new Map<number, InFlight>();
  const steps: TransactionStep[] = [];
  const decisions: RanInterleaving["decisions"] = [];
  const commitOrder: number[] = [];
  const recorded: RecordedStatement[] = [];
  const xids: (string | null)[] = new Array(n).fill(null);
  let blockedEver = false;
  let answered: TransactionStep["answered"] = [];

  const onDone = async (f: InFlight) => {
    const flight = flights.get(f.transaction)!;
    flights.delete(f.transaction);
    const t = f.transaction;
    const prepared = o.transactions[t].statements[flight.statement];
    if (f.error) {
      outcomes[t] = { ...outcomes[t], status: "aborted", code: f.error.code, message: f.error.message, failedAt: flight.statement };
      finished[t] = true;
      answered.push({ transaction: t, statement: flight.statement, error: f.error.code ?? f.error.message });
      await sessions.rollback(t);
      return;
    }
    const rows = f.rows ?? [];
    outcomes[t].results[flight.statement] = rows.map((r) => {
      const { [XMIN_COLUMN]: _xmin, ...rest } = r;
      return rest;
    });
    answered.push({ transaction: t, statement: flight.statement, rows: rows.length });
    if (prepared.records) {
      recorded.push({
        transaction: t,
        statement: flight.statement,
        kind: prepared.records.kind,
        ...(prepared.records.write ? { write: prepared.records.write } : {}),
        table: prepared.records.table,
        rows,
      });
      if (prepared.records.kind === "write" && xids[t] === null && rows.length > 0) {
        // A row this transaction inserted or updated carries its id as xmin; a deleted row, its writer's.
        if (prepared.records.write !== "delete") xids[t] = String(rows[0][XMIN_COLUMN]);
        else
          xids[t] =
            ((await sessions.monitor.query("SELECT backend_xid::text AS xid FROM pg_stat_activity WHERE pid = $1", [sessions.pids[t]]))
              .rows[0]?.xid as string | null) ?? null;
      }
    }
    if (prepared.ends) {
      finished[t] = true;
      if (prepared.ends === "commit") commitOrder.push(t);
      else outcomes[t].status = "rolled back";
    }
  };

  for (;;) {
    sessions.checkTime(`in an interleaving at ${level}`);
    const movable = [...Array(n).keys()].filter((t) => !finished[t] && !flights.has(t));
    if (movable.length === 0) {
      if (flights.size === 0) break;
      const names = [...flights.keys()].map((t) => o.transactions[t].name).join(" and ");
      throw new RaceLabError(
        `${names} wait for a lock that no explored transaction holds (another session of this schema holds it?): end that session, or its transaction`,
      );
    }
    const t = choose(movable, decisions.length, (w) =>
      finished[w] ? `${o.transactions[w].name} has finished` : `${o.transactions[w].name} waits for a lock`,
    );
    decisions.push({ movable, chosen: t });
    const k = next[t]++;
    const prepared = o.transactions[t].statements[k];
    let params: unknown[];
    try {
      params = typeof prepared.params === "function" ? prepared.params(outcomes[t].results.slice(0, k) as Row[][]) : prepared.params;
    } catch (error) {
      throw new RaceLabError(
        `the params function of ${o.transactions[t].name}'s statement ${k + 1} ("${prepared.label}") threw: ${(error as Error).message}`,
      );
    }
    answered = [];
    flights.set(t, sessions.send(t, k, prepared.sent, params));
    const blocked = await sessions.settle([...flights.values()], onDone);
    const waiting = [...blocked].map(([w, by]) => ({
      transaction: w,
      for: by.map((pid) => {
        const i = sessions.pids.indexOf(pid);
        return i >= 0 ? o.transactions[i].name : `another session (pid ${pid})`;
      }),
    }));
    if (waiting.length > 0) blockedEver = true;
    steps.push({
      transaction: t,
      statement: k,
      label: prepared.label,
      waiting,
      answered,
      ...(o.details ? { details: await sessions.details() } : {}),
    });
  }
  const state = await sessions.state();
  const interleaving: Interleaving = {
    level,
    order: decisions.map((d) => d.chosen),
    steps,
    transactions: outcomes,
    state,
    held: undefined,
    blocked: blockedEver,
    commitOrder,
    recorded,
    xids,
  };
  if (o.check) {
    try {
      interleaving.held = Boolean(await o.check({ state, transactions: outcomes, level }));
    } catch (error) {
      throw new RaceLabError(
        `options.check threw on the interleaving [${interleaving.order.join(", ")}] at ${level}: ${(error as Error).message}`,
      );
    }
  }
  return { interleaving, decisions };
}
