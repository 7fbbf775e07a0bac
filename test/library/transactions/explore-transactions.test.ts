// exploreTransactions runs every interleaving of real transactions on the kernel's PostgreSQL: a
// statement waiting for a lock is seen so from the server and the others go on, deadlocks (40P01)
// and serialization failures (40001) are outcomes, and nothing is left behind — no table the setup
// made, no connection, whether the exploration ends, fails, or times out.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { RaceLabError, RunTimeoutError, database, exploreTransactions, replayTransactions } from "race-lab";
import { RaceLabArgumentError, type TransactionsOptions } from "race-lab/internal";

const setup = ["CREATE TABLE test (id int PRIMARY KEY, value int)", "INSERT INTO test VALUES (1, 10), (2, 20)"];
const increment = {
  sql: "UPDATE test SET value = $1 WHERE id = 1",
  params: (r: Record<string, unknown>[][]) => [Number(r[0][0].value) + 1],
};
/** Read-modify-write twice: the lost update (P4). */
const lostUpdate: TransactionsOptions = {
  setup,
  transactions: [
    ["SELECT * FROM test WHERE id = 1", increment],
    ["SELECT * FROM test WHERE id = 1", increment],
  ],
  check: ({ state, transactions }) => transactions.some((t) => t.status !== "committed") || state.test[0].value === 12,
};

/** The connections of this run on the server (its application name), besides the shared pool's. */
async function leftovers(): Promise<{ tables: string[]; busy: number }> {
  const db = database();
  const config = await db.config();
  const tables = (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).rows.map((r) =>
    String(r.tablename),
  );
  const busy = Number(
    (
      await db.query(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() AND state <> 'idle'",
        [config.applicationName],
      )
    ).rows[0].n,
  );
  return { tables, busy };
}

after(() => database().end());

test("the lost update: an anomaly at READ COMMITTED, aborted with 40001 at REPEATABLE READ and SERIALIZABLE", async () => {
  const report = await exploreTransactions({ ...lostUpdate, levels: ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] });
  assert.equal(report.complete, true);
  assert.equal(report.levels["READ COMMITTED"]?.verdict, "anomaly");
  assert.equal(report.levels["REPEATABLE READ"]?.verdict, "aborts");
  assert.equal(report.levels["SERIALIZABLE"]?.verdict, "aborts");
  assert.deepEqual(Object.keys(report.levels["REPEATABLE READ"]!.aborts), ["40001"]);
  const serial = report.interleavings.find((i) => i.level === "READ COMMITTED" && i.order.join("") === "000111")!;
  assert.equal(serial.held, true, "one after the other adds 2");
  assert.deepEqual(serial.state.test, [
    { id: 1, value: 12 },
    { id: 2, value: 20 },
  ]);
  const bad = report.interleavings.find((i) => i.level === "READ COMMITTED" && i.order.join("") === "010101")!;
  assert.equal(bad.held, false, "both read 10, both write 11");
  // T2's UPDATE waits for T1's row lock: seen at that step, and it answers at T1's COMMIT.
  assert.deepEqual(bad.steps[3].waiting, [{ transaction: 1, for: ["T1"] }]);
  assert.ok(bad.steps[4].answered.some((a) => a.transaction === 1 && a.statement === 1));
  // Every order is a distinct interleaving; those where a statement waits have fewer choices.
  const orders = report.interleavings.filter((i) => i.level === "READ COMMITTED").map((i) => i.order.join(""));
  assert.equal(new Set(orders).size, orders.length);
  assert.deepEqual(await leftovers(), { tables: [], busy: 0 });
});

test("two transactions updating two rows in opposite orders: the server breaks the deadlock (40P01), one commits", async () => {
  const report = await exploreTransactions({
    setup,
    transactions: [
      ["UPDATE test SET value = 11 WHERE id = 1", "UPDATE test SET value = 21 WHERE id = 2"],
      ["UPDATE test SET value = 22 WHERE id = 2", "UPDATE test SET value = 12 WHERE id = 1"],
    ],
  });
  const deadlocked = report.interleavings.filter((i) => i.transactions.some((t) => t.code === "40P01"));
  assert.ok(deadlocked.length >= 2, report.summary);
  for (const i of deadlocked) {
    assert.deepEqual(i.transactions.map((t) => t.status).sort(), ["aborted", "committed"]);
    assert.ok(i.blocked);
  }
  assert.equal(report.levels["READ COMMITTED"]?.verdict, "aborts");
});

test("replayTransactions runs one order again, with the server's view of each session when asked", async () => {
  const again = await replayTransactions({ ...lostUpdate, order: [0, 1, 0, 1, 0, 1], details: true });
  assert.equal(again.held, false);
  assert.deepEqual(again.state.test[0], { id: 1, value: 11 });
  const afterWrite = again.steps[2].details!;
  assert.ok(afterWrite[0].xid !== null, "T1 has a transaction id once it wrote");
  assert.ok(
    afterWrite[0].locks.some((l) => /RowExclusiveLock on test/.test(l)),
    JSON.stringify(afterWrite),
  );
  await assert.rejects(replayTransactions({ ...lostUpdate, order: [0, 1] }), /options\.order is too short/);
  await assert.rejects(
    replayTransactions({ ...lostUpdate, order: [0, 0, 0, 0, 1, 1, 1] }),
    /options\.order\[3\] is 0, but T1 has finished/,
  );
  assert.deepEqual(await leftovers(), { tables: [], busy: 0 });
});

test("bad arguments are named", async () => {
  const cases: [unknown, RegExp][] = [
    [{ ...lostUpdate, transactions: [["SELECT 1"]] }, /options\.transactions must be a list of 2 or 3/],
    [{ ...lostUpdate, transactions: [["SELECT 1"], [42]] }, /options\.transactions\[1\]\.statements\[0\] must be an SQL statement/],
    [{ ...lostUpdate, transactions: [["BEGIN", "SELECT 1"], ["SELECT 1"]] }, /leave BEGIN out/],
    [{ ...lostUpdate, transactions: [["COMMIT", "SELECT 1"], ["SELECT 1"]] }, /statements\[0\] must be the last statement/],
    [{ ...lostUpdate, levels: ["SNAPSHOT"] }, /options\.levels\[0\] must be one of READ COMMITTED/],
    [{ ...lostUpdate, setup: [] }, /options\.setup must be SQL/],
    [{ ...lostUpdate, check: 3 }, /options\.check must be a function/],
    [{ ...lostUpdate, timeoutMs: -1 }, /options\.timeoutMs must be a number/],
    [{ ...lostUpdate, order: [0] }, /options\.order must be left out of an exploration/],
    [{ ...lostUpdate, speed: 1 }, /options\.speed must be left out/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(
      exploreTransactions(options as TransactionsOptions),
      (e: Error) => e instanceof RaceLabArgumentError && message.test(e.message),
    );
  }
});

test("a statement that runs too long ends the exploration with a RunTimeoutError, and nothing is left", async () => {
  const started = Date.now();
  await assert.rejects(
    exploreTransactions({ setup, transactions: [["SELECT pg_sleep(30)"], ["SELECT 1"]], timeoutMs: 1500 }),
    (e: Error) => e instanceof RunTimeoutError && /timed out/.test(e.message),
  );
  assert.ok(Date.now() - started < 10_000);
  assert.deepEqual(await leftovers(), { tables: [], busy: 0 });
});

test("a lock held outside the exploration is named, not waited for", async () => {
  const db = database();
  await db.query("CREATE TABLE outside (id int)");
  const other = await db.connect();
  try {
    await other.query("BEGIN");
    await other.query("LOCK TABLE outside");
    await assert.rejects(
      exploreTransactions({
        setup: "CREATE TABLE inside (id int)",
        transactions: [["SELECT * FROM outside"], ["SELECT 1"]],
        timeoutMs: 10_000,
      }),
      (e: Error) => e instanceof RaceLabError && /wait for a lock that no explored transaction holds/.test(e.message),
    );
  } finally {
    await other.end();
    await db.query("DROP TABLE outside");
  }
  assert.deepEqual(await leftovers(), { tables: [], busy: 0 });
});
