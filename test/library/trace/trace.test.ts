// Traces: the lost-update analysis on hand-written event sequences, and a real Trace recorded by two
// worker threads whose accesses are forced into a chosen interleaving by an Atomics handshake (a
// shared "turn" number: each step waits for its turn, acts, then passes the turn on).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { Trace, analyzeTrace, showTimeline, runThreads } from "race-lab";
import { encodeForThread, encodeForProcess, decodeShared, NotSharableError, RaceLabArgumentError, TraceEvent } from "race-lab/internal";
import { captureStdout, markLabels } from "../helpers/display";
import { captureDisplays } from "../kernel/fake-display";

/** Builds events from a compact script: "1r0" = worker 1 reads 0, "2w1" = worker 2 writes 1. */
function script(...steps: string[]): TraceEvent[] {
  return steps.map((s, seq) => {
    const m = /^(\d+)([rw])(-?\d+)$/.exec(s);
    if (!m) throw new Error(`bad step ${s}`);
    return { seq, worker: Number(m[1]), kind: m[2] === "r" ? "read" : "write", value: Number(m[3]) };
  });
}

test("no interleaving, no lost update", () => {
  const a = analyzeTrace(script("1r0", "1w1", "2r1", "2w2", "1r2", "1w3"));
  assert.equal(a.lostUpdates, 0);
  assert.equal(a.staleWrites, 0);
});

test("the classic lost update: both read 0, both write 1", () => {
  const a = analyzeTrace(script("1r0", "2r0", "1w1", "2w1"));
  assert.equal(a.lostUpdates, 1);
  assert.equal(a.staleWrites, 1);
  const [, , w1, w2] = a.events;
  assert.equal(w1.lost, true, "worker 1's write was erased");
  assert.equal(w2.stale, true, "worker 2's write is the cause");
  assert.deepEqual(w2.overwrote, [2]);
  assert.equal(w2.base, 1);
  assert.equal(w2.buildsOn, null, "it built on the initial value");
});

test("one stale write can erase several updates", () => {
  // worker 2 increments twice while worker 1 holds a stale 0: final 1 after 3 increments.
  const a = analyzeTrace(script("1r0", "2r0", "2w1", "2r1", "2w2", "1w1"));
  assert.equal(a.lostUpdates, 2);
  assert.equal(a.staleWrites, 1);
});

test("a write that was overwritten but also read survives (only what no one built on is lost)", () => {
  // A r0, B r0, A w1, C r1, B w1 (stale: erases A's), C w2 (stale: erases B's, but C built on A's).
  const a = analyzeTrace(script("1r0", "2r0", "1w1", "3r1", "2w1", "3w2"));
  assert.equal(a.staleWrites, 2);
  assert.equal(a.lostUpdates, 1, "final 2 after 3 increments");
  assert.deepEqual(
    a.events.filter((e) => e.lost).map((e) => e.seq),
    [4],
  );
});

test("for increments, lostUpdates = number of writes - final value, on random interleavings", () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 200; round++) {
    const workers = 2 + Math.floor(random() * 3);
    const todo = Array.from({ length: workers }, () => 1 + Math.floor(random() * 4)); // increments left
    const held = new Map<number, number>(); // worker → value read, between its read and write
    const events: TraceEvent[] = [];
    let shared = 0;
    while (todo.some((n) => n > 0) || held.size > 0) {
      const w = Math.floor(random() * workers);
      if (held.has(w)) {
        shared = held.get(w)! + 1;
        held.delete(w);
        events.push({ seq: events.length, worker: w, kind: "write", value: shared });
      } else if (todo[w] > 0) {
        todo[w]--;
        held.set(w, shared);
        events.push({ seq: events.length, worker: w, kind: "read", value: shared });
      }
    }
    const writes = events.filter((e) => e.kind === "write").length;
    assert.equal(analyzeTrace(events).lostUpdates, writes - shared, JSON.stringify(events));
  }
});

test("a blind write (no read first) loses nothing it replaces", () => {
  const a = analyzeTrace(script("1r0", "1w1", "2w0", "1r0", "1w1"));
  assert.equal(a.lostUpdates, 0);
});

test("a Trace records events with a global sequence and analyses them", () => {
  const t = new Trace({ capacity: 16 });
  t.read(1, 0);
  t.read(2, 0);
  t.write(1, 1);
  t.write(2, 1);
  assert.equal(t.recorded, 4);
  assert.deepEqual(t.events(), script("1r0", "2r0", "1w1", "2w1"));
  assert.equal(t.lostUpdates(), 1);
  t.clear();
  assert.deepEqual(t.events(), []);
  assert.equal(t.recorded, 0);
});

test("the ring keeps the newest `capacity` events and says how many it dropped", () => {
  const t = new Trace({ capacity: 3 });
  for (let i = 0; i < 5; i++) t.write(0, i);
  assert.equal(t.dropped, 2);
  assert.deepEqual(
    t.events().map((e) => [e.seq, e.value]),
    [
      [2, 2],
      [3, 3],
      [4, 4],
    ],
  );
});

test("a Trace travels to threads (same buffer) but not to processes", () => {
  const t = new Trace({ capacity: 8 });
  const [state] = encodeForThread([t]);
  const copy = decodeShared(state) as Trace;
  assert.ok(copy instanceof Trace);
  copy.write(3, 7);
  assert.deepEqual(t.events(), [{ seq: 0, worker: 3, kind: "write", value: 7 }]);
  assert.throws(() => encodeForProcess([t]), NotSharableError);
});

// The worker: runs its steps of the schedule, each when the shared turn reaches its number.
const STEP_WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const lib = require(workerData.lib);
const trace = lib.decodeShared(workerData.trace);
const turn = new Int32Array(workerData.turn);     // [0]: whose step it is
const counter = new Int32Array(workerData.counter);
let held = 0;
for (const [step, action] of workerData.steps) {
  // Handshake: sleep until the turn is ours. Atomics.wait only sleeps while turn[0] still holds the
  // value we saw, so the other worker's notify cannot slip in between the check and the sleep.
  for (let seen; (seen = Atomics.load(turn, 0)) !== step; ) {
    if (Atomics.wait(turn, 0, seen, 5000) === "timed-out") throw new Error("step " + step + " waited too long");
  }
  if (action === "read") { held = counter[0]; trace.read(workerData.id, held); }
  else { counter[0] = held + 1; trace.write(workerData.id, held + 1); }
  Atomics.add(turn, 0, 1);   // pass the turn on (atomic: the next step's worker reads it concurrently)
  Atomics.notify(turn, 0);
}
parentPort.postMessage("done");
`;

function runSchedule(schedule: [number, "read" | "write"][], trace: Trace): Promise<number> {
  const turn = new SharedArrayBuffer(4);
  const counter = new SharedArrayBuffer(4);
  const lib = require.resolve("race-lab/internal");
  const workers = [1, 2].map((id) => {
    const steps = schedule
      .map(([w, action], step) => [w, action, step] as const)
      .filter(([w]) => w === id)
      .map(([, action, step]) => [step, action]);
    return new Worker(STEP_WORKER, { eval: true, workerData: { id, lib, steps, turn, counter, trace: encodeForThread([trace])[0] } });
  });
  const done = workers.map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          void w.terminate();
          reject(new Error("worker timed out"));
        }, 20_000);
        w.once("message", () => {
          clearTimeout(timer);
          resolve();
        });
        w.once("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
      }),
  );
  return Promise.all(done).then(() => new Int32Array(counter)[0]);
}

test("two real threads forced to interleave: lostUpdates matches the increments that vanished", async () => {
  const trace = new Trace({ capacity: 100 });
  const schedule: [number, "read" | "write"][] = [
    [1, "read"],
    [2, "read"],
    [1, "write"],
    [2, "write"], // both read 0: one update lost
    [2, "read"],
    [2, "write"], // alone: fine
    [1, "read"],
    [2, "read"],
    [2, "write"],
    [1, "write"], // worker 1 writes a stale value: one more lost
  ];
  const final = await runSchedule(schedule, trace);
  const events = trace.events();
  assert.deepEqual(
    events.map((e) => [e.worker, e.kind]),
    schedule,
    "the trace holds the forced order",
  );
  assert.deepEqual(
    events.map((e) => e.seq),
    schedule.map((_, i) => i),
  );
  assert.equal(final, 3);
  assert.equal(trace.lostUpdates(), 5 - final);
  assert.deepEqual(
    trace
      .analyze()
      .events.filter((e) => e.lost)
      .map((e) => [e.seq, e.worker]),
    [
      [2, 1],
      [8, 2],
    ],
  );
});

test("the same threads serialised (read-write, read-write): no lost update", async () => {
  const trace = new Trace({ capacity: 100 });
  const schedule: [number, "read" | "write"][] = [
    [1, "read"],
    [1, "write"],
    [2, "read"],
    [2, "write"],
    [1, "read"],
    [1, "write"],
  ];
  const final = await runSchedule(schedule, trace);
  assert.equal(final, 3);
  assert.equal(trace.lostUpdates(), 0);
});

test("threads recording at full speed get distinct, gap-free sequence numbers", async () => {
  const trace = new Trace({ capacity: 40_000 });
  const results = await runThreads(
    (id: number, t: Trace) => {
      for (let i = 0; i < 20_000; i++) t.write(id, i);
      return id;
    },
    [
      [1, trace],
      [2, trace],
    ],
    { timeoutMs: 60_000 },
  );
  assert.deepEqual(results, [1, 2]);
  const events = trace.events();
  assert.equal(events.length, 40_000);
  assert.deepEqual(
    events.map((e) => e.seq),
    Array.from({ length: 40_000 }, (_, i) => i),
  );
  for (const id of [1, 2]) {
    const mine = events.filter((e) => e.worker === id).map((e) => e.value);
    assert.deepEqual(
      mine,
      Array.from({ length: 20_000 }, (_, i) => i),
      `worker ${id}'s events in its own order`,
    );
  }
});

test("showTimeline draws one lane per worker, lost and stale writes highlighted, and a legend", async () => {
  const trace = new Trace({ capacity: 16 });
  for (const e of script("1r0", "2r0", "1w1", "2w1", "1r1", "1w2")) {
    if (e.kind === "read") trace.read(e.worker, e.value);
    else trace.write(e.worker, e.value);
  }
  const { bundles } = await captureDisplays(async () => {
    const analysis = await showTimeline(trace, { title: "two workers" });
    assert.equal(analysis.lostUpdates, 1);
  });
  assert.equal(bundles.length, 2);
  const svg = bundles[0]["image/svg+xml"];
  const points = markLabels(svg, "point");
  assert.equal(points.length, 6);
  assert.deepEqual([...new Set(points.map((p) => p.lane))].sort(), ["worker 1", "worker 2"]);
  assert.deepEqual(
    points.filter((p) => p.status === "lost write").map((p) => p.seq),
    ["2"],
  );
  assert.deepEqual(
    points.filter((p) => p.status.startsWith("stale")).map((p) => p.seq),
    ["3"],
  );
  assert.match(svg, />1 lost update, 1 stale write</);
  // Named for a screen reader, and each status told apart by shape as well as colour.
  assert.match(
    svg,
    /^<svg [^>]*role="img" aria-label="Timeline: 6 events of 2 workers \(worker 1, worker 2\) in global order 0 to 5; 3 reads, 1 write, 1 stale write, 1 lost write\."><title>Timeline: /,
  );
  const shapeOf = (status: string) => new RegExp(`<path [^>]*aria-label="[^"]*status: ${status}[^"]*"[^>]*d="([^"]+)"`).exec(svg)?.[1];
  const shapes = ["read", "write", "stale write", "lost write"].map(shapeOf);
  assert.ok(shapes.every(Boolean), "a point of each status");
  assert.equal(new Set(shapes.map((d) => d!.replace(/[\d.-]+/g, "n"))).size, 4, "four different shapes");
  assert.match(bundles[0]["text/plain"], /#2 worker 1 write 1 {2}\(lost\)/);
  assert.match(bundles[1]["text/markdown"], /worker 2 read 0 \(#1\) and wrote 1 \(#3\), erasing worker 1's write of 1 \(#2\)/);
  // maxEvents cuts the picture, not the analysis
  const cut = await captureDisplays(() => showTimeline(trace, { maxEvents: 2 }));
  assert.equal(markLabels(cut.bundles[0]["image/svg+xml"], "point").length, 2);
  assert.match(cut.bundles[0]["image/svg+xml"], /events #0 to #1 of 6 shown/);
  // a long quiet prelude: the window moves to just before the first stale write
  const long = script(...Array.from({ length: 40 }, (_, i) => `1${i % 2 ? "w" : "r"}${Math.ceil(i / 2)}`), "1r20", "2r20", "1w21", "2w21");
  const moved = await captureDisplays(() => showTimeline(long, { maxEvents: 10 }));
  const seqs = markLabels(moved.bundles[0]["image/svg+xml"], "point").map((p) => Number(p.seq));
  assert.deepEqual(seqs, [34, 35, 36, 37, 38, 39, 40, 41, 42, 43]);
  // outside Jupyter: text only
  const out = await captureStdout(() => showTimeline(script("1r0", "1w1")));
  assert.match(out, /#0 worker 1 read 0\n#1 worker 1 write 1/);
  assert.match(out, /\*\*0\*\* lost updates in this trace/);
});

test("trace functions reject bad input", async () => {
  assert.throws(() => new Trace({ capacity: 0 }), /^RaceLabArgumentError: capacity must be an integer from 1 to 1000000/);
  assert.throws(() => new Trace({ capacity: 1.5 }), RaceLabArgumentError);
  assert.throws(() => new Trace(null as never), /^RaceLabArgumentError: options must be an object/);
  const t = new Trace({ capacity: 4 });
  assert.throws(() => t.read(-1, 0), /^RaceLabArgumentError: worker must be an integer from 0 to 10000/);
  assert.throws(() => t.write(1.5, 0), /worker must be/);
  assert.throws(() => t.write(1, NaN), /^RaceLabArgumentError: value must be a number/);
  assert.throws(() => t.read(1, "3" as never), /value must be a number/);
  assert.throws(() => analyzeTrace("x" as never), /^RaceLabArgumentError: events must be an array/);
  assert.throws(
    () => analyzeTrace([{ seq: 0, worker: 1, kind: "peek", value: 0 }] as never),
    /^RaceLabArgumentError: events\[0\] must be an event/,
  );
  assert.throws(() => analyzeTrace(script("1r0", "1w1").map((e) => ({ ...e, seq: 0 }))), /distinct seq numbers/);
  await assert.rejects(showTimeline({} as never), /^RaceLabArgumentError: trace must be a Trace/);
  await assert.rejects(showTimeline(t, { maxEvents: 0 }), /^RaceLabArgumentError: maxEvents must be an integer from 1 to 2000/);
  await assert.rejects(showTimeline(t, { title: 1 as never }), /^RaceLabArgumentError: title must be a string/);
  assert.throws(
    () => decodeShared({ __raceLab: "Trace", buffer: new ArrayBuffer(8), capacity: 1 }),
    /state\.buffer must be a SharedArrayBuffer/,
  );
});
