// With DATABASE_URL the database lessons use that server — here a second PostgreSQL started by the
// test — in a schema of each run's own, and leave no schema behind. The lessons run through the real
// notebook harness (zero failed cells, unsafe demos >= 90%, safe ones never, nothing left behind).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Client } from "pg";
import { EmbeddedServer, RUN_SCHEMA_PREFIX } from "race-lab/internal";
import { ROOT, runHarness } from "./harness-run";

const LESSONS = ["12-database-races.ipynb", "13-locks-across-machines.ipynb"].map((f) => path.join(ROOT, "notebooks", f));

test("both database lessons run against the server of DATABASE_URL and leave no schema there", { timeout: 600_000 }, async () => {
  const server = await EmbeddedServer.start();
  try {
    const run = await runHarness(LESSONS, { DATABASE_URL: server.url }, 550_000);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /2 passed, 0 failed/, run.out);
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", [`${RUN_SCHEMA_PREFIX}%`]);
      assert.deepEqual(rows, [], "schemas left on the server");
      // The lessons really used this server: their runs' connections came and went here.
      const { rows: used } = await client.query("SELECT sum(xact_commit)::int AS commits FROM pg_stat_database");
      assert.ok(used[0].commits > 1000, `the lessons' transactions ran on this server (${used[0].commits} commits)`);
      // DATABASE_URL is the class database too: the lessons' series of trials went to the class's table.
      const { rows: sent } = await client.query("SELECT DISTINCT lesson FROM race_lab_class.outcomes ORDER BY lesson");
      assert.deepEqual(
        sent.map((r) => r.lesson),
        ["12-database-races", "13-locks-across-machines"],
        "the lessons' records in the class's statistics",
      );
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
});
