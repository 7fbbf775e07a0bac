// With DATABASE_URL the database lessons use that server — here a second PostgreSQL started by the
// test — in a schema of each run's own, and leave no schema behind. The lessons run through the real
// notebook harness (zero failed cells, unsafe demos >= 90%, safe ones never, nothing left behind).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { Client } from "pg";
import { EmbeddedServer, RUN_SCHEMA_PREFIX } from "race-lab/internal";

const ROOT = path.resolve(__dirname, "..", "..");
const LESSONS = ["12-database-races.ipynb", "13-locks-across-machines.ipynb"].map((f) => path.join(ROOT, "notebooks", f));

function runHarness(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "run-notebooks.mjs"), "--no-git-check", ...LESSONS], {
    cwd: ROOT,
    // What this test is about is where the lessons' data goes; the cells' times are judged by
    // `npm run test:notebooks`, not here, beside a second PostgreSQL server of the test's own.
    env: { ...process.env, RACE_LAB_SLOW_CELL_S: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const killer = setTimeout(() => child.kill("SIGTERM"), 550_000);
  return new Promise((resolve) => child.on("close", (code) => { clearTimeout(killer); resolve({ code, out }); }));
}

test("both database lessons run against the server of DATABASE_URL and leave no schema there", { timeout: 600_000 }, async () => {
  const server = await EmbeddedServer.start();
  try {
    const run = await runHarness({ DATABASE_URL: server.url });
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
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
});
