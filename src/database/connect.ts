import type { Client, ClientConfig, Pool, PoolConfig } from "pg";
import { RaceLabArgumentError } from "../core/errors";

/**
 * The `pg` module, loaded on first use: every worker thread and child process loads race-lab, and
 * loading pg costs about a third of that; only database lessons need it.
 *
 * @internal
 * @example
 * ```ts
 * const client = new (pg().Client)({ connectionString });
 * ```
 */
export function pg(): typeof import("pg") {
  return require("pg");
}

/**
 * Where one run's tables live: a server and a schema of its own. A plain object, so it travels to
 * threads and processes as an argument (pass it, then {@link connectTo} there).
 *
 * @example
 * ```ts
 * const config: DatabaseConfig = await db.config();
 * await runProcesses(worker, [[config], [config]]);
 * ```
 */
export interface DatabaseConfig {
  /** `postgresql://user:password@host:port/database`. */
  connectionString: string;
  /** This run's schema: every table the lesson makes lives in it (`search_path`). */
  schema: string;
  /** Names this run's connections on the server (`application_name`), so they can be ended together. */
  applicationName: string;
}

function checkConfig(config: unknown): DatabaseConfig {
  const c = config as DatabaseConfig;
  if (
    typeof c !== "object" ||
    c === null ||
    typeof c.connectionString !== "string" ||
    typeof c.schema !== "string" ||
    !/^[a-z_][a-z0-9_]{0,62}$/.test(c.schema) ||
    typeof c.applicationName !== "string"
  ) {
    throw new RaceLabArgumentError(
      "config",
      "the object `await db.config()` returns ({ connectionString, schema, applicationName })",
      config,
    );
  }
  return c;
}

/**
 * pg's connection settings for a config: its server, its schema first on the search path.
 *
 * @example
 * ```ts
 * const client = new Client(clientSettings(config));
 * ```
 * Warning: settings only: it neither connects nor checks that the schema exists; pass the config `await db.config()`
 * returned (anything else throws RaceLabArgumentError).
 */
export function clientSettings(config: DatabaseConfig): ClientConfig {
  const c = checkConfig(config);
  return { connectionString: c.connectionString, options: `-c search_path=${c.schema}`, application_name: c.applicationName };
}

/**
 * Opens a connection to a run's database: in the notebook or in a worker thread or process.
 * Tables named without a schema are this run's.
 *
 * @example
 * ```ts
 * async function worker(config: DatabaseConfig) {
 *   const client = await race_lab_1.connectTo(config);
 *   try { await client.query("UPDATE accounts SET balance = balance + 1"); } finally { await client.end(); }
 * }
 * ```
 * Warning: end it (`await client.end()`) when done: an open connection keeps its process alive.
 */
export async function connectTo(config: DatabaseConfig): Promise<Client> {
  const client = new (pg().Client)(clientSettings(config));
  await client.connect();
  return client;
}

/**
 * A pool of connections to a run's database (pg's `Pool`, idle connections let the process exit).
 *
 * @example
 * ```ts
 * const pool = poolFor(config, 10);
 * const client = await pool.connect(); // waits while all 10 are lent out
 * client.release();
 * await pool.end();
 * ```
 * Warning: `await pool.end()` when done.
 */
export function poolFor(config: DatabaseConfig, max = 10, extra: PoolConfig = {}): Pool {
  if (!Number.isInteger(max) || max < 1 || max > 90)
    throw new RaceLabArgumentError("max", "a whole number of connections from 1 to 90", max);
  return new (pg().Pool)({ ...clientSettings(config), max, allowExitOnIdle: true, ...extra });
}
