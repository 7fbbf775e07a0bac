// pool-decorator: lesson 05. A bank of 20000 in a Value; two pools of two workers, two tasks
// deposit 10 and two withdraw 10, 500 times per task: no lock, a ContextDecorator lock on the
// whole task (Python's @simple_lock), and one around each update (`with simple_lock:`).
// TypeScript: Pool(2, {kind: "thread"}) × 2; Python: the port's Pool(2) × 2 (processes).
import { pythonCase, raceLab, timed } from "../lib.mjs";

const { Lock, Pool, Value, keepThreadsReady, runningWorkers } = raceLab;

// Lesson 05's teller, without TypeScript decorator syntax: `wrap` is what @simpleLock.decorator does.
function teller(balance, lock, amount, times, style) {
  const { ContextDecorator } = require("race-lab");
  class SimpleLock extends ContextDecorator {
    constructor(lock) {
      super();
      this.lock = lock;
    }
    enter() {
      this.lock.acquire();
    } // __enter__
    exit() {
      this.lock.release();
    } // __exit__ (in finally)
  }
  const simpleLock = new SimpleLock(lock);
  const update = () => {
    balance.value = balance.value + amount;
  }; // read, add, write: not atomic
  if (style === "unlocked") for (let i = 0; i < times; i++) update();
  else if (style === "lock per task")
    simpleLock.wrap(() => {
      for (let i = 0; i < times; i++) update();
    })();
  else if (style === "lock per update") for (let i = 0; i < times; i++) simpleLock.run(update);
  else throw new Error(`unknown style ${style}`);
}

async function threadsGone() {
  const deadline = Date.now() + 10_000;
  while (runningWorkers().threads > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
}

// Each repetition starts as a lesson's cell does after the cells before it: the last run's threads
// gone and the spare threads (four by default: both pools' threads) up. Back to back, a repetition
// took spares that were still starting (they are replaced only after the run that took them), i.e.
// four thread starts inside the clock. "cold" is a kernel's first run of threads: no spares yet.
async function runTs({ reps, quick }) {
  const times = quick ? 50 : 500;
  const out = {};
  for (const style of ["unlocked", "lock per task", "lock per update", "cold"]) {
    out[style] = [];
    for (let rep = 0; rep < reps; rep++) {
      await threadsGone();
      await keepThreadsReady(style === "cold" ? 0 : undefined);
      const tellerStyle = style === "cold" ? "lock per update" : style;
      const balance = new Value("i", 20000);
      const lock = new Lock();
      const { ms } = await timed(() => {
        const deposits = new Pool(2, { kind: "thread", prefixOutput: false });
        const withdrawals = new Pool(2, { kind: "thread", prefixOutput: false });
        return Promise.all([
          deposits.starmap(teller, [
            [balance, lock, +10, times, tellerStyle],
            [balance, lock, +10, times, tellerStyle],
          ]),
          withdrawals.starmap(teller, [
            [balance, lock, -10, times, tellerStyle],
            [balance, lock, -10, times, tellerStyle],
          ]),
        ]);
      });
      out[style].push({ ms, observed: balance.value, anomaly: balance.value !== 20000 });
    }
  }
  await keepThreadsReady(); // the default again, for the cases that follow
  return out;
}

export default [
  {
    name: "pool-decorator",
    title: "bank of 20000, 2 pools of 2 workers, ±10 × 500 per task (threads vs Python processes)",
    reps: { full: 5, quick: 1 },
    rows: [
      // Lesson 05 records the faithful 500-update bank as "rare": each task is over before the other starts.
      { variant: "unlocked", ts: "unlocked", py: "unlocked", kind: "rare", unit: "ms" },
      { variant: "lock per task", ts: "lock per task", py: "lock per task", kind: "safe", unit: "ms" },
      { variant: "lock per update", ts: "lock per update", py: "lock per update", kind: "safe", unit: "ms" },
      // The kernel's first run of threads, before any spare is up (Python has no such state: the same figure).
      {
        variant: "lock per update, cold: a kernel's first run (no spare threads yet)",
        ts: "cold",
        py: "lock per update",
        kind: "safe",
        unit: "ms",
        goal: false,
      },
    ],
    ts: runTs,
    py: (ctx) => pythonCase("pool-decorator", ctx),
  },
];
