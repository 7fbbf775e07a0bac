// The class's race statistics: records go to a real PostgreSQL (one started here), from several
// students at once, with an anonymous id and the machine; the lesson's and the instructor's views
// read them back; a database that does not answer is said once and breaks nothing; opt-out works.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  EmbeddedServer,
  classDatabaseUrl,
  notRunYet,
  readClassRecords,
  showClassComparison,
  showClassOverview,
  studentId,
  summarizeClass,
  type ClassRecord,
} from "race-lab/internal";
import { captureDisplays } from "../kernel/fake-display";

let server: EmbeddedServer;
const saved = { ...process.env };

before(async () => {
  server = await EmbeddedServer.start();
});
after(async () => {
  process.env = saved;
  await server.stop();
});

const record = (student: string, lesson: string, demo: string, anomalies: number, cores = 2): ClassRecord => ({
  student,
  lesson,
  demo,
  variant: "unsafe",
  trials: 10,
  anomalies,
  cores,
  cpu: "test CPU",
  node: "20",
});

test("summarizeClass: each student once, the median and middle half, by cores, who never raced, who has not run what", () => {
  const rows = [
    record("a", "04", "counter", 9),
    record("a", "04", "counter", 10), // a: 19 of 20
    record("b", "04", "counter", 8),
    record("c", "04", "counter", 0, 1), // one core: never raced while most did
    record("d", "04", "counter", 10, 4),
    record("a", "06", "threads", 5),
  ];
  const [counter, threads] = summarizeClass(rows, "c");
  assert.equal(counter.students, 4);
  assert.deepEqual(counter.rates, [0, 0.8, 0.95, 1]);
  assert.equal(counter.median, 0.875);
  assert.deepEqual(
    counter.middle.map((q) => Math.round(q * 1e6) / 1e6),
    [0.6, 0.9625],
  );
  assert.deepEqual(counter.byCores, [
    { cores: 1, students: 1, median: 0 },
    { cores: 2, students: 2, median: 0.875 },
    { cores: 4, students: 1, median: 1 },
  ]);
  assert.equal(counter.mine, 0);
  assert.deepEqual(counter.neverRaced, [{ student: "c", cores: 1, cpu: "test CPU" }]);
  assert.equal(threads.mine, null);
  assert.deepEqual(notRunYet(rows), [
    { lesson: "04", students: [] },
    { lesson: "06", students: ["b", "c", "d"] },
  ]);
});

test("the student id: given, else anonymous and stable per login (salted); a bad one is refused by name", () => {
  assert.equal(studentId({ RACE_LAB_STUDENT_ID: "s-01" }), "s-01");
  const ann = studentId({ JUPYTERHUB_USER: "ann" });
  assert.match(ann, /^[0-9a-f]{12}$/);
  assert.doesNotMatch(ann, /ann/);
  assert.equal(studentId({ JUPYTERHUB_USER: "ann" }), ann, "the same for every kernel of one student");
  assert.notEqual(studentId({ JUPYTERHUB_USER: "bob" }), ann);
  assert.notEqual(studentId({ JUPYTERHUB_USER: "ann", RACE_LAB_CLASS_SALT: "s3cret" }), ann, "the class's salt changes every id");
  assert.throws(() => studentId({ RACE_LAB_STUDENT_ID: "ann smith" }), /RACE_LAB_STUDENT_ID must be 1 to 64 letters/);
});

test("opt-out, and which database counts as the class's", () => {
  assert.equal(classDatabaseUrl({ DATABASE_URL: "postgresql://x/y" }), "postgresql://x/y");
  assert.equal(classDatabaseUrl({ DATABASE_URL: "postgresql://x/y", RACE_LAB_CLASS_DATABASE_URL: "postgresql://c/d" }), "postgresql://c/d");
  assert.equal(classDatabaseUrl({ DATABASE_URL: "postgresql://x/y", RACE_LAB_CLASS_STATS: "off" }), null);
  assert.equal(classDatabaseUrl({}), null);
});

/** One student's kernel, as a separate process: runs two series of trials; returns what it printed. */
function studentProcess(id: string, url = server.url): Promise<string> {
  const script = `
    const { runTrials, setLesson } = require("race-lab/course");
    setLesson("04-shared-value");
    (async () => {
      await runTrials({ demo: "counter", variant: "unsafe", trials: 4, expected: 2, run: (t) => (t % 2 ? 1 : 2) });
      await runTrials({ demo: "counter", variant: "safe", trials: 4, expected: 2, run: () => 2 });
      // The student reads the tables; meanwhile the records go to the class database.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await runTrials({ demo: "counter", variant: "safe", trials: 2, expected: 2, run: () => 2 });
      await require("race-lab/course").showClassComparison({ lesson: "04-shared-value" }); // after every send
      console.log("every series done");
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const child = spawn(process.execPath, ["-e", script], {
    env: { ...process.env, RACE_LAB_CLASS_DATABASE_URL: url, RACE_LAB_STUDENT_ID: id },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("close", (code) => {
      clearTimeout(killer);
      if (code === 0) resolve(out);
      else reject(new Error(`student ${id} exited ${code}: ${out}`));
    });
  });
}

test("three students at once: every record arrives, with its id and machine; the views read them back", async () => {
  const outputs = await Promise.all(["s1", "s2", "s3"].map((id) => studentProcess(id)));
  for (const out of outputs) assert.doesNotMatch(out, /Class statistics are off/, out);
  process.env.RACE_LAB_CLASS_DATABASE_URL = server.url;
  process.env.RACE_LAB_STUDENT_ID = "s2";
  const rows = (await readClassRecords({ lesson: "04-shared-value" }))!;
  assert.equal(rows.length, 9);
  assert.deepEqual([...new Set(rows.map((r) => r.student))].sort(), ["s1", "s2", "s3"]);
  assert.ok(rows.every((r) => r.cores >= 1 && r.cpu !== "" && /^\d+\./.test(r.node)));
  const unsafe = rows.filter((r) => r.variant === "unsafe");
  assert.ok(unsafe.every((r) => r.trials === 4 && r.anomalies === 2));

  const { bundles } = await captureDisplays(() => showClassComparison({ lesson: "04-shared-value" }));
  const table = bundles.find((b) => /your machine against the class/.test(b["text/plain"] ?? ""))!;
  assert.match(table["text/plain"], /\d  counter — unsafe\s+50%\s+50%\s+50%–50%\s+3/);
  const chart = bundles.find((b) => b["image/svg+xml"]);
  assert.ok(chart, "a chart of the class");
  assert.ok(
    bundles.some((b) => /you 50%, class median 50%/.test(b["text/plain"] ?? "")),
    "the chart's description in words",
  );

  const overview = await captureDisplays(() => showClassOverview());
  assert.ok(overview.bundles.some((b) => /the class: 3 students, 9 series of trials/.test(b["text/plain"] ?? "")));
});

test("a class database that does not answer: said once, the trials and their report go on", async () => {
  const port = Number(new URL(server.url).port) + 1; // nobody listens there
  const out = await studentProcess("s9", server.url.replace(/:(\d+)\//, `:${port}/`));
  assert.equal(out.match(/Class statistics are off for this kernel: the class database did not answer/g)?.length, 1, out);
  assert.match(out, /counter — safe: 0 of 2 trials showed the anomaly/, "the later series ran and showed its report");
  assert.match(out, /The class database did not answer .*: showing this machine's own records/, "the class view falls back");
  assert.match(out, /your machine\n/, "and shows this machine's rates");
  assert.match(out, /every series done/);
});
