// The live Hermitage table matches Hermitage's published PostgreSQL results: every test explored in
// every interleaving at each level, each cell reduced to Hermitage's mark (✓ prevented, — not).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { HERMITAGE_TESTS, database, exploreHermitage, hermitageMark } from "race-lab";
import { type IsolationLevel } from "race-lab/internal";

// Hermitage's PostgreSQL rows, from https://github.com/ept/hermitage (README.md, "Summary of test
// results"; PMP-write from postgres.md, which the summary folds into PMP: "read committed" does not
// prevent it, "repeatable read" does, and so does "serializable", which prevents everything).
const HERMITAGE_POSTGRES: Record<string, Record<IsolationLevel, "✓" | "—">> = {
  G0: { "READ COMMITTED": "✓", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  G1a: { "READ COMMITTED": "✓", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  G1b: { "READ COMMITTED": "✓", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  G1c: { "READ COMMITTED": "✓", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  OTV: { "READ COMMITTED": "✓", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  PMP: { "READ COMMITTED": "—", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  "PMP-write": { "READ COMMITTED": "—", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  P4: { "READ COMMITTED": "—", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  "G-single": { "READ COMMITTED": "—", "REPEATABLE READ": "✓", SERIALIZABLE: "✓" },
  "G2-item": { "READ COMMITTED": "—", "REPEATABLE READ": "—", SERIALIZABLE: "✓" },
  G2: { "READ COMMITTED": "—", "REPEATABLE READ": "—", SERIALIZABLE: "✓" },
};

after(() => database().end());

test("the table covers Hermitage's PostgreSQL test list", () => {
  assert.deepEqual(
    HERMITAGE_TESTS.map((t) => t.id),
    Object.keys(HERMITAGE_POSTGRES),
  );
});

test("every cell explored on the server has Hermitage's mark", async () => {
  const rows = await exploreHermitage({ timeoutMs: 300_000 });
  const live = Object.fromEntries(
    rows.map((r) => [r.test, Object.fromEntries(Object.entries(r.verdicts).map(([level, v]) => [level, hermitageMark(v!)]))]),
  );
  assert.deepEqual(live, HERMITAGE_POSTGRES);
  for (const r of rows)
    for (const report of Object.values(r.reports)) assert.equal(report!.complete, true, `${r.test}: every interleaving`);
  // How each level prevents them, where it is plain from PostgreSQL's manual: row locks make
  // writers wait at READ COMMITTED; REPEATABLE READ aborts a second writer (40001); SERIALIZABLE
  // aborts one transaction of a write skew.
  const verdict = (id: string, level: IsolationLevel) => rows.find((r) => r.test === id)!.verdicts[level];
  assert.equal(verdict("G0", "READ COMMITTED"), "blocks");
  assert.equal(verdict("P4", "REPEATABLE READ"), "aborts");
  assert.equal(verdict("G2-item", "SERIALIZABLE"), "aborts");
  assert.equal(verdict("G1a", "READ COMMITTED"), "prevented");
});

test("each test's check can fail: a forced interleaving shows the anomaly where Hermitage says it is not prevented", async () => {
  const { replayTransactions } = await import("race-lab");
  const p4 = HERMITAGE_TESTS.find((t) => t.id === "P4")!;
  const lost = await replayTransactions({ ...p4.options, level: "READ COMMITTED", order: [0, 1, 0, 1, 0, 1] });
  assert.equal(lost.held, false);
});
