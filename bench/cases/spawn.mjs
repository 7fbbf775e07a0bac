// spawn: what starting one worker costs. runThreads / runProcesses of a function that returns at
// once (start gate, travel and result included), against Python's threading.Thread and
// multiprocessing.Process (fork, and spawn: a fresh interpreter, like a Node child process).
// Threads twice: cold (no spare threads: a new Worker per run) and with spares ready (keepThreadsReady:
// threads started ahead, each serving one run), the way a notebook's second and later runs find them.
// Processes the same way: cold (a fork per run) and with a spare process ready (keepProcessesReady).
import { pythonCase, raceLab, timed } from "../lib.mjs";

const { keepProcessesReady, keepThreadsReady, Lock, runProcesses, runThreads, runningWorkers, Value } = raceLab;

function nothing() {
  return 0;
}

// A run returns once its thread has returned (the thread ends in the background, ~5-15 ms). Each timed
// run starts after the previous one's thread is gone, as a cell does after the one before it: else a
// start would share the 2 cores with the last thread's teardown and read slower than a student sees.
async function threadsGone() {
  const deadline = Date.now() + 5_000;
  while (runningWorkers().threads > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
}

async function runTs({ reps }) {
  const out = { thread: [], "thread, spares ready": [], "thread, spares ready, Value + Lock": [], process: [], "process, spare ready": [] };
  await keepThreadsReady(0); // cold: no spares
  for (let rep = 0; rep < reps * 2; rep++) {
    await threadsGone();
    out.thread.push({ ms: (await timed(() => runThreads(nothing, [[]]))).ms });
  }
  // Six times as many as the cold runs: each takes ~2 ms, and a single slow wake-up moves a median of ten.
  // Then as a lesson's cell runs most often: the thread is given shared objects (their modules must be
  // loaded in the thread before it can rebuild them: the spare loads Value's while it waits).
  for (const [row, args] of [
    ["thread, spares ready", () => []],
    ["thread, spares ready, Value + Lock", () => [new Value("i", 0), new Lock()]],
  ]) {
    for (let rep = 0; rep < reps * 6; rep++) {
      await threadsGone();
      await keepThreadsReady(1); // started, and up, before the clock starts
      const given = args();
      out[row].push({ ms: (await timed(() => runThreads(nothing, [given]))).ms });
    }
  }
  await keepThreadsReady(); // the default again, for the cases that follow
  await keepProcessesReady(0); // cold: a fork per run
  for (let rep = 0; rep < reps; rep++) out.process.push({ ms: (await timed(() => runProcesses(nothing, [[]]))).ms });
  for (let rep = 0; rep < reps * 2; rep++) {
    await keepProcessesReady(1); // forked, and up, before the clock starts
    out["process, spare ready"].push({ ms: (await timed(() => runProcesses(nothing, [[]]))).ms });
  }
  await keepProcessesReady(0);
  await keepProcessesReady(); // the default again, for the cases that follow
  return out;
}

export default [
  {
    name: "spawn",
    title: "start one worker, run an empty function, collect its result",
    reps: { full: 5, quick: 1 },
    rows: [
      { variant: "worker thread (vs threading.Thread)", ts: "thread", py: "thread", kind: "cost", unit: "ms", bar: "spawn" },
      { variant: "worker thread, spares ready (vs threading.Thread)", ts: "thread, spares ready", py: "thread", kind: "cost", unit: "ms" },
      {
        variant: "worker thread, spares ready, given a Value and a Lock (vs threading.Thread)",
        ts: "thread, spares ready, Value + Lock",
        py: "thread",
        kind: "cost",
        unit: "ms",
      },
      { variant: "child process (vs multiprocessing fork)", ts: "process", py: "process (fork)", kind: "cost", unit: "ms" },
      { variant: "child process (vs multiprocessing spawn)", ts: "process", py: "process (spawn)", kind: "cost", unit: "ms" },
      {
        variant: "child process, spare ready (vs multiprocessing fork)",
        ts: "process, spare ready",
        py: "process (fork)",
        kind: "cost",
        unit: "ms",
      },
    ],
    ts: runTs,
    py: (ctx) => pythonCase("spawn", ctx),
  },
];
