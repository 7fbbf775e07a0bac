// Run by dropRunSchemaNow (run-schema.ts) in a process of its own, so that an exit hook can wait for
// it: reads a DatabaseConfig on stdin, ends the run's other connections (an open transaction of theirs
// would hold locks the DROP waits for), drops the run's schema. Exit status 0 when it is gone.
import * as fs from "fs";
import { Client } from "pg";
import { RUN_SCHEMA_PREFIX } from "./run-schema";

async function main(): Promise<void> {
  const config = JSON.parse(fs.readFileSync(0, "utf8"));
  if (typeof config.schema !== "string" || !config.schema.startsWith(RUN_SCHEMA_PREFIX)) throw new Error("not a run's schema");
  const client = new Client({ connectionString: config.connectionString, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query("SET lock_timeout = '5s'");
    await client.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
      [config.applicationName],
    );
    await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(config.schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
