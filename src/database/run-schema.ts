import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import type { Client } from "pg";
import { libraryFolder } from "../core/environment";
import { DatabaseConfig, pg } from "./connect";

// A run's own schema on a shared server (DATABASE_URL): a class's students, or a test, share one
// server without seeing each other's tables. Made at the start, dropped at the end of the run.
// A kernel killed outright (SIGKILL, out of memory) cannot drop its schema, and a query of it still
// running on the server keeps its locks. So each run holds one connection open for as long as it
// lives, its keeper, named after the schema: the server ends the keeper's session when its connection
// closes, and a schema without a keeper is abandoned. The next run to start drops such schemas, after
// ending the connections of theirs still there (see dropAbandonedRuns; an instructor can run it too).

/** The prefix of every run's schema: what is left after a killed kernel is easy to find. */
export const RUN_SCHEMA_PREFIX = "race_lab_run_";

/**
 * A config for a new run on the server at `connectionString`: a unique schema name (time and random
 * bits) and the matching application name. Makes nothing yet: see {@link createRunSchema}.
 *
 * @example
 * ```ts
 * const config = newRunConfig(process.env.DATABASE_URL!); // { schema: "race_lab_run_m3k9x2_4f1a0c", … }
 * ```
 * Warning: makes nothing and checks nothing: the schema does not exist until {@link createRunSchema}.
 */
export function newRunConfig(connectionString: string): DatabaseConfig {
  const schema = `${RUN_SCHEMA_PREFIX}${Date.now().toString(36)}_${crypto.randomBytes(3).toString("hex")}`;
  return { connectionString, schema, applicationName: applicationNameOf(schema) };
}

/** The application name of a run's connections: they can be told apart, and ended together. */
function applicationNameOf(schema: string): string {
  return `race-lab ${schema}`;
}

/** The application name of a run's keeper connection. */
function keeperName(schema: string): string {
  return `race-lab keeper ${schema}`;
}

/**
 * Creates the run's schema, and returns its keeper: the connection that marks the run alive while it
 * is open. It does not keep the process alive; end it after the schema is dropped.
 *
 * @example
 * ```ts
 * const keeper = await createRunSchema(config);
 * // … the run …
 * dropRunSchemaNow(config);
 * await keeper.end();
 * ```
 * Warning: a run whose keeper is gone counts as abandoned: {@link dropAbandonedRuns} drops its schema.
 */
export async function createRunSchema(config: DatabaseConfig): Promise<Client> {
  const keeper = new (pg().Client)({
    connectionString: config.connectionString,
    application_name: keeperName(config.schema),
    // The server notices within about a minute a client that vanished without closing its connection
    // (a machine gone, a network cut), and ends the keeper's session.
    options: "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3",
  });
  keeper.on("error", () => undefined); // the server ending it (the run's end, the server's stop) is expected
  await keeper.connect();
  try {
    await keeper.query(`CREATE SCHEMA ${keeper.escapeIdentifier(config.schema)}`);
  } catch (e) {
    await keeper.end().catch(() => undefined);
    throw e;
  }
  (keeper as unknown as { unref(): void }).unref(); // pg has it; its types do not
  return keeper;
}

/**
 * Ends a run's connections still on the server (a query still running holds its locks until then) and
 * drops its schema with every table in it, on `client`, an open connection of another session.
 *
 * @internal
 * @example
 * ```ts
 * await dropRun(admin, config);
 * ```
 * Warning: gives up after 5 s waiting for a lock (the DROP then throws).
 */
export async function dropRun(client: Client, config: Pick<DatabaseConfig, "schema" | "applicationName">): Promise<void> {
  if (!config.schema.startsWith(RUN_SCHEMA_PREFIX)) throw new Error(`${config.schema} is not a run's schema`);
  await client.query("SET lock_timeout = '5s'");
  await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", [
    config.applicationName,
  ]);
  await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(config.schema)} CASCADE`);
}

/**
 * Drops, on the server at `connectionString`, the schemas of runs that are gone without dropping
 * theirs (a kernel killed outright, a machine gone): those whose keeper connection is closed. Their
 * connections still on the server are ended first. Runs in progress are left alone. Each run's start
 * on a shared server calls it; an instructor can too (`npm run class-db -- clean`).
 *
 * @example
 * ```ts
 * const { dropped, running } = await dropAbandonedRuns(process.env.DATABASE_URL!);
 * console.log(`dropped ${dropped.length}, ${running.length} runs in progress`);
 * ```
 * Warning: needs the right to end the abandoned runs' connections (the same role, or
 * pg_signal_backend); a schema whose locks are still held after 5 s is left for the next time.
 */
export async function dropAbandonedRuns(connectionString: string): Promise<{ dropped: string[]; running: string[] }> {
  const client = new (pg().Client)({ connectionString, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; running: boolean }>(
      `SELECT n.nspname AS schema, EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.application_name = $2 || n.nspname) AS running
       FROM pg_namespace n WHERE starts_with(n.nspname, $1) ORDER BY 1`,
      [RUN_SCHEMA_PREFIX, keeperName("")],
    );
    const dropped: string[] = [];
    for (const { schema } of rows.filter((r) => !r.running)) {
      try {
        await dropRun(client, { schema, applicationName: applicationNameOf(schema) });
        dropped.push(schema);
      } catch {
        // still locked, or dropped meanwhile by another run's start: the next call tries again
      }
    }
    return { dropped, running: rows.filter((r) => r.running).map((r) => r.schema) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Ends every connection of the run (its application name) and drops its schema with all its tables,
 * synchronously: in a short-lived node process we wait for. Usable in exit hooks and on interrupt.
 * Returns whether the schema is gone.
 *
 * @example
 * ```ts
 * process.on("exit", () => dropRunSchemaNow(config));
 * ```
 * Warning: blocks the calling thread for the time of one connection (a fraction of a second; at most 15 s).
 */
export function dropRunSchemaNow(config: DatabaseConfig): boolean {
  const entry = path.join(libraryFolder(), "database", "drop-schema-entry.js");
  const result = spawnSync(process.execPath, [entry], {
    input: JSON.stringify(config),
    stdio: ["pipe", "ignore", "ignore"],
    timeout: 15_000,
    killSignal: "SIGKILL",
  });
  return result.status === 0;
}
