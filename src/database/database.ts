import type { Client, Pool, QueryResult } from "pg";
import { RaceLabArgumentError } from "../core/errors";
import { atExit, onInterrupt } from "../core/lifecycle";
import { DatabaseConfig, clientSettings, pg, poolFor } from "./connect";
import { EmbeddedServer } from "./embedded-server";
import { createRunSchema, dropRunSchemaNow, newRunConfig } from "./run-schema";

// The kernel's database: started on first use, ended at exit, on SIGTERM and on an interrupt (SIGINT).
// Without DATABASE_URL it is a server of our own (EmbeddedServer); with it, a schema of our own on
// that server. Either way the lesson sees one schema, and nothing of it outlives the kernel.

interface Session {
  config: DatabaseConfig;
  /** The server we started, when there is no DATABASE_URL. */
  server?: EmbeddedServer;
  /** Where the server came from, for describe(). */
  source: string;
  /** Connections and pools handed out: ended when the session ends. */
  clients: Set<Client>;
  pools: Set<Pool>;
  shared?: Pool;
  /** Set once ended: ending twice does nothing. */
  ended?: boolean;
}

async function openSession(): Promise<Session> {
  const url = process.env.DATABASE_URL?.trim();
  const server = url ? undefined : await EmbeddedServer.start();
  const config = newRunConfig(url || server!.url);
  try {
    await createRunSchema(config);
  } catch (e) {
    server?.stopNow();
    throw e;
  }
  const where = url ? `the server of DATABASE_URL (${url.replace(/\/\/[^@/]*@/, "//")})` : `a PostgreSQL server of this kernel (127.0.0.1:${server!.port})`;
  return { config, server, source: where, clients: new Set(), pools: new Set() };
}

/** Ends a session now, synchronously: its server stopped, or its connections ended and schema dropped. */
function endSessionNow(session: Session): void {
  if (session.ended) return;
  session.ended = true;
  if (session.server) {
    session.server.stopNow();
  } else {
    dropRunSchemaNow(session.config);
  }
  // Their server side is gone (server stopped, or backends terminated): their queries fail, and
  // their 'error' events are handled where they were made.
  for (const pool of [...session.pools, ...(session.shared ? [session.shared] : [])]) pool.end().catch(() => undefined);
}

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
 * Warning: an interrupt (SIGINT) ends the session: the server stops (or the schema is dropped) and
 * every table is gone. The next use starts afresh, so each demo makes its own tables.
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
    this.stopListening ??= onInterrupt(() => this.endNow());
  }

  /** Ends the session now (exit, interrupt): synchronous. */
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
    return { ...(await this.start()).config };
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
    const session = await this.start();
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
    const session = await this.start();
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
    const session = await this.start();
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
    const session = await this.start();
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
 * Warning: on an interrupt the session ends (server stopped or schema dropped): demos make their own
 * tables, so the next cell works on a fresh one.
 */
export function database(): Database {
  theDatabase ??= new Database();
  return theDatabase;
}
