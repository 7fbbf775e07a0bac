// no-gil: lesson 06. Eight workers add 1 to one counter 100000 times each: unsafe `+= 1`,
// Atomics.add, a Lock around each update, local sums added once. TypeScript: 8 worker threads (no
// GIL); Python: the port's 8 threads under the GIL. Timed: the whole run, thread start included.
import { pythonCase, raceLab, timed } from "../lib.mjs";

const { Lock, Value, runThreads } = raceLab;

// Lesson 06's four counters in one function.
function count(counter, lock, times, variant) {
  const cells = counter.typed;
  if (variant === "unsafe") {
    for (let i = 0; i < times; i++) counter.value += 1; // load, add, store: updates are lost
  } else if (variant === "atomic add") {
    for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1); // one indivisible read-modify-write
  } else if (variant === "lock") {
    for (let i = 0; i < times; i++)
      lock.withLock(() => {
        counter.value += 1;
      });
  } else if (variant === "local sums") {
    let mine = 0;
    for (let i = 0; i < times; i++) mine += 1; // private: nothing shared, nothing lost
    Atomics.add(cells, 0, mine);
  } else {
    throw new Error(`unknown variant ${variant}`);
  }
}

const THREADS = 8;

async function runTs({ reps, quick }) {
  const times = quick ? 5000 : 100_000;
  const out = {};
  for (const variant of ["unsafe", "atomic add", "lock", "local sums"]) {
    out[variant] = [];
    for (let rep = 0; rep < reps; rep++) {
      const counter = new Value("i", 0);
      const lock = new Lock();
      const { ms } = await timed(() =>
        runThreads(
          count,
          Array.from({ length: THREADS }, () => [counter, lock, times, variant]),
          { prefixOutput: false },
        ),
      );
      out[variant].push({ ms, observed: counter.value, anomaly: counter.value !== THREADS * times });
    }
  }
  return out;
}

export default [
  {
    name: "no-gil",
    title: "8 workers × 100000 increments of one counter (TS threads, no GIL, vs Python threads, GIL)",
    reps: { full: 5, quick: 1 },
    rows: [
      { variant: "unsafe (Python: balance += 1)", ts: "unsafe", py: "unsafe", kind: "unsafe", unit: "ms", pyKind: "rare" },
      { variant: "unsafe, split by a call (Python only)", ts: null, py: "unsafe, split by a call", kind: "unsafe", unit: "ms" },
      { variant: "atomic add (TS only)", ts: "atomic add", py: null, kind: "safe", unit: "ms" },
      { variant: "lock", ts: "lock", py: "lock", kind: "safe", unit: "ms" },
      { variant: "local sums", ts: "local sums", py: "local sums", kind: "safe", unit: "ms" },
    ],
    ts: runTs,
    py: (ctx) => pythonCase("no-gil", ctx),
  },
];
