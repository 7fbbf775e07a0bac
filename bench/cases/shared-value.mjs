// shared-value-sleep / shared-value-nosleep: lesson 04. A Value of 2000, two workers deposit and
// withdraw 1: 1000 times after a 1 ms sleep, or 100000 times without; unlocked and with
// balance.getLock(). TypeScript: two worker threads (runThreads); Python: two processes (the port's
// multiprocessing.Value). Timed: the whole run, worker start included.
import { pythonCase, raceLab, timed } from "../lib.mjs";

const { Value, runThreads } = raceLab;

// Lesson 04's transact (Python's deposit/withdraw in one function), optionally locked.
function transact(balance, amount, times, pauseMs, locked) {
  const { sleepSync } = require("race-lab");
  const lock = balance.getLock();
  for (let i = 0; i < times; i++) {
    if (pauseMs) sleepSync(pauseMs); // time.sleep(0.001)
    if (locked)
      lock.withLock(() => {
        balance.value = balance.value + amount;
      });
    else balance.value = balance.value + amount; // read, add, write: three steps
  }
}

async function runTs(sleep, { reps, quick }) {
  const times = sleep ? (quick ? 20 : 1000) : quick ? 2000 : 100_000;
  const pauseMs = sleep ? 1 : 0;
  const out = {};
  for (const [name, locked] of [
    ["unlocked", false],
    ["locked", true],
  ]) {
    out[name] = [];
    for (let rep = 0; rep < reps; rep++) {
      const balance = new Value("i", 2000);
      const { ms } = await timed(() =>
        runThreads(
          transact,
          [
            [balance, +1, times, pauseMs, locked],
            [balance, -1, times, pauseMs, locked],
          ],
          { prefixOutput: false },
        ),
      );
      out[name].push({ ms, observed: balance.value, anomaly: balance.value !== 2000 });
    }
  }
  return out;
}

export default [
  {
    name: "shared-value-sleep",
    title: "Value(2000), 2 workers ±1 × 1000 with a 1 ms sleep each (threads vs Python processes)",
    reps: { full: 3, quick: 1 },
    rows: [
      // Lesson 04 records this faithful port as "rare": the 1 ms sleep is outside the read-write pair.
      { variant: "unlocked", ts: "unlocked", py: "unlocked", kind: "rare", unit: "ms" },
      { variant: "locked", ts: "locked", py: "locked", kind: "safe", unit: "ms" },
    ],
    ts: (ctx) => runTs(true, ctx),
    py: (ctx) => pythonCase("shared-value-sleep", ctx),
  },
  {
    name: "shared-value-nosleep",
    title: "Value(2000), 2 workers ±1 × 100000, no sleep (threads vs Python processes)",
    reps: { full: 5, quick: 1 },
    rows: [
      { variant: "unlocked", ts: "unlocked", py: "unlocked", kind: "unsafe", unit: "ms" },
      { variant: "locked", ts: "locked", py: "locked", kind: "safe", unit: "ms" },
    ],
    ts: (ctx) => runTs(false, ctx),
    py: (ctx) => pythonCase("shared-value-nosleep", ctx),
  },
];
