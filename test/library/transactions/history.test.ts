// historyOf turns an explored interleaving into a history the checker reads: the lost update at
// READ COMMITTED and write skew at REPEATABLE READ are named; SERIALIZABLE runs of random
// transactions never give the checker an anomaly, over every interleaving of many programs.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { checkHistory, database, exploreTransactions, historyOf, type Statement } from "race-lab";

const setup = ["CREATE TABLE test (id int PRIMARY KEY, value int)", "INSERT INTO test VALUES (1, 10), (2, 20)"];
after(() => database().end());

test("the lost update at READ COMMITTED: the checker names it in the interleavings the check rejects, and only there", async () => {
  const increment = {
    sql: "UPDATE test SET value = $1 WHERE id = 1",
    params: (r: Record<string, unknown>[][]) => [Number(r[0][0].value) + 1],
  };
  const report = await exploreTransactions({
    setup,
    transactions: [
      ["SELECT * FROM test WHERE id = 1", increment],
      ["SELECT * FROM test WHERE id = 1", increment],
    ],
    check: ({ state, transactions }) => transactions.some((t) => t.status !== "committed") || state.test[0].value === 12,
  });
  for (const i of report.interleavings) {
    const verdict = checkHistory(historyOf(i));
    assert.equal(verdict.ok, i.held, `[${i.order.join(", ")}]: ${verdict.summary}`);
    if (!verdict.ok)
      assert.deepEqual(
        verdict.anomalies.map((a) => a.name),
        ["lost update"],
      );
  }
});

test("write skew: G2-item at REPEATABLE READ, nothing at SERIALIZABLE", async () => {
  const report = await exploreTransactions({
    setup,
    transactions: [
      ["SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 2", "UPDATE test SET value = 11 WHERE id = 1"],
      ["SELECT * FROM test WHERE id = 1", "SELECT * FROM test WHERE id = 2", "UPDATE test SET value = 21 WHERE id = 2"],
    ],
    levels: ["REPEATABLE READ", "SERIALIZABLE"],
    maxInterleavings: 30,
  });
  const names = (level: string) =>
    new Set(report.interleavings.filter((i) => i.level === level).flatMap((i) => checkHistory(historyOf(i)).anomalies.map((a) => a.name)));
  assert.deepEqual([...names("REPEATABLE READ")], ["G2-item"]);
  assert.deepEqual([...names("SERIALIZABLE")], []);
});

/** mulberry32. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

test("random transactions at SERIALIZABLE: no anomaly in any interleaving; at READ COMMITTED the same programs give some", async () => {
  let unique = 100;
  const program = (seed: number): Statement[][] => {
    const next = random(seed);
    return [0, 1].map(() =>
      Array.from({ length: 2 }, () => {
        const id = 1 + Math.floor(next() * 2);
        return next() < 0.5 ? `SELECT * FROM test WHERE id = ${id}` : `UPDATE test SET value = ${unique++} WHERE id = ${id}`;
      }),
    );
  };
  const found = { SERIALIZABLE: 0, "READ COMMITTED": 0 };
  let checked = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const report = await exploreTransactions({ setup, transactions: program(seed), levels: ["READ COMMITTED", "SERIALIZABLE"] });
    for (const i of report.interleavings) {
      checked++;
      if (!checkHistory(historyOf(i)).ok) found[i.level as keyof typeof found]++;
    }
  }
  assert.ok(checked > 100, `${checked} interleavings`);
  assert.equal(found.SERIALIZABLE, 0);
  assert.ok(found["READ COMMITTED"] > 0, "the same programs break at READ COMMITTED: the check can fail");
});
