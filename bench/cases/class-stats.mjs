// class-stats: what the class's race statistics cost. A lesson's worth of series of trials (ten, of
// five trials each) with a class database against the same without one: the difference is what
// sending the records adds to a lesson. And the instructor's view of a generated class, 200 students
// × 14 lessons × 2 demos, from a real PostgreSQL (the embedded one). No Python counterpart.
import { Client } from "pg";
import { raceLab, timed } from "../lib.mjs";

const { EmbeddedServer, runTrials, setLesson, showClassOverview } = raceLab;

/** Ten series of trials, as a lesson runs them (no display: the display's cost is not the class's). */
async function lessonOfTrials() {
  setLesson("04-shared-value");
  for (let i = 0; i < 10; i++)
    await runTrials({ demo: `demo ${i}`, variant: "unsafe", trials: 5, expected: 2, show: false, run: (t) => (t % 2 ? 1 : 2) });
}

async function insertGeneratedClass(url) {
  const rows = [];
  for (let s = 0; s < 200; s++) {
    const cores = s % 10 === 0 ? 1 : s % 3 === 0 ? 4 : 2;
    for (let l = 0; l < 14; l++) {
      const lesson = `${String(l).padStart(2, "0")}-lesson`;
      rows.push([`student-${s}`, lesson, "counter", "unsafe", 10, cores === 1 ? 0 : 6 + ((s + l) % 5), cores, "generated", "22"]);
      rows.push([`student-${s}`, lesson, "counter", "safe", 10, 0, cores, "generated", "22"]);
    }
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      "INSERT INTO race_lab_class.outcomes (student, lesson, demo, variant, trials, anomalies, cores, cpu, node) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[])",
      rows[0].map((_, i) => rows.map((r) => r[i])),
    );
  } finally {
    await client.end();
  }
}

/** Runs `fn` with what the library prints outside Jupyter kept off the benchmark's own output. */
async function quietly(fn) {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

async function runTs({ reps }) {
  const out = { without: [], withClass: [], added: [], overview: [] };
  const server = await EmbeddedServer.start();
  const saved = process.env.RACE_LAB_CLASS_DATABASE_URL;
  try {
    for (let rep = 0; rep < reps; rep++) {
      delete process.env.RACE_LAB_CLASS_DATABASE_URL;
      const bare = await timed(lessonOfTrials);
      process.env.RACE_LAB_CLASS_DATABASE_URL = server.url;
      const sent = await timed(lessonOfTrials);
      out.without.push({ ms: bare.ms });
      out.withClass.push({ ms: sent.ms });
      out.added.push({ ms: Math.max(0, sent.ms - bare.ms) });
    }
    await raceLab.readClassRecords(); // sends what is queued, and makes the class table
    await insertGeneratedClass(server.url);
    for (let rep = 0; rep < reps; rep++) out.overview.push({ ms: (await timed(() => quietly(() => showClassOverview()))).ms });
  } finally {
    if (saved === undefined) delete process.env.RACE_LAB_CLASS_DATABASE_URL;
    else process.env.RACE_LAB_CLASS_DATABASE_URL = saved;
    await server.stop();
  }
  return out;
}

export default [
  {
    name: "class-stats",
    title: "the class's race statistics: a lesson's records sent, and the class view of 200 students × 14 lessons",
    reps: { full: 5, quick: 1 },
    rows: [
      { variant: "ten series of trials, no class database", ts: "without", py: null, kind: "cost", unit: "ms" },
      { variant: "ten series of trials, records sent to the class database", ts: "withClass", py: null, kind: "cost", unit: "ms" },
      { variant: "what sending adds to a lesson", ts: "added", py: null, kind: "cost", unit: "ms" },
      { variant: "the class view: 200 students × 14 lessons", ts: "overview", py: null, kind: "cost", unit: "ms" },
    ],
    ts: runTs,
    py: async () => ({}),
  },
];
