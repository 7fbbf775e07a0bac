// lock-throughput: acquire/release pairs per second on one Lock, uncontended (1 thread) and with 2
// and 4 threads contending, against
// - Atomics.add on the same counter (one hardware read-modify-write: the bound any lock is measured against),
// - a minimal reference mutex over Atomics (compareExchange to take it; exchange, and notify only when
//   someone sleeps, to give it back: Drepper's "mutex #2"), the limit for a lock written in JavaScript,
// - that reference mutex with owner checks as race-lab's Lock does them (src/primitives/owner-word.ts:
//   the word holds the holder's id instead of 1, a sleeper sets its low bit with compareExchange, and a
//   release compares the id before freeing it), which prices the owner checks on their own,
// - Python's multiprocessing.Lock in 1, 2, 4 processes.
// Every lock variant guards the same `counter.value += 1`. Each worker times its own loop after the
// start gate; rate = all operations / the slowest worker. The variants take turns within each
// repetition, so a change in the machine's load hits them all alike. Contended rates swing by ±30%
// from one repetition to the next (who hands the lock to whom is up to the scheduler), so a full run
// takes 15 short repetitions rather than 5 long ones: the medians then hold to a few percent.
import { pythonCase, raceLab } from "../lib.mjs";

const { Lock, Value, runThreads } = raceLab;

function hammer(lock, counter, times, variant, mutexBuffer) {
  const { threadId } = require("node:worker_threads");
  // The reference mutex: 0 free, 1 taken, 2 taken and maybe sleepers.
  const m = new Int32Array(mutexBuffer);
  const take = () => {
    // compareExchange: two threads that both see 0 cannot both take it.
    if (Atomics.compareExchange(m, 0, 0, 1) === 0) return;
    // exchange marks "sleepers" and tells in the same step whether it was freed meanwhile; wait sleeps
    // only while the slot still reads 2, so a release between the two is never missed (lost wake-up).
    while (Atomics.exchange(m, 0, 2) !== 0) Atomics.wait(m, 0, 2);
  };
  const give = () => {
    // exchange reads and frees in one step: a thread marking 2 at the same moment is always woken.
    if (Atomics.exchange(m, 0, 0) === 2) Atomics.notify(m, 0, 1);
  };
  const cells = counter.typed;
  const t0 = performance.now();
  if (variant === "Lock") {
    for (let i = 0; i < times; i++) {
      lock.acquire();
      counter.value += 1;
      lock.release();
    }
  } else if (variant === "reference mutex") {
    for (let i = 0; i < times; i++) {
      take();
      counter.value += 1;
      give();
    }
  } else if (variant === "reference mutex + owner checks") {
    // The owner in the word, as Lock keeps it: 0 free, else the holder's id, low bit = maybe sleepers.
    const me = (threadId + 1) * 2;
    for (let i = 0; i < times; i++) {
      if (Atomics.compareExchange(m, 0, 0, me) !== 0) {
        for (;;) {
          const word = Atomics.load(m, 0);
          if (word === 0) {
            if (Atomics.compareExchange(m, 0, 0, me | 1) === 0) break;
          } else if ((word & 1) !== 0 || Atomics.compareExchange(m, 0, word, word | 1) === word) {
            Atomics.wait(m, 0, word | 1); // sleeps only while the word is still "held, sleepers"
          }
        }
      }
      counter.value += 1;
      // The owner check: a plain read (only this thread writes its own id), then exchange frees it.
      if ((m[0] & ~1) !== me) throw new Error("release by a thread that does not hold the lock");
      if ((Atomics.exchange(m, 0, 0) & 1) !== 0) Atomics.notify(m, 0, 1);
    }
  } else {
    for (let i = 0; i < times; i++) Atomics.add(cells, 0, 1);
  }
  return performance.now() - t0;
}

const VARIANTS = ["Lock", "reference mutex", "reference mutex + owner checks", "Atomics.add"];
const THREADS = [1, 2, 4];
const key = (variant, threads) => `${variant}, ${threads} thread${threads > 1 ? "s" : ""}`;

async function runTs({ reps, quick }) {
  const out = {};
  for (const threads of THREADS) {
    for (const variant of VARIANTS) out[key(variant, threads)] = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const variant of VARIANTS) {
        // Sized so that one repetition's loop takes ~40-400 ms (a fifth of that in a quick run: enough
        // for the JIT to have compiled the loop, so the ratios already read true). Uncontended loops are
        // longer: the few milliseconds before V8 optimizes the loop would otherwise weigh in their rate.
        const times = ((variant === "Atomics.add" ? 4 : 1) * (threads === 1 ? 1_000_000 : 300_000)) / (quick ? 5 : 1);
        const lock = new Lock();
        const counter = new Value("i", 0);
        const mutexBuffer = new SharedArrayBuffer(8);
        const ms = await runThreads(
          hammer,
          Array.from({ length: threads }, () => [lock, counter, times, variant, mutexBuffer]),
          { prefixOutput: false },
        );
        const value = (threads * times) / Math.max(...ms) / 1000; // millions of operations per second
        out[key(variant, threads)].push({ value, observed: counter.value, anomaly: counter.value !== threads * times });
      }
    }
  }
  return out;
}

const rows = [];
for (const threads of THREADS) {
  const s = threads > 1 ? "s" : "";
  rows.push({
    variant: `Lock, ${threads} thread${s} (vs multiprocessing.Lock, ${threads} process${threads > 1 ? "es" : ""})`,
    ts: key("Lock", threads),
    py: `multiprocessing.Lock, ${threads} process${threads > 1 ? "es" : ""}`,
    kind: "safe",
    unit: "M ops/s",
    higherIsBetter: true,
  });
  rows.push({
    variant: `Atomics.add, ${threads} thread${s} (hardware bound)`,
    ts: key("Atomics.add", threads),
    py: null,
    kind: "safe",
    unit: "M ops/s",
    higherIsBetter: true,
  });
  rows.push({
    variant: `reference mutex, ${threads} thread${s} (the limit for a JS lock)`,
    ts: key("reference mutex", threads),
    py: null,
    kind: "safe",
    unit: "M ops/s",
    higherIsBetter: true,
  });
  rows.push({
    variant: `reference mutex + owner checks, ${threads} thread${s}`,
    ts: key("reference mutex + owner checks", threads),
    py: null,
    kind: "safe",
    unit: "M ops/s",
    higherIsBetter: true,
  });
}

export default [
  {
    name: "lock-throughput",
    title: "acquire/release (+1) per second on one lock, 1/2/4 contending workers, beside a reference mutex and Atomics.add",
    reps: { full: 15, quick: 1 },
    rows,
    ts: runTs,
    py: (ctx) => pythonCase("lock-throughput", ctx),
  },
];
