import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { libraryFolder } from "../core/environment";
import { DatabaseConfig, pg } from "./connect";

// A run's own schema on a shared server (DATABASE_URL): a class's students, or a test, share one
// server without seeing each other's tables. Made at the start, dropped at the end of the run.

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
 */
export function newRunConfig(connectionString: string): DatabaseConfig {
  const schema = `${RUN_SCHEMA_PREFIX}${Date.now().toString(36)}_${crypto.randomBytes(3).toString("hex")}`;
  return { connectionString, schema, applicationName: `race-lab ${schema}` };
}

/**
 * Creates the run's schema.
 *
 * @example
 * ```ts
 * await createRunSchema(config);
 * ```
 */
export async function createRunSchema(config: DatabaseConfig): Promise<void> {
  const client = new (pg().Client)({ connectionString: config.connectionString, application_name: config.applicationName });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${client.escapeIdentifier(config.schema)}`);
  } finally {
    await client.end();
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
