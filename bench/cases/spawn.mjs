// spawn: what starting one worker costs. runThreads / runProcesses of a function that returns at
// once (start gate, travel and result included), against Python's threading.Thread and
// multiprocessing.Process (fork, and spawn: a fresh interpreter, like a Node child process).
import { pythonCase, raceLab, timed } from "../lib.mjs";

const { runProcesses, runThreads } = raceLab;

function nothing() {
  return 0;
}

async function runTs({ reps }) {
  const out = { thread: [], process: [] };
  for (let rep = 0; rep < reps * 2; rep++) out.thread.push({ ms: (await timed(() => runThreads(nothing, [[]]))).ms });
  for (let rep = 0; rep < reps; rep++) out.process.push({ ms: (await timed(() => runProcesses(nothing, [[]]))).ms });
  return out;
}

export default [
  {
    name: "spawn",
    title: "start one worker, run an empty function, collect its result",
    reps: { full: 5, quick: 1 },
    rows: [
      { variant: "worker thread (vs threading.Thread)", ts: "thread", py: "thread", kind: "cost", unit: "ms", bar: "spawn" },
      { variant: "child process (vs multiprocessing fork)", ts: "process", py: "process (fork)", kind: "cost", unit: "ms" },
      { variant: "child process (vs multiprocessing spawn)", ts: "process", py: "process (spawn)", kind: "cost", unit: "ms" },
    ],
    ts: runTs,
    py: (ctx) => pythonCase("spawn", ctx),
  },
];
