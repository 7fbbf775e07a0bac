// explore: the explorer's speed target (20 schedules in ≤ 2 s). Two workers of three points each (20 schedules) explored on real
// worker threads, reused across schedules; the time includes starting and ending the threads. No
// Python counterpart: Python has no such tool in the lessons.
import { raceLab, timed } from "../lib.mjs";

const { Value, explore } = raceLab;

function threePoints(x, s) {
  s.point("a");
  x.value += 1;
  s.point("b");
  x.value += 1;
  s.point("c");
  x.value += 1;
}

async function runTs({ reps }) {
  const out = { twenty: [] };
  for (let rep = 0; rep < reps; rep++) {
    const { ms, result } = await timed(() =>
      explore({
        fn: threePoints,
        workers: 2,
        setup: () => {
          const x = new Value("i", 0);
          return { args: [[x], [x]], observe: () => x.value };
        },
        expected: 6,
      }),
    );
    if (result.schedules.length !== 20) throw new Error(`expected 20 schedules, got ${result.schedules.length}`);
    out.twenty.push({ ms });
  }
  return out;
}

export default [
  {
    name: "explore",
    title: "explore two workers of three points each: all 20 schedules on 2 reused threads",
    reps: { full: 5, quick: 1 },
    rows: [{ variant: "20 schedules, 2 threads", ts: "twenty", py: null, kind: "cost", unit: "ms", bar: "explore" }],
    ts: runTs,
    py: async () => ({}),
  },
];
