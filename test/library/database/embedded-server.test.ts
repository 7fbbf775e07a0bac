// The kernel's PostgreSQL leaves nothing behind: a server started by race-lab is stopped and its
// folder removed by stop(), by stopNow(), at the process's exit, on SIGINT and SIGTERM; a process
// killed with SIGKILL leaves nothing either (its guard shell stops the server and removes the
// folder). With DATABASE_URL a run works in a schema of its own, dropped at the end even while a
// connection holds a lock in it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { database } from "race-lab";
import { EmbeddedServer, RUN_SCHEMA_PREFIX } from "race-lab/internal";
import { isAlive } from "../helpers/run";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Pids of live processes whose command line names `folder` (the server and its guard shell). */
function processesOf(folder: string): number[] {
  return readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        return isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(folder);
      } catch {
        return false;
      }
    });
}

async function until(ready: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (waited > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function query(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

test("a server starts in its own folder, answers, and stop() leaves no process and no folder", async () => {
  const server = await EmbeddedServer.start();
  assert.match(server.url, /^postgresql:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/postgres$/);
  assert.ok(existsSync(path.join(server.folder, "data", "PG_VERSION")));
  assert.ok(processesOf(server.folder).length >= 2, "the server and its guard run");
  assert.deepEqual(await query(server.url, "SELECT 1 + 1 AS two"), [{ two: 2 }]);
  await server.stop();
  assert.equal(server.isRunning, false);
  assert.deepEqual(processesOf(server.folder), []);
  assert.equal(existsSync(server.folder), false);
  assert.deepEqual(EmbeddedServer.all(), []);
});

test("stopNow() stops a server synchronously, with connections open", async () => {
  const server = await EmbeddedServer.start();
  const client = new Client({ connectionString: server.url });
  client.on("error", () => undefined);
  await client.connect();
  await client.query("BEGIN");
  server.stopNow();
  assert.deepEqual(processesOf(server.folder), []);
  assert.equal(existsSync(server.folder), false);
  await client.end().catch(() => undefined);
});

/** Runs a script that opens the kernel's database, holds a lock in it, prints its folder, then ends as `how` says. */
function runScript(how: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: string | null; out: string }> {
  const code = `
    const { database, EmbeddedServer } = require("race-lab/internal");
    (async () => {
      const db = database();
      await db.query("CREATE TABLE t (x int)");
      const c = await db.connect();
      await c.query("BEGIN"); await c.query("LOCK TABLE t");
      const config = await db.config();
      console.log("FOLDER " + (EmbeddedServer.all()[0]?.folder ?? "-") + " SCHEMA " + config.schema);
      if (${JSON.stringify(how)} === "exit") process.exit(0);
      process.kill(process.pid, ${JSON.stringify(how)});
    })();`;
  const child = spawn(process.execPath, ["-e", code], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (c, s) => {
      clearTimeout(killer);
      resolve({ code: c, signal: s, out });
    }),
  );
}

for (const how of ["exit", "SIGINT", "SIGTERM"]) {
  test(`the kernel's server is stopped and its folder removed when the process ends by ${how}`, async () => {
    const r = await runScript(how);
    const folder = /FOLDER (\S+)/.exec(r.out)?.[1];
    assert.ok(folder && folder !== "-", r.out);
    assert.doesNotMatch(r.out, /Error/, r.out);
    await until(() => processesOf(folder).length === 0, "the server to be gone", 3_000);
    assert.equal(existsSync(folder), false, `${folder} is left`);
  });
}

test("SIGKILL: no cleanup runs in the process, yet its guard shell stops the server and removes the folder", async () => {
  const r = await runScript("SIGKILL");
  assert.equal(r.signal, "SIGKILL");
  const folder = /FOLDER (\S+)/.exec(r.out)?.[1];
  assert.ok(folder && folder !== "-", r.out);
  try {
    await until(() => processesOf(folder).length === 0, "the orphaned server to stop", 10_000);
    await until(() => !existsSync(folder), "the guard to remove the folder", 5_000);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("with DATABASE_URL: the run's schema is made on that server and dropped at exit and on SIGINT, locks and all", async () => {
  const server = await EmbeddedServer.start();
  try {
    for (const how of ["exit", "SIGINT"]) {
      const r = await runScript(how, { DATABASE_URL: server.url });
      const schema = /SCHEMA (\S+)/.exec(r.out)?.[1] ?? "";
      assert.ok(schema.startsWith(RUN_SCHEMA_PREFIX), r.out);
      assert.match(r.out, /FOLDER - /, "no server of its own");
      assert.deepEqual(await query(server.url, `SELECT nspname FROM pg_namespace WHERE nspname LIKE '${RUN_SCHEMA_PREFIX}%'`), []);
    }
  } finally {
    await server.stop();
  }
});

test("database().end() ends the session; the next query starts a new one", async () => {
  const db = database();
  await db.query("CREATE TABLE t (x int)");
  const first = (await db.config()).schema;
  const folder = EmbeddedServer.all()[0].folder;
  await db.end();
  assert.equal(db.isOpen, false);
  assert.deepEqual(processesOf(folder), []);
  assert.equal(existsSync(folder), false);
  await db.query("CREATE TABLE t (x int)"); // a fresh schema: no "already exists"
  assert.notEqual((await db.config()).schema, first);
  await db.end();
  assert.deepEqual(EmbeddedServer.all(), []);
});
