// The history checker names each anomaly of Adya's thesis by its cycle (or its bad read), finds
// nothing in serial histories, and is quick on long ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkHistory } from "race-lab";
import { RaceLabArgumentError, cycleSvg, type History, type HistoryOperation } from "race-lab/internal";

const r = (key: string, value: unknown, predicate?: boolean): HistoryOperation => ({
  type: "read",
  key,
  value,
  ...(predicate ? { predicate } : {}),
});
const w = (key: string, value: unknown): HistoryOperation => ({ type: "write", key, value });
const t = (id: string, ops: HistoryOperation[], committed = true) => ({ id, committed, ops });

/** Each anomaly, as the smallest history that shows it (committed transactions in commit order). */
const examples: [string, History][] = [
  // T1 and T2 each write x and y; x's versions say T1 then T2, y's say T2 then T1.
  ["G0", { transactions: [t("T1", [w("x", 1), w("y", 1)]), t("T2", [w("x", 2), w("y", 2)])], versionOrder: { x: [1, 2], y: [2, 1] } }],
  ["G1a", { transactions: [t("T2", [r("x", 1)]), t("T1", [w("x", 1)], false)] }],
  ["G1b", { transactions: [t("T1", [w("x", 1), w("x", 2)]), t("T2", [r("x", 1)])] }],
  // Each reads the other's write: circular information flow.
  ["G1c", { transactions: [t("T1", [w("x", 1), r("y", 2)]), t("T2", [w("y", 2), r("x", 1)])] }],
  // Read skew: T1 reads x before T2's transfer and y after it.
  ["G-single", { transactions: [t("T2", [w("x", 5), w("y", 15)]), t("T1", [r("x", 0), r("y", 15)])] }],
  ["lost update", { transactions: [t("T1", [r("x", 0), w("x", 1)]), t("T2", [r("x", 0), w("x", 2)])] }],
  // Write skew: each reads both, writes one.
  ["G2-item", { transactions: [t("T1", [r("x", 0), r("y", 0), w("x", 1)]), t("T2", [r("x", 0), r("y", 0), w("y", 2)])] }],
  // Each predicate read misses the row the other inserts.
  [
    "G2",
    {
      transactions: [
        t("T1", [r("k3", null, true), r("k4", null, true), w("k3", 30)]),
        t("T2", [r("k3", null, true), r("k4", null, true), w("k4", 42)]),
      ],
    },
  ],
];

for (const [name, history] of examples) {
  test(`names ${name}`, () => {
    const verdict = checkHistory(history);
    assert.equal(verdict.ok, false);
    assert.deepEqual(
      verdict.anomalies.map((a) => a.name),
      [name],
      verdict.summary,
    );
    const a = verdict.anomalies[0];
    if (a.edges) {
      assert.equal(a.cycle![0], a.cycle![a.cycle!.length - 1], "the cycle closes");
      assert.match(cycleSvg(a), /^<svg[\s\S]*marker-end[\s\S]*<\/svg>$/);
    }
  });
}

test("the lost update's cycle in words: one rw edge and one ww edge on the same key", () => {
  const [a] = checkHistory(examples[5][1]).anomalies;
  assert.equal(a.text, "T2 —rw x→ T1 —ww x→ T2");
});

/** mulberry32: the same seed, the same history. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A history of `n` transactions over `keys` registers. Serial: each runs alone, reading the latest
 * values. Snapshot: each reads what was committed when it began, `overlap` transactions back, and
 * writes keys nobody wrote since (snapshot isolation's first-committer-wins): write skew happens.
 */
function generate(n: number, keys: number, seed: number, snapshot = 0): History {
  const next = random(seed);
  const current: unknown[][] = [Array.from({ length: keys }, () => 0)];
  const lastWriter: number[][] = [Array.from({ length: keys }, () => -1)];
  const transactions = [];
  let unique = 0;
  for (let i = 0; i < n; i++) {
    const from = Math.max(0, current.length - 1 - Math.floor(next() * (snapshot + 1)));
    const seen = [...current[from]];
    const latest = [...current[current.length - 1]];
    const writers = [...lastWriter[lastWriter.length - 1]];
    const ops: HistoryOperation[] = [];
    for (let k = 0; k < 4; k++) {
      const key = Math.floor(next() * keys);
      if (next() < 0.5) ops.push(r(`k${key}`, seen[key]));
      else if (lastWriter[from][key] === writers[key]) {
        // nobody wrote it since the snapshot
        seen[key] = latest[key] = ++unique;
        writers[key] = i;
        ops.push(w(`k${key}`, unique));
      }
    }
    current.push(latest);
    lastWriter.push(writers);
    transactions.push(t(`T${i}`, ops));
  }
  return { transactions };
}

test("no anomaly in 200 random serial histories; many in histories run under snapshot isolation (the check can fail)", () => {
  for (let seed = 1; seed <= 200; seed++) assert.equal(checkHistory(generate(30, 4, seed)).ok, true, `seed ${seed}`);
  const found = new Set<string>();
  for (let seed = 1; seed <= 50; seed++) for (const a of checkHistory(generate(30, 4, seed, 3)).anomalies) found.add(a.name);
  assert.ok(found.has("G2-item") || found.has("G-single"), [...found].join(", "));
  assert.ok(!found.has("G0") && !found.has("lost update"), "first-committer-wins prevents these");
});

test("a history of 10 000 transactions is checked in well under a few seconds", () => {
  const history = generate(10_000, 50, 7);
  const started = performance.now();
  const verdict = checkHistory(history);
  const ms = performance.now() - started;
  assert.equal(verdict.ok, true);
  assert.ok(ms < 5000, `${ms} ms`);
});

test("bad histories are named", () => {
  assert.throws(
    () => checkHistory({} as History),
    (e: Error) => e instanceof RaceLabArgumentError && /^history must be/.test(e.message),
  );
  assert.throws(() => checkHistory({ transactions: [t("T1", []), t("T1", [])] }), /history\.transactions\[1\]\.id must be an id no other/);
  assert.throws(
    () => checkHistory({ transactions: [t("T1", [{ type: "scan", key: "x" } as never])] }),
    /history\.transactions\[0\]\.ops\[0\] must be/,
  );
  assert.throws(() => cycleSvg({ name: "G1a", text: "" }), /anomaly must be an anomaly with a cycle/);
});
