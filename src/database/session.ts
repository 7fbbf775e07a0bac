// The kernel's database session: the server (ours, or DATABASE_URL's) and this run's schema, what it
// has handed out, how an interrupt ends the connections and how the session ends.
import type { Client, Pool } from "pg";
import { DatabaseConfig, pg } from "./connect";
import { EmbeddedServer } from "./embedded-server";
import { createRunSchema, dropAbandonedRuns, dropRunSchemaNow, newRunConfig } from "./run-schema";

/** @internal The kernel's database session: where it is, and what it has handed out. */
export interface Session {
  config: DatabaseConfig;
  /** The server we started, when there is no DATABASE_URL. */
  server?: EmbeddedServer;
  /** Where the server came from, for describe(). */
  source: string;
  /** The connection that marks the run alive (createRunSchema): ended after the schema is dropped. */
  keeper: Client;
  /** Connections and pools handed out: ended when the session ends. */
  clients: Set<Client>;
  pools: Set<Pool>;
  shared?: Pool;
  /** Set once ended: ending twice does nothing. */
  ended?: boolean;
  /** After an interrupt: the run's connections being ended. Nothing is handed out before it settles. */
  recovering?: Promise<void>;
}

/** How long ending the run's connections after an interrupt may take before the next use goes on. */
const RECOVER_TIMEOUT_MS = 10_000;

/**
 * After an interrupt: ends every connection of the run (its application name) on the server — a
 * query the interrupted cell left running, a transaction holding locks, a process's connection —
 * and the pools and clients handed out. The server, the schema and its tables stay.
 *
 * @internal
 * @example
 * ```ts
 * onInterrupt(() => endConnectionsAfterInterrupt(session));
 * ```
 * Warning: returns at once; `session.recovering` settles when the connections are gone (or after 10 s).
 */
export function endConnectionsAfterInterrupt(session: Session): void {
  const clients = [...session.clients];
  const pools = [...session.pools, ...(session.shared ? [session.shared] : [])];
  session.clients.clear();
  session.pools.clear();
  session.shared = undefined;
  const admin = new (pg().Client)({ connectionString: session.config.connectionString, connectionTimeoutMillis: 5_000 });
  admin.on("error", () => undefined);
  const terminate = (async () => {
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", [
      session.config.applicationName,
    ]);
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, RECOVER_TIMEOUT_MS);
    timer.unref();
  });
  session.recovering = Promise.race([terminate, timeout])
    .catch(() => undefined)
    .finally(() => {
      clearTimeout(timer);
      void admin.end().catch(() => undefined);
      for (const client of clients) void client.end().catch(() => undefined);
      // A pool's end waits for clients checked out of it: not awaited (their backends are gone).
      for (const pool of pools) void pool.end().catch(() => undefined);
      session.recovering = undefined;
    });
}

/**
 * Opens the kernel's session: a server of our own (or DATABASE_URL's), this run's schema and its
 * keeper connection; on a shared server, first drops the schemas of runs killed outright.
 *
 * @internal
 * @example
 * ```ts
 * const session = await openSession();
 * ```
 * Warning: starting a server takes about a second; end the session with {@link endSessionNow}.
 */
export async function openSession(): Promise<Session> {
  const url = process.env.DATABASE_URL?.trim();
  const server = url ? undefined : await EmbeddedServer.start();
  const config = newRunConfig(url || server!.url);
  let keeper: Client;
  try {
    keeper = await createRunSchema(config);
  } catch (e) {
    server?.stopNow();
    throw e;
  }
  // A shared server: what runs killed outright left there goes now (a lesson never waits on it long:
  // a schema still locked after 5 s is left for the next start).
  if (url) await dropAbandonedRuns(url).catch(() => undefined);
  const where = url
    ? `the server of DATABASE_URL (${url.replace(/\/\/[^@/]*@/, "//")})`
    : `a PostgreSQL server of this kernel (127.0.0.1:${server!.port})`;
  return { config, server, source: where, keeper, clients: new Set(), pools: new Set() };
}

/**
 * Ends a session now, synchronously: its server stopped, or its connections ended and schema dropped.
 *
 * @internal
 * @example
 * ```ts
 * atExit(() => endSessionNow(session), "workers");
 * ```
 * Warning: blocks until the server has stopped or the schema is dropped; ending twice does nothing.
 */
export function endSessionNow(session: Session): void {
  if (session.ended) return;
  session.ended = true;
  if (session.server) {
    session.server.stopNow();
  } else {
    dropRunSchemaNow(session.config);
  }
  void session.keeper.end().catch(() => undefined);
  // Their server side is gone (server stopped, or backends terminated): their queries fail, and
  // their 'error' events are handled where they were made.
  for (const pool of [...session.pools, ...(session.shared ? [session.shared] : [])]) pool.end().catch(() => undefined);
}
