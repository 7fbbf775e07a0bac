// A class's shared PostgreSQL (DATABASE_URL): a run killed with SIGKILL in the middle of a
// transaction cannot drop its schema, and its query still running on the server keeps its lock. The
// next run's start on that server (or `npm run class-db -- clean`) ends that query and drops the
// schema; runs in progress keep theirs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { Client } from "pg";
import { EmbeddedServer, RUN_SCHEMA_PREFIX } from "race-lab/internal";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** A run on the server `url`: makes a table, prints its schema, then does `then` (JavaScript, with the
 * table locked by a client `c` in an open transaction when `locked`). */
function startRun(url: string, then: string, locked = false): { child: ChildProcess; schema: Promise<string>; output: () => string } {
  const code = `
    const { database } = require("race-lab");
    (async () => {
      const db = database();
      await db.query("CREATE TABLE t (x int)");
      const c = await db.connect();
      ${locked ? 'await c.query("BEGIN"); await c.query("LOCK TABLE t");' : ""}
      console.log("SCHEMA " + (await db.config()).schema);
      ${then}
    })();`;
  const child = spawn(process.execPath, ["-e", code], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (d) => (out += d));
  const schema = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /SCHEMA (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", () => reject(new Error(`the run ended before making its schema:\n${out}`)));
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  child.once("exit", () => clearTimeout(killer));
  return { child, schema, output: () => out };
}

function ended(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

async function until(ready: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  for (const start = Date.now(); !(await ready());) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function withServer(fn: (url: string, query: (text: string, params?: unknown[]) => Promise<any[]>) => Promise<void>): Promise<void> {
  const server = await EmbeddedServer.start();
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  try {
    await fn(server.url, async (text, params = []) => (await admin.query(text, params)).rows);
  } finally {
    await admin.end();
    await server.stop();
  }
}

const SCHEMAS = `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, '${RUN_SCHEMA_PREFIX}') ORDER BY 1`;
// Locks on the tables of a schema, held by sessions other than the one asking.
const LOCKS_IN = `SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND l.granted AND l.pid <> pg_backend_pid()`;

/** A run killed with SIGKILL while its query (in a transaction holding a lock) runs; resolves with its schema. */
async function killMidTransaction(url: string, query: (text: string, params?: unknown[]) => Promise<any[]>): Promise<string> {
  const run = startRun(url, 'await c.query("SELECT pg_sleep(600)");', true);
  const schema = await run.schema;
  await until(
    async () =>
      (await query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND application_name = $1", [`race-lab ${schema}`]))
        .length > 0,
    "the long query",
  );
  run.child.kill("SIGKILL");
  await ended(run.child);
  // The kernel's side of its connections is closed: the server ends its idle sessions (the keeper) at once.
  await until(
    async () => (await query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1", [`race-lab keeper ${schema}`])).length === 0,
    "the keeper to go",
  );
  return schema;
}

test(
  "a run killed mid-transaction leaves its schema and a lock; the next start on the server ends them; a running run keeps its own",
  { timeout: 180_000 },
  async () => {
    await withServer(async (url, query) => {
      const running = startRun(url, "setInterval(() => {}, 1000);");
      const kept = await running.schema;
      try {
        const left = await killMidTransaction(url, query);
        // What the kill left: the schema, and a session still running the query, holding its lock.
        assert.deepEqual((await query(SCHEMAS)).map((r) => r.nspname).sort(), [kept, left].sort());
        assert.ok((await query(LOCKS_IN, [left])).length > 0, "the killed run's lock is still held");
        // Anyone needing that lock waits: dropping the schema by hand times out.
        await query("SET lock_timeout = '300ms'");
        await assert.rejects(query(`DROP SCHEMA ${left} CASCADE`), /lock timeout/);
        await query("RESET lock_timeout");

        const next = startRun(url, "await c.end(); process.exit(0);");
        await next.schema;
        await ended(next.child);
        assert.equal(next.child.exitCode, 0, next.output());
        assert.deepEqual(
          (await query(SCHEMAS)).map((r) => r.nspname),
          [kept],
          "the abandoned schema is gone, the running run's stays",
        );
        assert.deepEqual(
          await query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [`race-lab ${left}`]),
          [],
          "the killed run's query was ended",
        );
      } finally {
        running.child.kill("SIGTERM");
        await ended(running.child);
      }
      assert.deepEqual(await query(SCHEMAS), [], "a run ended by SIGTERM drops its own");
    });
  },
);

test("`npm run class-db -- clean` drops what a killed run left and lists the runs in progress", { timeout: 180_000 }, async () => {
  await withServer(async (url, query) => {
    const running = startRun(url, "setInterval(() => {}, 1000);");
    const kept = await running.schema;
    try {
      const left = await killMidTransaction(url, query);
      const clean = spawn(process.execPath, [path.join(ROOT, "scripts", "class-db.mjs"), "clean", "--url", url], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      clean.stdout.on("data", (d) => (out += d));
      clean.stderr.on("data", (d) => (out += d));
      const code = await new Promise((resolve) => clean.on("close", resolve));
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`dropped 1 abandoned run\\(s\\): ${left}`));
      assert.match(out, new RegExp(`1 run\\(s\\) in progress, left alone: ${kept}`));
      assert.deepEqual(
        (await query(SCHEMAS)).map((r) => r.nspname),
        [kept],
      );
    } finally {
      running.child.kill("SIGTERM");
      await ended(running.child);
    }
  });
});

test("`class-db clean` without a server to clean says which argument is missing", async () => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const clean = spawn(process.execPath, [path.join(ROOT, "scripts", "class-db.mjs"), "clean"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  clean.stderr.on("data", (d) => (out += d));
  assert.equal(await new Promise((resolve) => clean.on("close", resolve)), 1);
  assert.match(out, /--url: name the class's server/);
});
