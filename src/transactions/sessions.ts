// The connections of an exploration: one per transaction, and a monitor that makes the tables and
// watches the others from the server's side. A statement that has not returned is either running
// or waiting for a lock: the monitor asks the server (pg_blocking_pids) until one or the other is
// so — no timeout decides that a statement is blocked.

import type { Client } from "pg";
import { RaceLabError, RunInterruptedError, RunTimeoutError } from "../core/errors";
import { onInterrupt } from "../core/lifecycle";
import { database } from "../database/database";
import type { IsolationLevel } from "./options";
import type { Row } from "./statements";

/** The server's deadlock_timeout for explored sessions: a deadlock is broken 1 ms after it forms. */
const DEADLOCK_TIMEOUT_MS = 1;
/** After a statement starts waiting, how long before the next step, so that its own deadlock check has run. */
const SETTLE_AFTER_BLOCK_MS = 5;

/** @internal A statement sent and not yet answered, or answered. */
export interface InFlight {
  transaction: number;
  /** Its index in the transaction's statements. */
  statement: number;
  done: boolean;
  rows?: Row[];
  error?: { code?: string; message: string };
}

/** @internal What the server says about one explored session after a step. */
export interface SessionDetail {
  xid: string | null;
  snapshotXmin: string | null;
  waiting: boolean;
  locks: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** @internal The connections of one exploration, reused from one interleaving to the next. */
export class Sessions {
  private constructor(
    readonly clients: Client[],
    readonly monitor: Client,
    readonly pids: number[],
    readonly deadline: number,
    readonly baseTables: Set<string>,
    readonly notes: string[],
  ) {}

  private interrupted = false;
  private stopListening: (() => void) | undefined;
  private ended = false;

  static async open(count: number, timeoutMs: number): Promise<Sessions> {
    const deadline = Date.now() + timeoutMs;
    const db = database();
    const opened: Client[] = [];
    try {
      for (let i = 0; i <= count; i++) opened.push(await db.connect());
      const monitor = opened[count];
      const clients = opened.slice(0, count);
      const notes: string[] = [];
      const pids: number[] = [];
      for (const c of clients) {
        pids.push(Number((await c.query("SELECT pg_backend_pid() AS pid")).rows[0].pid));
        try {
          await c.query(`SET deadlock_timeout = '${DEADLOCK_TIMEOUT_MS}ms'`);
        } catch {
          if (notes.length === 0)
            notes.push(
              "deadlock_timeout could not be lowered here (not a superuser): the server breaks a deadlock after its own deadlock_timeout (1 s unless set)",
            );
        }
      }
      const base = await monitor.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()");
      const sessions = new Sessions(clients, monitor, pids, deadline, new Set(base.rows.map((r) => String(r.tablename))), notes);
      sessions.stopListening = onInterrupt(() => {
        sessions.interrupted = true;
      });
      return sessions;
    } catch (error) {
      await Promise.all(opened.map((c) => c.end().catch(() => undefined)));
      throw error;
    }
  }

  /** Whether an interrupt (SIGINT) came during the exploration. */
  get wasInterrupted(): boolean {
    return this.interrupted;
  }

  /** Throws if the exploration ran out of time or was interrupted. */
  checkTime(what: string): void {
    if (this.interrupted) throw new RunInterruptedError(`exploring transactions was interrupted (${what})`);
    if (Date.now() > this.deadline) throw new RunTimeoutError(`exploring transactions timed out (options.timeoutMs) ${what}`);
  }

  /** The tables the setup made (every table of the schema that was not there before). */
  async newTables(): Promise<string[]> {
    const { rows } = await this.monitor.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename");
    return rows.map((r) => String(r.tablename)).filter((t) => !this.baseTables.has(t));
  }

  async dropNewTables(): Promise<void> {
    const tables = await this.newTables();
    if (tables.length > 0)
      await this.monitor.query(`DROP TABLE IF EXISTS ${tables.map((t) => this.monitor.escapeIdentifier(t)).join(", ")} CASCADE`);
  }

  /** The tables the setup made (in the order it made them), learnt once it first ran. */
  private tables: string[] | undefined;
  /** The statement that puts every table and sequence back as the setup left them. */
  private restore = "";

  /**
   * Tables as the setup made them, then every transaction begun at `level` (BEGIN takes no snapshot
   * yet: its first statement does). The setup runs once; after it, its rows (and sequences) are kept
   * in temporary tables of the monitor's session, and each interleaving starts from a copy of them:
   * a DELETE and an INSERT are much quicker than making the tables again.
   */
  async reset(setup: string[], level: IsolationLevel): Promise<void> {
    if (this.tables === undefined) {
      try {
        // One simple query: the whole setup in one round trip (one implicit transaction).
        await this.monitor.query(setup.map((sql) => sql.trim().replace(/;\s*$/, "")).join(";\n"));
      } catch (error) {
        throw new RaceLabError(`options.setup failed: ${(error as Error).message} (setup: ${setup.join("; ")})`);
      }
      const m = this.monitor;
      const made = (
        await m.query(
          "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' ORDER BY c.oid",
        )
      ).rows.map((r) => String(r.relname));
      this.tables = made.filter((t) => !this.baseTables.has(t));
      const copies = this.tables.map((t, i) => `CREATE TEMP TABLE rl_rows_${i} AS SELECT * FROM ${m.escapeIdentifier(t)}`);
      const sequences = (
        await m.query(
          "SELECT sequencename, last_value, (last_value IS NOT NULL) AS called FROM pg_sequences WHERE schemaname = current_schema()",
        )
      ).rows;
      if (copies.length > 0) await m.query(copies.join(";\n"));
      const deletes = [...this.tables].reverse().map((t) => `DELETE FROM ${m.escapeIdentifier(t)}`);
      const inserts = this.tables.map(
        (t, i) => `INSERT INTO ${m.escapeIdentifier(t)} OVERRIDING SYSTEM VALUE SELECT * FROM pg_temp.rl_rows_${i}`,
      );
      const setvals = sequences.map(
        (q) =>
          `SELECT setval(${m.escapeLiteral(m.escapeIdentifier(String(q.sequencename)))}, ${q.called ? String(q.last_value) : 1}, ${q.called ? "true" : "false"})`,
      );
      this.restore = [...deletes, ...inserts, ...setvals].join(";\n");
    } else if (this.restore) {
      await this.monitor.query(this.restore);
    }
    await Promise.all(this.clients.map((c) => c.query(`BEGIN ISOLATION LEVEL ${level}`)));
  }

  /** Every new table's rows, by primary key order (the first column), read in one round trip. */
  async state(): Promise<Record<string, Row[]>> {
    const tables = this.tables ?? [];
    if (tables.length === 0) return {};
    const m = this.monitor;
    const columns = tables.map(
      (t, i) => `(SELECT coalesce(json_agg(x), '[]') FROM (SELECT * FROM ${m.escapeIdentifier(t)} ORDER BY 1) AS x) AS c${i}`,
    );
    const { rows } = await m.query(`SELECT ${columns.join(", ")}`);
    return Object.fromEntries(tables.map((t, i) => [t, rows[0][`c${i}`] as Row[]]));
  }

  /** Sends a statement on transaction `t`'s connection; the returned record fills in when it answers. */
  send(t: number, statement: number, sql: string, params: unknown[]): InFlight {
    const flight: InFlight = { transaction: t, statement, done: false };
    this.clients[t].query(sql, params).then(
      (result) => {
        flight.rows = result.rows;
        flight.done = true;
      },
      (error: { code?: string; message?: string }) => {
        flight.error = { code: error.code, message: String(error.message ?? error) };
        flight.done = true;
      },
    );
    return flight;
  }

  /** Ends an aborted transaction (the server already released its locks when its statement failed). */
  async rollback(t: number): Promise<void> {
    await this.clients[t].query("ROLLBACK");
  }

  /**
   * Waits until every statement in flight has answered or waits for a lock, as the server says.
   * `onDone` handles each answer (it may send a ROLLBACK, which can free others: they are asked again).
   * Returns who blocks each statement still waiting (pids).
   */
  async settle(flights: InFlight[], onDone: (f: InFlight) => Promise<void>): Promise<Map<number, number[]>> {
    let newlyBlocked = false;
    const seenBlocked = new Set<number>();
    const handled = new Set<InFlight>();
    for (;;) {
      this.checkTime(
        `while statements of ${flights
          .filter((f) => !f.done)
          .map((f) => `transaction ${f.transaction}`)
          .join(", ")} neither answered nor waited for a lock`,
      );
      const answered = flights.filter((f) => f.done && !handled.has(f));
      if (answered.length > 0) {
        for (const f of answered) {
          handled.add(f);
          await onDone(f);
        }
        continue;
      }
      const open = flights.filter((f) => !f.done);
      if (open.length === 0) return new Map();
      const { rows } = await this.monitor.query("SELECT pid, pg_blocking_pids(pid) AS by FROM unnest($1::int[]) AS pid", [
        open.map((f) => this.pids[f.transaction]),
      ]);
      const blockers = new Map(rows.map((r) => [Number(r.pid), (r.by as number[]).map(Number)]));
      if (open.some((f) => f.done)) continue; // answered while we asked: handle it first
      const blocked = new Map(open.map((f) => [f.transaction, blockers.get(this.pids[f.transaction]) ?? []]));
      for (const [t, by] of blocked)
        if (by.length > 0 && !seenBlocked.has(t)) {
          seenBlocked.add(t);
          newlyBlocked = true;
        }
      if ([...blocked.values()].some((by) => by.length === 0)) continue; // still running: ask again
      if (this.hasCycle(blocked)) {
        // The server breaks a deadlock among our sessions (40P01) within deadlock_timeout: wait for it.
        await sleep(DEADLOCK_TIMEOUT_MS);
        continue;
      }
      if (newlyBlocked) await sleep(SETTLE_AFTER_BLOCK_MS);
      return blocked;
    }
  }

  private hasCycle(blocked: Map<number, number[]>): boolean {
    const byPid = new Map([...blocked].map(([t, by]) => [this.pids[t], by]));
    for (const start of byPid.keys()) {
      const seen = new Set<number>();
      const stack = [start];
      while (stack.length > 0) {
        const pid = stack.pop()!;
        for (const next of byPid.get(pid) ?? []) {
          if (next === start) return true;
          if (!seen.has(next)) {
            seen.add(next);
            stack.push(next);
          }
        }
      }
    }
    return false;
  }

  /** Transaction ids, snapshots and locks of every explored session, as the server sees them now. */
  async details(): Promise<SessionDetail[]> {
    const { rows } = await this.monitor.query(
      `SELECT a.pid, a.backend_xid::text AS xid, a.backend_xmin::text AS xmin, cardinality(pg_blocking_pids(a.pid)) > 0 AS waiting,
        (SELECT coalesce(array_agg(l.mode || CASE WHEN l.granted THEN '' ELSE ' (waiting)' END || ' on ' ||
          CASE WHEN l.locktype = 'relation' THEN l.relation::regclass::text WHEN l.locktype = 'transactionid' THEN 'transaction ' || l.transactionid::text
               WHEN l.locktype = 'tuple' THEN 'a row of ' || l.relation::regclass::text ELSE l.locktype END ORDER BY l.locktype, l.mode), '{}')
         FROM pg_locks l WHERE l.pid = a.pid AND l.locktype IN ('relation', 'transactionid', 'tuple') AND (l.relation IS NULL OR l.relation::regclass::text NOT LIKE 'pg_%')) AS locks
       FROM pg_stat_activity a WHERE a.pid = ANY($1)`,
      [this.pids],
    );
    const byPid = new Map(rows.map((r) => [Number(r.pid), r]));
    return this.pids.map((pid) => {
      const r = byPid.get(pid);
      return {
        xid: r?.xid ?? null,
        snapshotXmin: r?.xmin ?? null,
        waiting: Boolean(r?.waiting),
        locks: (r?.locks as string[] | undefined) ?? [],
      };
    });
  }

  /** Ends everything: connections closed, the tables the setup made dropped. Never throws. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stopListening?.();
    const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), sleep(5000)]);
    if (!this.interrupted) {
      await bounded(this.monitor.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [this.pids]));
      await bounded(this.dropNewTables());
    }
    await Promise.all([...this.clients, this.monitor].map((c) => bounded(c.end())));
  }
}
