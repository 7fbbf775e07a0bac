// The instructor's class-statistics notebook, run through the real notebook harness against a class
// database (a PostgreSQL started here) holding a generated class: 200 students × 14 lessons, with
// one-core machines that never show the races most of the class sees and students who skipped lessons.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Client } from "pg";
import { EmbeddedServer, readClassRecords } from "race-lab/internal";
import { ROOT, runHarness } from "./harness-run";

const NOTEBOOK = path.join(ROOT, "instructor", "tools", "class-statistics.ipynb");

/** A generated class: every student runs every lesson's two demos, except those who skip some. */
function generatedClass(students: number, lessons: number) {
  const rows: (string | number)[][] = [];
  for (let s = 0; s < students; s++) {
    const cores = s % 10 === 0 ? 1 : s % 3 === 0 ? 4 : 2;
    for (let l = 0; l < lessons; l++) {
      if (s % 17 === 0 && l > 10) continue; // some students have not got that far
      const lesson = `${String(l).padStart(2, "0")}-lesson`;
      const unsafe = cores === 1 ? 0 : 6 + ((s + l) % 5);
      rows.push([`student-${s}`, lesson, "counter", "unsafe", 10, unsafe, cores, "generated CPU", "22.23.5"]);
      rows.push([`student-${s}`, lesson, "counter", "safe", 10, 0, cores, "generated CPU", "22.23.5"]);
    }
  }
  return rows;
}

test("the class notebook runs against a class of 200 students × 14 lessons", { timeout: 300_000 }, async () => {
  const server = await EmbeddedServer.start();
  const saved = process.env.RACE_LAB_CLASS_DATABASE_URL;
  try {
    process.env.RACE_LAB_CLASS_DATABASE_URL = server.url;
    assert.deepEqual(await readClassRecords(), [], "the library makes the class's table on first use");
    const rows = generatedClass(200, 14);
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      const columns = rows[0].map((_, i) => rows.map((r) => r[i]));
      await client.query(
        "INSERT INTO race_lab_class.outcomes (student, lesson, demo, variant, trials, anomalies, cores, cpu, node) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[])",
        columns,
      );
    } finally {
      await client.end();
    }
    const run = await runHarness([NOTEBOOK], { RACE_LAB_CLASS_DATABASE_URL: server.url }, 240_000);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /1 passed, 0 failed/, run.out);
  } finally {
    if (saved === undefined) delete process.env.RACE_LAB_CLASS_DATABASE_URL;
    else process.env.RACE_LAB_CLASS_DATABASE_URL = saved;
    await server.stop();
  }
});
