// Run by dropRunSchemaNow (run-schema.ts) in a process of its own, so that an exit hook can wait for
// it: reads a DatabaseConfig on stdin, ends the run's other connections (an open transaction of theirs
// would hold locks the DROP waits for), drops the run's schema. Exit status 0 when it is gone.
import * as fs from "fs";
import { Client } from "pg";
import { dropRun } from "./run-schema";

async function main(): Promise<void> {
  const config = JSON.parse(fs.readFileSync(0, "utf8"));
  if (typeof config.schema !== "string" || typeof config.applicationName !== "string") throw new Error("not a run's config");
  const client = new Client({ connectionString: config.connectionString, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await dropRun(client, config);
  } finally {
    await client.end();
  }
}

main().then(
  () => process.exit(0),
  () => process.exit(1),
);
