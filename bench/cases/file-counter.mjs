// file-counter-unlocked / file-counter-locked: lessons 02 and 03. Two processes (Pool(2), 1000 and
// 2000 increments) count in one file, without a lock and with the FileLock, against the Python
// ports' multiprocessing.Pool(2) and fcntl.flock. Timed: the whole map, pool start included.
import fs from "node:fs";
import path from "node:path";
import { pythonCase, raceLab, timed } from "../lib.mjs";

const { FileLock, Pool, functionSource, partial, removeRunFolder, runFolder } = raceLab;

// Lesson 03's `work`, as the notebook writes it (it travels to the children as source).
function work(maxCount, filename) {
  const fs = require("fs");
  let readErrors = 0;
  for (let n = 0; n < maxCount; n++) {
    let count = 0;
    if (fs.existsSync(filename)) {
      const text = fs.readFileSync(filename, "utf8");
      if (/^\d+\n$/.test(text)) count = Number(text);
      else readErrors++; // an empty (or mixed) file: start again from 0
    }
    fs.writeFileSync(filename, `${count + 1}\n`);
  }
  return readErrors;
}

// Lesson 03's lockedWork: @interprocess_locked(lockPath) around the whole of `work`.
function lockedWork(maxCount, filename, lockPath, workSource) {
  const { interprocessLocked, rebuildFunction } = require("race-lab");
  const work = rebuildFunction(workSource, "work");
  return interprocessLocked(lockPath)(work)(maxCount, filename);
}

// Lesson 03's exercise: the FileLock around each single increment (3000 contended acquires).
function lockedIncrements(maxCount, filename, lock) {
  const fs = require("fs");
  let readErrors = 0;
  for (let n = 0; n < maxCount; n++) {
    lock.withLock(() => {
      let count = 0;
      if (fs.existsSync(filename)) {
        const text = fs.readFileSync(filename, "utf8");
        if (/^\d+\n$/.test(text)) count = Number(text);
        else readErrors++;
      }
      fs.writeFileSync(filename, `${count + 1}\n`);
    });
  }
  return readErrors;
}

const TASKS = {
  unlocked: (file) => partial(work, { filename: file }),
  "lock around work": (file, lockPath) => partial(lockedWork, { filename: file, lockPath, workSource: functionSource(work) }),
  "lock per increment": (file, lockPath) => partial(lockedIncrements, { filename: file, lock: new FileLock(lockPath) }),
};

async function runTs(variants, { reps, quick }) {
  const counts = quick ? [50, 100] : [1000, 2000];
  const expected = counts[0] + counts[1];
  const out = {};
  for (const name of variants) {
    out[name] = [];
    for (let rep = 0; rep < reps; rep++) {
      const folder = runFolder("bench");
      try {
        const file = path.join(folder, "count.txt");
        const task = TASKS[name](file, path.join(folder, "count.lock"));
        const { ms } = await timed(() => new Pool(2, { kind: "process", prefixOutput: false }).map(task, counts));
        const observed = Number(fs.readFileSync(file, "utf8"));
        out[name].push({ ms, observed, anomaly: observed !== expected });
      } finally {
        removeRunFolder(folder);
      }
    }
  }
  return out;
}

export default [
  {
    name: "file-counter-unlocked",
    title: "two processes, 1000 + 2000 increments of one file, no lock",
    reps: { full: 3, quick: 1 }, // 3000 file writes per repetition per side: keep the whole run short
    rows: [{ variant: "unlocked", ts: "unlocked", py: "unlocked", kind: "unsafe", unit: "ms" }],
    ts: (ctx) => runTs(["unlocked"], ctx),
    py: (ctx) => pythonCase("file-counter-unlocked", ctx),
  },
  {
    name: "file-counter-locked",
    title: "two processes, 1000 + 2000 increments of one file, with an inter-process lock",
    reps: { full: 3, quick: 1 }, // 3000 file writes per repetition per side: keep the whole run short
    rows: [
      {
        variant: "lock around work (vs fcntl.flock)",
        ts: "lock around work",
        py: "flock around work",
        kind: "safe",
        unit: "ms",
        bar: "file-counter-locked",
      },
      { variant: "lock per increment (vs fcntl.flock)", ts: "lock per increment", py: "flock per increment", kind: "safe", unit: "ms" },
      { variant: "lock around work (vs fasteners)", ts: "lock around work", py: "fasteners", kind: "safe", unit: "ms", optional: true },
    ],
    ts: (ctx) => runTs(["lock around work", "lock per increment"], ctx),
    py: (ctx) => pythonCase("file-counter-locked", ctx),
  },
];
