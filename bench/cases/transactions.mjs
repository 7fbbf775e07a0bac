// transactions: exploring real transactions on the kernel's PostgreSQL (lesson 14). One Hermitage
// row (P4) at one level, the whole table (11 tests × 3 levels), the rate in interleavings per second,
// and the history checker on a generated history of 10 000 transactions. The server is started once
// before the repetitions (its start is not what is measured). No Python counterpart.
import { raceLab, timed } from "../lib.mjs";

const { database, exploreTransactions, exploreHermitage, HERMITAGE_TESTS, checkHistory } = raceLab;

/** A serial history of `n` transactions over 50 registers, each of four reads or writes (mulberry32 from `seed`). */
function serialHistory(n, seed) {
  const next = () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const current = new Array(50).fill(0);
  let unique = 0;
  const transactions = [];
  for (let i = 0; i < n; i++) {
    const ops = [];
    for (let k = 0; k < 4; k++) {
      const key = Math.floor(next() * 50);
      if (next() < 0.5) ops.push({ type: "read", key: `k${key}`, value: current[key] });
      else ops.push({ type: "write", key: `k${key}`, value: (current[key] = ++unique) });
    }
    transactions.push({ id: `T${i}`, committed: true, ops });
  }
  return { transactions };
}

async function runTs({ reps, quick }) {
  const out = { p4: [], table: [], rate: [], checker: [] };
  await database().query("SELECT 1"); // the server starts here, outside the measurements
  const p4 = HERMITAGE_TESTS.find((t) => t.id === "P4").options;
  try {
    for (let rep = 0; rep < reps; rep++) {
      const row = await timed(() => exploreTransactions({ ...p4, levels: ["READ COMMITTED"] }));
      out.p4.push({ ms: row.ms, observed: row.result.interleavings.length });
      out.rate.push({ value: row.result.perSecond });
      if (!quick) {
        const table = await timed(() => exploreHermitage({ timeoutMs: 300_000 }));
        const runs = table.result.reduce((n, r) => n + r.reports.SERIALIZABLE.interleavings.length, 0);
        out.table.push({ ms: table.ms, observed: runs });
      }
      const history = serialHistory(quick ? 1000 : 10_000, 7 + rep);
      const checked = await timed(async () => checkHistory(history));
      if (!checked.result.ok) throw new Error(`a serial history was judged not serializable: ${checked.result.summary}`);
      out.checker.push({ ms: checked.ms });
    }
  } finally {
    await database().end();
  }
  return out;
}

export default [
  {
    name: "transactions",
    title: "exploreTransactions on the kernel's PostgreSQL, and the history checker",
    reps: { full: 3, quick: 1 },
    heavy: true, // starts a PostgreSQL server: quick runs leave it out unless named
    rows: [
      { variant: "P4 at READ COMMITTED: every interleaving (one row at one level)", ts: "p4", py: null, kind: "cost", unit: "ms" },
      { variant: "the whole Hermitage table: 11 tests × 3 levels", ts: "table", py: null, kind: "cost", unit: "ms" },
      { variant: "interleavings per second (P4)", ts: "rate", py: null, kind: "safe", unit: "interleavings/s", higherIsBetter: true },
      { variant: "checkHistory on 10 000 transactions (1 000 with --quick)", ts: "checker", py: null, kind: "cost", unit: "ms" },
    ],
    ts: runTs,
    py: async () => ({}),
  },
];
