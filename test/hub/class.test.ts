// `npm run test:hub`: a class on a real JupyterHub. Debian's JupyterHub 3 and configurable-http-proxy
// run the course's configuration (hub/jupyterhub_config.py: the dummy authenticator, the simple local
// spawner) with the student repository `npm run release -- --student-repo` writes, and one PostgreSQL
// for the class (DATABASE_URL). Three students log in through the hub's REST API, start their servers
// and run lessons 12 and 13 at the same time through the hub's proxy (REST and kernel websockets:
// test/harness/remote_notebook.py, which judges cells and outcomes as the notebook harness does).
// Checked: each student's results, files, processes and schemas stay their own; a kernel killed in
// the middle of a transaction leaves a schema and a lock, which the next start removes; stopping the
// hub leaves no process, schema or /tmp entry. Prints each student's peak memory and the cycle's time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { RUN_SCHEMA_PREFIX } from "race-lab/internal";
import {
  classProcesses,
  logIn,
  missingHub,
  runOnServer,
  sleep,
  startClassHub,
  stopClassHub,
  type ClassHub,
  type Student,
} from "./class-hub";

/** A course kernel's process: the kernelspec runs the student repository's launcher on a connection file. */
const isKernel = (cmd: string) => /\/src\/kernel\/launcher\.cjs --config-path /.test(cmd);

const STUDENTS = ["ada", "bob", "cyd"];
const LESSONS = ["12-database-races.ipynb", "13-locks-across-machines.ipynb"];
const LESSON_PATHS = LESSONS.map((f) => `race-lab/notebooks/${f}`);
const WHO_AM_I = `import { database } from "race-lab/internal";
console.log(["WHO", process.env.JUPYTERHUB_USER, process.cwd(), (await database().config()).schema].join(" "));`;
const HOLD_A_LOCK = `import { database } from "race-lab/internal";
const db = database();
await db.query("CREATE TABLE held (n int)");
const c = await db.connect();
await c.query("BEGIN");
await c.query("LOCK TABLE held");
await c.query("SELECT pg_sleep(600)");`;

async function query(cls: ClassHub, text: string, params: unknown[] = []): Promise<any[]> {
  const client = new Client({ connectionString: cls.db.url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function until(ready: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  for (const start = Date.now(); !(await ready()); await sleep(250)) {
    if (Date.now() - start > ms) throw new Error(`gave up waiting for ${what}`);
  }
}

const runSchemas = (cls: ClassHub) => query(cls, "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", [RUN_SCHEMA_PREFIX]);
const keepers = (cls: ClassHub) =>
  query(cls, "SELECT application_name FROM pg_stat_activity WHERE starts_with(application_name, 'race-lab keeper ')");

/** Every file under `dir`, relative, without Jupyter's own dot folders and the node_modules link. */
function filesIn(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      if (e.name.startsWith(".") || e.name === "node_modules") return [];
      return e.isDirectory() ? filesIn(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))];
    })
    .sort();
}

/** While the students work, once a second: whose each process of the class is, under which server it
 * runs and where; how many students' kernels and runs' schemas are alive at once; memory per student. */
function watchClass(cls: ClassHub, servers: Map<string, number>) {
  const seen = { kernelsAtOnce: 0, schemasAtOnce: 0, problems: new Set<string>(), peakMiB: new Map<string, number>() };
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const procs = classProcesses(cls.marker);
      const parent = new Map(procs.map((p) => [p.pid, p.ppid]));
      const kernels = new Set<string>();
      const rss = new Map<string, number>();
      for (const p of procs.filter((q) => q.user !== null)) {
        const user = p.user!;
        let up = p.pid;
        while (up !== servers.get(user) && parent.has(up)) up = parent.get(up)!;
        if (up !== servers.get(user)) seen.problems.add(`${user}'s process ${p.pid} (${p.cmd.slice(0, 80)}) runs outside ${user}'s server`);
        const other = STUDENTS.find((s) => s !== user && p.cwd?.startsWith(cls.homeOf(s) + path.sep));
        if (other) seen.problems.add(`${user}'s process ${p.pid} works in ${other}'s home (${p.cwd})`);
        if (isKernel(p.cmd)) kernels.add(user);
        rss.set(user, (rss.get(user) ?? 0) + p.rssKiB / 1024);
      }
      for (const [user, mib] of rss) seen.peakMiB.set(user, Math.max(seen.peakMiB.get(user) ?? 0, Math.round(mib)));
      seen.kernelsAtOnce = Math.max(seen.kernelsAtOnce, kernels.size);
      seen.schemasAtOnce = Math.max(seen.schemasAtOnce, (await keepers(cls).catch(() => [])).length);
      await sleep(1000);
    }
  })();
  return {
    seen,
    stop: async () => {
      watching = false;
      await loop;
    },
  };
}

test(
  "a class of three on a real JupyterHub: logged in through the REST API, lessons 12 and 13 at once against one PostgreSQL, each student's work their own",
  { timeout: 1_800_000 },
  async (t) => {
    const missing = missingHub();
    if (missing && !process.env.CI) {
      t.skip(missing);
      return;
    }
    assert.equal(missing, null, missing ?? "");
    const started = Date.now();
    const cls = await startClassHub();
    let stopped = false;
    t.after(async () => {
      if (!stopped) await stopClassHub(cls); // a failure above: the hub, its servers and the database still go
    });
    let students: Student[] = [];

    await t.test("each student logs in, gets a token of their own and a server with the course's kernel", async () => {
      students = await Promise.all(STUDENTS.map((name) => logIn(cls, name)));
      const users = await cls.api("GET", "hub/api/users");
      assert.deepEqual(users.map((u: { name: string }) => u.name).sort(), STUDENTS);
      assert.equal(new Set(users.map((u: any) => u.servers[""].state.pid)).size, 3, "three servers, three processes");
      for (const s of students) {
        const specs = await cls.api("GET", `user/${s.name}/api/kernelspecs`, { token: s.token });
        assert.match(specs.kernelspecs.tslab.spec.argv[1], /\/course\/src\/kernel\/launcher\.cjs$/, "the student repository's kernel");
        assert.ok(existsSync(path.join(s.home, "race-lab", "notebooks", "12-database-races.ipynb")), `${s.name}'s own copy of the lessons`);
      }
      await assert.rejects(
        cls.api("GET", `user/bob/api/status`, { token: students[0].token }),
        (e: { status?: number }) => e.status === 403,
        "ada's token does not open bob's server",
      );
    });

    await t.test(
      "they run lessons 12 and 13 at the same time through the proxy; results, files, processes and schemas stay their own",
      async () => {
        const users = await cls.api("GET", "hub/api/users");
        const servers = new Map<string, number>(users.map((u: any) => [u.name, u.servers[""].state.pid]));
        const watch = watchClass(cls, servers);
        const runs = await Promise.all(students.map((s) => runOnServer(s, ["--save", ...LESSON_PATHS]).done)).finally(watch.stop);
        runs.forEach((r, i) => {
          assert.equal(r.code, 0, `${STUDENTS[i]}:\n${r.out}`);
          assert.match(r.out, /2 passed, 0 failed/);
        });
        const { seen } = watch;
        console.log(
          `peak memory per student (server, kernel and what the lessons started): ${[...seen.peakMiB].map(([u, m]) => `${u} ${m} MiB`).join(", ")}`,
        );
        assert.deepEqual([...seen.problems], []);
        assert.equal(seen.kernelsAtOnce, 3, "the three students' kernels ran at the same time");
        assert.ok(seen.schemasAtOnce >= 3, `each run worked in a schema of its own, at the same time (${seen.schemasAtOnce} at most)`);

        // Outcomes: each student's own file holds the demos of the lessons they ran, once.
        const demos = students.map((s) =>
          readFileSync(path.join(s.home, "race-lab-outcomes.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line))
            .map((o) => `${o.notebook} ${o.demo} ${o.variant}`)
            .sort(),
        );
        assert.ok(
          demos[0].length > 0 && demos[0].every((d) => LESSONS.some((l) => d.startsWith(l.replace(".ipynb", "")))),
          demos[0].join("\n"),
        );
        assert.deepEqual(demos[1], demos[0]);
        assert.deepEqual(demos[2], demos[0]);
        // Files: each home holds its own copy of the course and its outcomes, nothing else; the lessons
        // run were saved there with their outputs, the others are the course's as they were.
        const course = path.join(cls.folder, "course");
        const expected = [
          ...filesIn(course, course)
            .filter((f) => /^(notebooks|python)\//.test(f))
            .map((f) => `race-lab/${f}`),
          "race-lab-outcomes.jsonl",
        ].sort();
        for (const s of students) {
          assert.deepEqual(filesIn(s.home), expected, `${s.name}'s home`);
          for (const name of readdirSync(path.join(course, "notebooks"))) {
            const mine = readFileSync(path.join(s.home, "race-lab", "notebooks", name), "utf8");
            const outputs = JSON.parse(mine).cells.reduce((n: number, c: any) => n + (c.outputs?.length ?? 0), 0);
            if (LESSONS.includes(name)) assert.ok(outputs > 10, `${s.name}'s ${name} was saved with its outputs`);
            else assert.equal(mine, readFileSync(path.join(course, "notebooks", name), "utf8"), `${s.name}'s ${name} is untouched`);
          }
        }
        // Who each kernel is: the student, in their own folder, in a schema of their own.
        const who = await Promise.all(
          students.map((s) => runOnServer(s, ["--path", "race-lab/notebooks/who.ipynb", "--cell", WHO_AM_I]).done),
        );
        const lines = who.map((r) => /WHO (\S+) (\S+) (\S+)/.exec(r.out));
        lines.forEach((m, i) => {
          assert.ok(m, who[i].out);
          assert.deepEqual(m.slice(1, 3), [STUDENTS[i], path.join(students[i].home, "race-lab", "notebooks")]);
        });
        assert.equal(new Set(lines.map((m) => m![3])).size, 3, "three schemas");
        await until(async () => (await runSchemas(cls)).length === 0, "every run's schema to be dropped", 30_000);
        assert.deepEqual(
          await query(cls, "SELECT application_name FROM pg_stat_activity WHERE starts_with(application_name, 'race-lab ')"),
          [],
          "no connection of a run (or its keeper) is left",
        );
        // The class's race statistics: every student's series of trials, under an anonymous id, no name.
        const sent = await query(
          cls,
          "SELECT student, array_agg(DISTINCT lesson ORDER BY lesson) AS lessons FROM race_lab_class.outcomes GROUP BY student",
        );
        assert.equal(sent.length, 3, `three students' records: ${JSON.stringify(sent)}`);
        for (const row of sent) {
          assert.match(row.student, /^[0-9a-f]{12}$/, "an anonymous id");
          assert.ok(!STUDENTS.includes(row.student), "no login name");
          assert.deepEqual(row.lessons, ["12-database-races", "13-locks-across-machines"]);
        }
      },
    );

    await t.test("a kernel killed mid-transaction leaves its schema and lock; another student's next start ends both", async () => {
      const [ada, bob] = students;
      const held = runOnServer(ada, ["--path", "race-lab/notebooks/held.ipynb", "--cell", HOLD_A_LOCK]);
      let app = "";
      await until(
        async () => {
          app =
            (await query(cls, "SELECT application_name FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'"))[0]?.application_name ??
            "";
          return app !== "";
        },
        "ada's long query",
        180_000,
      );
      const schema = app.replace(/^race-lab /, "");
      const kernel = classProcesses(cls.marker).filter((p) => p.user === "ada" && isKernel(p.cmd));
      assert.equal(kernel.length, 1, "ada's one kernel");
      process.kill(kernel[0].pid, "SIGKILL");
      const died = await held.done;
      assert.match(died.out, /the kernel died/, died.out);
      await until(
        async () => !(await keepers(cls)).some((k) => k.application_name.endsWith(schema)),
        "the killed run's keeper to go",
        30_000,
      );
      assert.deepEqual(
        (await runSchemas(cls)).map((r) => r.nspname),
        [schema],
        "the killed run's schema is left",
      );
      const locks = await query(
        cls,
        `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND l.granted`,
        [schema],
      );
      assert.ok(locks.length > 0, "its query still holds its lock on the server");

      const next = await runOnServer(bob, ["--path", "race-lab/notebooks/next.ipynb", "--cell", WHO_AM_I]).done;
      assert.equal(next.code, 0, next.out);
      await until(async () => (await runSchemas(cls)).length === 0, "the abandoned schema (and bob's) to go", 30_000);
      assert.deepEqual(
        await query(cls, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", [app]),
        [],
        "the killed run's query was ended",
      );
    });

    await t.test("stopping the hub ends every server, kernel and process of the class, and leaves nothing in /tmp", async () => {
      const folder = cls.folder;
      stopped = true;
      const left = await stopClassHub(cls);
      assert.deepEqual(left.processes, [], "processes of the class still running (killed)");
      assert.deepEqual(left.tmp, [], "race-lab folders of the class left in /tmp (removed)");
      assert.equal(existsSync(folder) && statSync(folder).isDirectory(), false);
      console.log(
        `cold cycle (release, setup, PostgreSQL, hub, three students, lessons 12 and 13, the killed kernel, stop): ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    });
  },
);
