// lock-throughput: acquire/release pairs per second on one Lock, uncontended (1 thread) and with 2
// and 4 threads contending, against Atomics.add on the same counter (one hardware read-modify-write:
// the bound any lock is measured against) and Python's multiprocessing.Lock in 1, 2, 4 processes.
// Each worker times its own loop after the start gate; rate = all operations / the slowest worker.
import { pythonCase, raceLab } from "../lib.mjs";

const { Lock, Value, runThreads } = raceLab;

function hammer(lock, counter, times, variant) {
  const cells = counter.typed;
  const t0 = performance.now();
  if (variant === "Lock") {
    for (let i = 0; i < times; i++) {
      lock.acquire();
      counter.value += 1;
      lock.release();
    }
  } else {
    for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1);
  }
  return performance.now() - t0;
}

async function runTs({ reps, quick }) {
  const out = {};
  for (const variant of ["Lock", "Atomics.add"]) {
    // Sized so that one repetition's loop takes ~50-200 ms.
    const times = quick ? 20_000 : variant === "Lock" ? 1_000_000 : 4_000_000;
    for (const threads of [1, 2, 4]) {
      const key = `${variant}, ${threads} thread${threads > 1 ? "s" : ""}`;
      out[key] = [];
      for (let rep = 0; rep < reps; rep++) {
        const lock = new Lock();
        const counter = new Value("i", 0);
        const ms = await runThreads(hammer, Array.from({ length: threads }, () => [lock, counter, times, variant]), { prefixOutput: false });
        const value = (threads * times) / Math.max(...ms) / 1000; // millions of operations per second
        out[key].push({ value, observed: counter.value, anomaly: counter.value !== threads * times });
      }
    }
  }
  return out;
}

const rows = [];
for (const threads of [1, 2, 4]) {
  const s = threads > 1 ? "s" : "";
  rows.push({ variant: `Lock, ${threads} thread${s} (vs multiprocessing.Lock, ${threads} process${threads > 1 ? "es" : ""})`, ts: `Lock, ${threads} thread${s}`, py: `multiprocessing.Lock, ${threads} process${threads > 1 ? "es" : ""}`, kind: "safe", unit: "M ops/s", higherIsBetter: true });
  rows.push({ variant: `Atomics.add, ${threads} thread${s} (hardware bound)`, ts: `Atomics.add, ${threads} thread${s}`, py: null, kind: "safe", unit: "M ops/s", higherIsBetter: true });
}

export default [
  {
    name: "lock-throughput",
    title: "acquire/release (+1) per second on one lock, 1/2/4 contending workers",
    reps: { full: 5, quick: 1 },
    rows,
    ts: runTs,
    py: (ctx) => pythonCase("lock-throughput", ctx),
  },
];
