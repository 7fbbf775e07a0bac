import type { Client, Pool, QueryResult } from "pg";
import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { atExit, onInterrupt } from "../core/lifecycle";
import { DatabaseConfig, clientSettings, pg, poolFor } from "./connect";
import { type Session, endConnectionsAfterInterrupt, endSessionNow, openSession } from "./session";

// The kernel's database: started on first use, ended at exit and on SIGTERM. An interrupt (SIGINT)
// ends the connections the interrupted cell may have left waiting (and their locks), never the server
// or its tables: the next cell works on the same ones. Without DATABASE_URL it is a server of our own
// (EmbeddedServer, in its own session so the kernel's SIGINT does not reach it); with it, a schema of
// our own on that server. Either way the lesson sees one schema, and nothing of it outlives the kernel.

/**
 * The kernel's PostgreSQL database, for lessons: a server of this kernel (started on first use, in a
 * per-run temporary folder), or — when the environment variable `DATABASE_URL` is set — that server,
 * in a schema of this run's own. Get it with {@link database}.
 *
 * @example
 * ```ts
 * const db = database();
 * await db.query("CREATE TABLE accounts (id text PRIMARY KEY, balance int)");
 * const client = await db.connect();
 * ```
 * Warning: an interrupt (SIGINT) ends every connection of the run — `db.connect()`'s clients, pools,
 * the connections of threads and processes — but keeps the server and its tables: connect again.
 */
export class Database {
  private session: Promise<Session> | undefined;
  private stopListening: (() => void) | undefined;
  private readonly endAtExit = () => this.endNow();

  private start(): Promise<Session> {
    if (!this.session) {
      const starting = openSession();
      this.session = starting;
      starting.then(
        (s) => {
          settledValues.set(starting, s);
          this.watch();
        },
        () => {
          if (this.session === starting) this.session = undefined;
        },
      );
    }
    return this.session;
  }

  private watch(): void {
    // In the "workers" phase: before the "files" phase removes the server's run folder.
    atExit(this.endAtExit, "workers");
    this.stopListening ??= onInterrupt(() => this.afterInterrupt());
  }

  /** On an interrupt: the connections end, the session (server, schema, tables) stays. */
  private afterInterrupt(): void {
    const pending = this.session;
    if (!pending) return;
    const settled = settledValues.get(pending);
    if (settled) endConnectionsAfterInterrupt(settled);
    // A session still starting goes on starting: nothing of it was handed out yet.
  }

  /** The open session, once any clean-up after an interrupt is done; a server that died is said so. */
  private async ready(): Promise<Session> {
    const session = await this.start();
    if (session.recovering) await session.recovering;
    if (session.server && !session.server.isRunning) {
      this.endNow();
      throw new RaceLabError(
        `The kernel's PostgreSQL server (port ${session.server.port}) has stopped, and its tables with it. ` +
          "Run this lesson's cells again from the one that makes its tables (the next use starts a new, empty server).",
      );
    }
    return session;
  }

  /** Ends the session now (exit, SIGTERM): synchronous. */
  private endNow(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    const pending = this.session;
    this.session = undefined;
    if (!pending) return;
    // A session still starting ends as soon as it has started.
    const settled = settledValues.get(pending);
    if (settled) endSessionNow(settled);
    else pending.then(endSessionNow, () => undefined);
  }

  /**
   * Where this run's tables live (server, schema, application name): a plain object to pass to
   * threads and processes, which open connections with {@link connectTo}.
   *
   * @example
   * ```ts
   * await runProcesses(worker, [[await db.config()], [await db.config()]]);
   * ```
   */
  async config(): Promise<DatabaseConfig> {
    return { ...(await this.ready()).config };
  }

  /**
   * A new connection to this run's schema. End it with `await client.end()`.
   *
   * @example
   * ```ts
   * const a = await db.connect(), b = await db.connect(); // two sessions, two server processes
   * ```
   * Warning: each connection is its own session on the server: its own transaction, its own locks.
   */
  async connect(): Promise<Client> {
    const session = await this.ready();
    const client = new (pg().Client)(clientSettings(session.config));
    session.clients.add(client);
    client.once("end", () => session.clients.delete(client));
    client.on("error", () => undefined); // a connection cut by an interrupt: its queries reject already
    await client.connect();
    return client;
  }

  /**
   * A new pool of at most `max` connections to this run's schema (pg's `Pool`). End it with
   * `await pool.end()`; the session's end ends it too.
   *
   * @example
   * ```ts
   * const pool = await db.pool(10);
   * ```
   */
  async pool(max = 10): Promise<Pool> {
    const session = await this.ready();
    const pool = poolFor(session.config, max);
    pool.on("error", () => undefined);
    session.pools.add(pool);
    return pool;
  }

  /**
   * Runs one statement on a connection of a shared pool (autocommit).
   *
   * @example
   * ```ts
   * const { rows } = await db.query("SELECT balance FROM accounts WHERE id = $1", ["alice"]);
   * ```
   * Warning: one statement per call, each on whichever connection is free: for a transaction, take
   * a connection with {@link Database.connect}.
   */
  async query(text: string, params: unknown[] = []): Promise<QueryResult> {
    if (typeof text !== "string" || text.trim() === "") throw new RaceLabArgumentError("text", "an SQL statement", text);
    if (!Array.isArray(params)) throw new RaceLabArgumentError("params", "an array of values for $1, $2, …", params);
    const session = await this.ready();
    session.shared ??= poolFor(session.config, 4).on("error", () => undefined);
    return session.shared.query(text, params);
  }

  /**
   * One line saying which server and schema the lesson uses.
   *
   * @example
   * ```ts
   * console.log(await db.describe()); // "a PostgreSQL server of this kernel (127.0.0.1:41234), schema race_lab_run_…"
   * ```
   */
  async describe(): Promise<string> {
    const session = await this.ready();
    const { rows } = await this.query("SHOW server_version");
    return `PostgreSQL ${rows[0].server_version}: ${session.source}, schema ${session.config.schema}`;
  }

  /**
   * Ends the session now: connections closed, the schema dropped or the server stopped. The next use
   * starts a new one.
   *
   * @example
   * ```ts
   * await db.end();
   * ```
   */
  async end(): Promise<void> {
    const pending = this.session;
    if (!pending) return;
    const session = await pending.catch(() => undefined);
    if (session) {
      await Promise.all([...session.clients].map((c) => c.end().catch(() => undefined)));
      await Promise.all([...session.pools, ...(session.shared ? [session.shared] : [])].map((p) => p.end().catch(() => undefined)));
      session.clients.clear();
      session.pools.clear();
      session.shared = undefined;
    }
    this.endNow();
  }

  /**
   * Whether a session is open (a server running, or a schema made).
   *
   * @example
   * ```ts
   * database().isOpen; // false before the first query
   * ```
   */
  get isOpen(): boolean {
    return this.session !== undefined;
  }
}

/** Sessions by the promise that opened them, once open: read without waiting (exit hooks cannot wait). */
const settledValues = new WeakMap<Promise<Session>, Session>();

let theDatabase: Database | undefined;

/**
 * The kernel's database (one per process): a PostgreSQL server started by race-lab on first use, or
 * the server named by `DATABASE_URL`, with a schema of this run's own. Nothing starts until the first
 * query.
 *
 * @example
 * ```ts
 * const db = database();
 * console.log(await db.describe());
 * ```
 * Warning: on an interrupt the run's connections end (their locks go with them); the server and its
 * tables stay, so the next cell works on the same ones.
 */
export function database(): Database {
  theDatabase ??= new Database();
  return theDatabase;
}
