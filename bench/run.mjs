#!/usr/bin/env node
// npm run bench: every lesson's workload in TypeScript (race-lab, as students run it) and in its
// Python port, back to back on this machine; then the bar (each lesson's workload against Python and the hardware) read against the numbers.
//
// Usage: node bench/run.mjs [--quick] [--json] [--cases a,b] [--reps N] [--starts N] [--out DIR] [--list]
//   --quick   tiny sizes, one repetition, no kernel/lesson cases unless named (a smoke run)
//   --json    the results as one JSON object on stdout (progress goes to stderr)
//   --cases   only these cases (names as listed by --list)
//   --starts  kernel starts in the first-reply case (default 300; 6 in a quick run)
//   --from-json FILE  write RESULTS.md and the chart again from a saved --json result (no measuring)
//   --out     where RESULTS.md, results.svg and results.json go (default bench/ for a full run; a quick run
//             writes nothing unless --out is given, so it never replaces the committed results)
// Exit status: 0, or 1 when a case failed to run (its error is in the table) or on bad usage.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PYTHON, ROOT, Unavailable, raceLab, runCommand, summarize } from "./lib.mjs";
import fileCounter from "./cases/file-counter.mjs";
import sharedValue from "./cases/shared-value.mjs";
import poolDecorator from "./cases/pool-decorator.mjs";
import noGil from "./cases/no-gil.mjs";
import managerRpc from "./cases/manager-rpc.mjs";
import lockThroughput from "./cases/lock-throughput.mjs";
import spawnCase from "./cases/spawn.mjs";
import kernel from "./cases/kernel.mjs";
import firstReply from "./cases/first-reply.mjs";
import exploreCase from "./cases/explore.mjs";
import transactionsCase from "./cases/transactions.mjs";
import classStatsCase from "./cases/class-stats.mjs";

const CASES = [
  ...fileCounter,
  ...sharedValue,
  ...poolDecorator,
  ...noGil,
  ...managerRpc,
  ...lockThroughput,
  ...spawnCase,
  ...kernel,
  ...firstReply,
  ...exploreCase,
  ...transactionsCase,
  ...classStatsCase,
];
const LESSON_NAMES = Array.from({ length: 10 }, (_, i) => `lesson-0${i}`);

function usage(message) {
  console.error(
    `bench: ${message}\nUsage: node bench/run.mjs [--quick] [--json] [--cases a,b] [--reps N] [--starts N] [--out DIR] [--list] [--from-json FILE]`,
  );
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { quick: false, json: false, cases: null, reps: null, starts: null, out: null, list: false, fromJson: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === "--quick") opts.quick = true;
    else if (a === "--json") opts.json = true;
    else if (a === "--list") opts.list = true;
    else if (a === "--cases")
      opts.cases = value()
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
    else if (a === "--reps") {
      opts.reps = Number(value());
      if (!Number.isInteger(opts.reps) || opts.reps < 1 || opts.reps > 50) usage("--reps takes an integer from 1 to 50");
    } else if (a === "--starts") {
      opts.starts = Number(value());
      if (!Number.isInteger(opts.starts) || opts.starts < 1 || opts.starts > 10_000) usage("--starts takes an integer from 1 to 10000");
    } else if (a === "--out") opts.out = path.resolve(value());
    else if (a === "--from-json") opts.fromJson = path.resolve(value());
    else usage(`unknown argument ${a}`);
  }
  return opts;
}

const progress = (text) => process.stderr.write(`${text}\n`);

// --- formatting ------------------------------------------------------------------------------------

function fmt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}
const rate = (r) => (r === null || r === undefined ? "" : r.toFixed(2));
const spread = (s) => (s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : "—");
/** The Python column: its spread, or "—" with the reason when the port cannot run on this machine. */
const pySpread = (r) => (r.py || !r.pyNote ? spread(r.py) : `— (${r.pyNote})`);

/** TS ÷ Python of the medians, as the metric reads (for M ops/s above 1 means TypeScript is faster). */
function ratioOf(row) {
  return row.ts && row.py && row.py.median > 0 ? row.ts.median / row.py.median : null;
}

/** TS time ÷ Python time: the chart's one scale (below 1: TypeScript faster). */
function timeRatioOf(row) {
  const r = ratioOf(row);
  return r === null || r <= 0 ? null : row.higherIsBetter ? 1 / r : r;
}

function textTable(rows) {
  const head = [
    "case",
    "variant",
    "kind",
    "unit",
    "TS median (min–max)",
    "Python median (min–max)",
    "TS/Py",
    "TS anomalies",
    "Py anomalies",
  ];
  const body = rows.map((r) => [
    r.case,
    r.variant,
    r.kind,
    r.unit,
    r.error ? `ERROR: ${r.error}` : spread(r.ts),
    pySpread(r),
    fmt(ratioOf(r)),
    rate(r.ts?.anomalyRate),
    rate(r.py?.anomalyRate),
  ]);
  const widths = head.map((h, i) => Math.min(70, Math.max(h.length, ...body.map((b) => String(b[i]).length))));
  const line = (cells) => cells.map((c, i) => String(c).slice(0, 70).padEnd(widths[i])).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function mdTable(rows) {
  const esc = (s) => String(s).replace(/\|/g, "\\|");
  const out = [
    "| case | variant | kind | unit | TS median (min–max) | Python median (min–max) | TS/Py | TS anomaly rate | Py anomaly rate |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    out.push(
      `| ${r.case} | ${esc(r.variant)} | ${r.kind} | ${r.unit} | ${r.error ? `**error**: ${esc(r.error)}` : spread(r.ts)} | ${esc(pySpread(r))} | ${fmt(ratioOf(r))} | ${rate(r.ts?.anomalyRate)} | ${rate(r.py?.anomalyRate)} |`,
    );
  }
  return out.join("\n");
}

// --- the bar: each workload against Python and the hardware ----------------------------------------------------------------------------

function find(rows, kase, variantStart) {
  return rows.find((r) => r.case === kase && r.variant.startsWith(variantStart));
}

/** Each bar: what it asks, the measured number, and met / missed / not measured. */
function bars(rows, lessons) {
  const out = [];
  const add = (bar, measured, ok) => out.push({ bar, measured, verdict: ok === null ? "not measured" : ok ? "met" : "MISSED" });

  const fc = find(rows, "file-counter-locked", "lock around work (vs fcntl.flock)");
  if (fc?.ts && fc?.py) {
    const exact = fc.ts.observed.every((v) => v === 3000);
    // How much of the gap is starting the workers: a Node child vs a fork()ed Python (the spawn case).
    const child = find(rows, "spawn", "child process (vs multiprocessing fork)");
    const startGap = child?.ts && child?.py ? child.ts.median - child.py.median : null;
    const note =
      startGap === null
        ? ""
        : `; less the child-start gap of ${fmt(startGap)} ms (spawn case): ${fmt((fc.ts.median - startGap) / fc.py.median)}×`;
    add(
      "file-counter-locked: TS ≤ 1.0× Python's flock, exactly 3000",
      `${fmt(ratioOf(fc))}× (${fmt(fc.ts.median)} vs ${fmt(fc.py.median)} ms)${note}; finals ${[...new Set(fc.ts.observed)].join(", ")}`,
      ratioOf(fc) <= 1.0 && exact,
    );
  } else add("file-counter-locked: TS ≤ 1.0× Python's flock, exactly 3000", "", null);

  const lock2 = find(rows, "lock-throughput", "Lock, 2 threads");
  const atom2 = find(rows, "lock-throughput", "Atomics.add, 2 threads");
  if (lock2?.ts && atom2?.ts) {
    const r = lock2.ts.median / atom2.ts.median;
    const atom1 = find(rows, "lock-throughput", "Atomics.add, 1 thread");
    const lock1 = find(rows, "lock-throughput", "Lock, 1 thread");
    const one = lock1?.ts && atom1?.ts ? `; uncontended, 1 thread: ${fmt(lock1.ts.median / atom1.ts.median)}×` : "";
    add(
      "lock-throughput, 2 threads: Lock ≥ 0.4× Atomics.add",
      `${fmt(r)}× (${fmt(lock2.ts.median)} vs ${fmt(atom2.ts.median)} M ops/s)${one}`,
      r >= 0.4,
    );
  } else add("lock-throughput, 2 threads: Lock ≥ 0.4× Atomics.add", "", null);
  if (lock2?.ts && lock2?.py) {
    add(
      "lock-throughput, 2 threads: Lock ≥ 5× multiprocessing.Lock (2 processes)",
      `${fmt(ratioOf(lock2))}× (${fmt(lock2.ts.median)} vs ${fmt(lock2.py.median)} M ops/s)`,
      ratioOf(lock2) >= 5,
    );
  } else add("lock-throughput, 2 threads: Lock ≥ 5× multiprocessing.Lock (2 processes)", "", null);

  const th = find(rows, "spawn", "worker thread");
  add(
    "spawn: a worker thread in ≤ 50 ms",
    th?.ts ? `${fmt(th.ts.median)} ms (median; min ${fmt(th.ts.min)})` : "",
    th?.ts ? th.ts.median <= 50 : null,
  );

  const ex = find(rows, "explore", "20 schedules");
  add(
    "explore: 20 schedules in ≤ 2 s",
    ex?.ts ? `${fmt(ex.ts.median)} ms (median; max ${fmt(ex.ts.max)})` : "",
    ex?.ts ? ex.ts.median <= 2000 : null,
  );

  const txRow = find(rows, "transactions", "P4 at READ COMMITTED");
  add(
    "transactions: one Hermitage row at one level ≤ 2 s",
    txRow?.ts ? `${fmt(txRow.ts.median)} ms (median; max ${fmt(txRow.ts.max)})` : "",
    txRow?.ts ? txRow.ts.median <= 2000 : null,
  );
  const txTable = find(rows, "transactions", "the whole Hermitage table");
  add(
    "transactions: the whole Hermitage table ≤ 20 s",
    txTable?.ts ? `${fmt(txTable.ts.median / 1000)} s (median; max ${fmt(txTable.ts.max / 1000)} s)` : "",
    txTable?.ts ? txTable.ts.median <= 20_000 : null,
  );
  const txCheck = find(rows, "transactions", "checkHistory");
  add(
    "transactions: checkHistory on 10 000 transactions ≤ 1 s",
    txCheck?.ts ? `${fmt(txCheck.ts.median)} ms (median; max ${fmt(txCheck.ts.max)})` : "",
    txCheck?.ts ? txCheck.ts.median <= 1000 : null,
  );

  const added = find(rows, "class-stats", "what sending adds");
  add(
    "class-stats: a lesson's records sent add ≤ 50 ms",
    added?.ts ? `${fmt(added.ts.median)} ms (median; max ${fmt(added.ts.max)})` : "",
    added?.ts ? added.ts.median <= 50 : null,
  );
  const view = find(rows, "class-stats", "the class view");
  add(
    "class-stats: the class view of 200 students × 14 lessons ≤ 1 s",
    view?.ts ? `${fmt(view.ts.median)} ms (median; max ${fmt(view.ts.max)})` : "",
    view?.ts ? view.ts.median <= 1000 : null,
  );

  const ks = find(rows, "kernel-start", "start → first cell's output");
  add(
    "kernel-start: first cell's output ≤ 3 s",
    ks?.ts ? `${fmt(ks.ts.median / 1000)} s (median; ipykernel ${fmt((ks.py?.median ?? NaN) / 1000)} s)` : "",
    ks?.ts ? ks.ts.median <= 3000 : null,
  );

  if (lessons.length) {
    const slow = lessons.filter((l) => l.ms > 15_000);
    add(
      "every lesson-NN ≤ 15 s",
      slow.length
        ? slow.map((l) => `${l.name} ${fmt(l.ms / 1000)} s`).join(", ")
        : `slowest ${fmt(Math.max(...lessons.map((l) => l.ms)) / 1000)} s`,
      slow.length === 0,
    );
    const total = lessons.reduce((s, l) => s + l.ms, 0);
    const all = lessons.length === LESSON_NAMES.length;
    add(`whole course ≤ 120 s${all ? "" : ` (${lessons.length} notebooks run)`}`, `${fmt(total / 1000)} s`, total <= 120_000);
  } else {
    add("every lesson-NN ≤ 15 s", "", null);
    add("whole course ≤ 120 s", "", null);
  }

  // Unsafe variants: the benchmark's own TypeScript rows, and every "unsafe" runTrials in the lessons.
  const unsafe = [];
  for (const r of rows)
    if (r.kind === "unsafe" && r.ts?.anomalyRate !== null && r.ts?.anomalyRate !== undefined)
      unsafe.push({ what: `${r.case} ${r.variant}`, rate: r.ts.anomalyRate });
  for (const l of lessons)
    for (const rec of l.records ?? [])
      if (rec.variant === "unsafe" && rec.trials > 0) unsafe.push({ what: `${l.name} "${rec.demo}"`, rate: rec.anomalies / rec.trials });
  const low = unsafe.filter((u) => u.rate < 0.9);
  add(
    "unsafe variants: anomaly rate ≥ 0.9 (rare-by-design excluded)",
    unsafe.length === 0
      ? ""
      : low.length
        ? `below: ${low.map((u) => `${u.what} ${u.rate.toFixed(2)}`).join("; ")} (${unsafe.length - low.length}/${unsafe.length} at or above)`
        : `all ${unsafe.length} at or above (lowest ${Math.min(...unsafe.map((u) => u.rate)).toFixed(2)})`,
    unsafe.length ? low.length === 0 : null,
  );
  return out;
}

// --- the goals: what the student waits for --------------------------------------------------------------------------

/** Each goal of what the student waits for beside its figure: met / MISSED / not measured. */
function goals(rows, lessons) {
  const out = [];
  const add = (goal, measured, ok) => out.push({ goal, measured, verdict: ok === null ? "not measured" : ok ? "met" : "MISSED" });
  const ts = (kase, variantStart) => find(rows, kase, variantStart)?.ts ?? null;
  const vs = (a, b) => (a && b ? a.median / b.median : null);

  for (const threads of ["1 thread", "2 threads"]) {
    const lock = ts("lock-throughput", `Lock, ${threads}`);
    const ref = ts("lock-throughput", `reference mutex, ${threads}`);
    const r = vs(lock, ref);
    add(
      `Lock ≥ 0.8× the reference mutex, ${threads}`,
      r === null ? "" : `${fmt(r)}× (${fmt(lock.median)} vs ${fmt(ref.median)} M ops/s)`,
      r === null ? null : r >= 0.8,
    );
  }
  const lock2 = ts("lock-throughput", "Lock, 2 threads");
  const add2 = ts("lock-throughput", "Atomics.add, 2 threads");
  const r2 = vs(lock2, add2);
  add(
    "Lock ≥ 0.3× Atomics.add, 2 threads",
    r2 === null ? "" : `${fmt(r2)}× (${fmt(lock2.median)} vs ${fmt(add2.median)} M ops/s)`,
    r2 === null ? null : r2 >= 0.3,
  );
  const owner = ["1 thread", "2 threads"].map((t) =>
    vs(ts("lock-throughput", `reference mutex + owner checks, ${t}`), ts("lock-throughput", `reference mutex, ${t}`)),
  );
  add(
    "owner checks are cheap: the reference mutex with them ≥ 0.9× without (1 thread)",
    owner[0] === null ? "" : `${fmt(owner[0])}× at 1 thread, ${fmt(owner[1])}× at 2 threads`,
    owner[0] === null ? null : owner[0] >= 0.9,
  );

  const warm = ts("spawn", "worker thread, spares ready");
  add(
    "runThreads of an empty function with spares ready ≤ 2 ms",
    warm ? `${fmt(warm.median)} ms (median; min ${fmt(warm.min)})` : "",
    warm ? warm.median <= 2 : null,
  );

  const trip = find(rows, "manager-rpc", "proxy round trip");
  const echo = ts("manager-rpc", "Unix-socket echo");
  const rt = vs(trip?.ts, echo);
  const beatsPython = trip?.ts && trip?.py ? trip.ts.median < trip.py.median : false;
  const first = ts("manager-rpc", "proxy round trip, a fresh manager's first");
  const firstNote = first && echo ? `; a fresh manager's first 1000 calls ${fmt(first.median / echo.median)}×` : "";
  add(
    "proxy round trip ≤ 1.2× the Unix-socket echo (or faster than Python's)",
    rt === null
      ? ""
      : `${fmt(rt)}× steady (${fmt(trip.ts.median)} vs ${fmt(echo.median)} µs; Python's ${fmt(trip.py?.median)} µs)${firstNote}`,
    rt === null ? null : rt <= 1.2 || beatsPython,
  );

  // Processes: held to the goal with a spare process up (as a lesson's second run finds them), the
  // cold figure (a fork) beside each.
  const warmChild = find(rows, "spawn", "child process, spare ready");
  const coldChild = ts("spawn", "child process (vs multiprocessing fork)");
  add(
    "a child process with a spare ready ≤ 1.2× Python's fork",
    warmChild?.ts && warmChild.py
      ? `${fmt(ratioOf(warmChild))}× (${fmt(warmChild.ts.median)} vs ${fmt(warmChild.py.median)} ms); cold ${fmt(coldChild?.median)} ms`
      : "",
    warmChild?.ts && warmChild.py ? ratioOf(warmChild) <= 1.2 : null,
  );
  const warmManager = find(rows, "manager-rpc", "manager start, spare process ready");
  const coldManager = find(rows, "manager-rpc", "manager start, cold");
  add(
    "manager start with a spare process ready ≤ 1.5× Python's",
    warmManager?.ts && warmManager.py
      ? `${fmt(ratioOf(warmManager))}× (${fmt(warmManager.ts.median)} vs ${fmt(warmManager.py.median)} ms); cold ${fmt(ratioOf(coldManager))}×`
      : "",
    warmManager?.ts && warmManager.py ? ratioOf(warmManager) <= 1.5 : null,
  );
  const clients = rows.filter((r) => r.case === "manager-rpc" && r.variant.startsWith("11 clients") && r.ts && r.py);
  const warmClients = clients.filter((r) => r.variant.endsWith("spare processes ready"));
  const coldClients = clients.filter((r) => r.variant.endsWith(", cold"));
  add(
    "lesson 08's 11-client trials with spare processes ready ≤ 1.5× Python's",
    warmClients.length
      ? `${warmClients.map((r) => `${fmt(ratioOf(r))}×`).join(", ")}; cold ${coldClients.map((r) => `${fmt(ratioOf(r))}×`).join(", ")}`
      : "",
    warmClients.length ? warmClients.every((r) => ratioOf(r) <= 1.5) : null,
  );

  // Held to the goal: the variants as a lesson's cell runs them, with the spare threads up; the
  // kernel's first run of threads (no spares yet) is shown beside them.
  const pool = rows.filter((r) => r.case === "pool-decorator" && r.ts && r.py && !r.variant.includes("cold:"));
  const poolCold = rows.find((r) => r.case === "pool-decorator" && r.ts && r.py && r.variant.includes("cold:"));
  const coldNote = poolCold ? `; a kernel's first run (no spares yet, lock per update) ${fmt(ratioOf(poolCold))}×` : "";
  add(
    "pool-decorator ≤ 2× Python's (every variant, spare threads up)",
    pool.length ? pool.map((r) => `${r.variant} ${fmt(ratioOf(r))}×`).join(", ") + coldNote : "",
    pool.length ? pool.every((r) => ratioOf(r) <= 2) : null,
  );

  const timed = lessons.filter((l) => l.cellTimes);
  if (timed.length) {
    const worstP90 = timed.reduce((a, b) => (b.cellTimes.p90 > a.cellTimes.p90 ? b : a));
    add(
      "every notebook's code cells: 90th percentile ≤ 1.0 s",
      `worst ${worstP90.name} ${fmt(worstP90.cellTimes.p90)} s`,
      worstP90.cellTimes.p90 <= 1.0,
    );
    const untagged = timed.filter((l) => !l.cellTimes.slowestTagged);
    const over = timed.reduce((n, l) => n + l.cellTimes.overLimit, 0);
    const slowest = untagged.length ? untagged.reduce((a, b) => (b.cellTimes.slowest > a.cellTimes.slowest ? b : a)) : null;
    add(
      "every code cell ≤ 2.0 s (one slow-by-design cell per lesson excepted)",
      `${over} cell(s) over the harness's limit${slowest ? `; slowest untagged ${slowest.name} ${fmt(slowest.cellTimes.slowest)} s` : ""}`,
      over === 0 && (!slowest || slowest.cellTimes.slowest <= 2.0),
    );
  } else {
    add("every notebook's code cells: 90th percentile ≤ 1.0 s", "", null);
    add("every code cell ≤ 2.0 s (one slow-by-design cell per lesson excepted)", "", null);
  }
  // Cell time: what the code cells take together (the harness's "all cells"), without the kernel's
  // start and the harness's own work. Lessons 01–10 mirror the Python lessons; 11–14 go beyond them.
  const cellTime = (list) => list.reduce((sum, l) => sum + (l.cellTimes?.total ?? NaN), 0);
  const harness = (list) => `; through the harness ${fmt(list.reduce((sum, l) => sum + l.ms, 0) / 1000)} s`;
  const mirrored = lessons.filter((l) => /^lesson-(0[1-9]|10)$/.test(l.name));
  const ten = cellTime(mirrored);
  add(
    "lessons 01–10 (they mirror the Python): cell time ≤ 50 s",
    mirrored.length === 10 && Number.isFinite(ten) ? `${fmt(ten)} s${harness(mirrored)}` : "",
    mirrored.length === 10 && Number.isFinite(ten) ? ten <= 50 : null,
  );
  const course = cellTime(lessons);
  add(
    `all lessons: cell time ≤ 110 s${lessons.length >= 15 ? "" : ` (${lessons.length} notebooks run)`}`,
    lessons.length && Number.isFinite(course) ? `${fmt(course)} s${harness(lessons)}` : "",
    lessons.length && Number.isFinite(course) ? course <= 110 : null,
  );

  // Judged over at least 300 starts: fewer can miss a loss that comes once in tens of starts.
  const reply = find(rows, "first-reply", "the course's kernel");
  const unanswered = (side) => (side ? `${Math.round(side.anomalyRate * side.n)}/${side.n}` : "—");
  const asInstalled = find(rows, "first-reply", "tslab as installed");
  const judged = reply?.ts && reply.ts.n >= 300;
  add(
    "0 unanswered first requests in 300 kernel starts, three at a time",
    reply?.ts
      ? `${unanswered(reply.ts)} unanswered (tslab as installed ${unanswered(asInstalled?.ts)}, ipykernel ${unanswered(reply.py)})${judged ? "" : "; fewer than 300 starts: not judged"}`
      : "",
    judged ? reply.ts.anomalyRate === 0 : null,
  );
  return out;
}

// --- the chart -------------------------------------------------------------------------------------

async function chartSvg(rows) {
  const points = rows
    .filter((r) => timeRatioOf(r) !== null)
    .map((r) => ({ label: `${r.case}: ${r.variant}`.slice(0, 70), value: Number(timeRatioOf(r).toPrecision(3)) }));
  if (points.length === 0) return null;
  // The library's bar chart spec, drawn on a log scale: ratios from 0.01 to 100 share one chart.
  const spec = raceLab.barChartSpec(points, { title: "TypeScript time ÷ Python time (median; below 1: TypeScript faster)", unit: "×" });
  for (const layer of spec.layer) layer.encoding.x = { ...layer.encoding.x, scale: { type: "log" } };
  spec.layer[0].encoding.x.title = "TS ÷ Python (log scale)";
  spec.width = 360;
  return raceLab.renderVegaLite(spec);
}

// --- main ------------------------------------------------------------------------------------------

async function machine() {
  let python = "not found";
  try {
    python = (await runCommand(PYTHON, ["-c", "import sys; print(sys.version.split()[0])"])).trim();
  } catch {
    // no python3: the Python columns stay empty
  }
  const info = raceLab.machineInfo();
  return {
    cores: info.cores,
    node: info.node,
    python,
    cpu: info.cpuModel,
    memoryGiB: info.memoryGiB,
    platform: `${info.platform}-${info.arch}`,
    tslab: info.tslab ?? "?",
  };
}

async function runCase(c, opts) {
  const reps = opts.reps ?? (opts.quick ? c.reps.quick : c.reps.full);
  const ctx = { reps, quick: opts.quick, starts: opts.starts };
  const started = Date.now();
  let ts = {};
  let py = {};
  let error = null;
  let pyNote = null; // why the Python side cannot run here (its row shows "—" and this)
  try {
    progress(`${c.name}: TypeScript (${reps} rep${reps > 1 ? "s" : ""})…`);
    ts = await c.ts(ctx);
    progress(`${c.name}: Python…`);
    try {
      py = await c.py(ctx);
    } catch (e) {
      if (e instanceof Unavailable) pyNote = e.message;
      else error = `Python side: ${String(e.message).split("\n")[0].slice(0, 300)}`;
    }
  } catch (e) {
    error = String(e.message).split("\n")[0].slice(0, 300);
  }
  const rows = [];
  for (const row of c.rows) {
    if (row.optional && !(row.py && py[row.py])) continue; // e.g. fasteners, when not installed
    rows.push({
      case: c.name,
      variant: row.variant,
      kind: row.kind,
      unit: row.unit,
      higherIsBetter: Boolean(row.higherIsBetter),
      ts: row.ts ? summarize(ts[row.ts]) : null,
      py: row.py ? summarize(py[row.py]) : null,
      ...(row.py && pyNote ? { pyNote } : {}),
      error,
    });
  }
  const extra = c.lesson
    ? {
        lesson: {
          name: c.name,
          ms: ts.notebook?.[0]?.ms,
          passed: ts.notebook?.[0]?.passed,
          records: ts.notebook?.[0]?.records ?? [],
          cellTimes: ts.notebook?.[0]?.cellTimes ?? null,
          memory: ts.notebook?.[0]?.memory ?? null,
          report: ts.notebook?.[0]?.report,
        },
      }
    : {};
  return { name: c.name, title: c.title, reps, seconds: (Date.now() - started) / 1000, rows, ...extra };
}

function resultsMarkdown(result, svgName) {
  const { machine: m, rows, bars: b, lessons } = result;
  const analysisFile = path.join(ROOT, "bench", "ANALYSIS.md");
  const lines = [
    "# Race Lab benchmark results",
    "",
    `Generated by \`npm run bench\` (bench/run.mjs) on ${result.date}${result.quick ? " — QUICK smoke run, tiny sizes: not representative" : ""}. Do not edit by hand: run it again.`,
    "",
    "## Machine",
    "",
    `- ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.platform}`,
    `- Node ${m.node}, Python ${m.python} (the ports; the kernel and the harness use /usr/bin/python3's Jupyter), tslab ${m.tslab}`,
    `- load average (1 min) at start ${result.load.start.toFixed(2)}, at end ${result.load.end.toFixed(2)}: above ${m.cores} means other work shared the cores during the run, and every timing is inflated by it`,
    `- whole run: ${result.seconds.toFixed(0)} s`,
    "",
    "## The bar (each lesson's workload against Python and the hardware)",
    "",
    "| bar | measured | verdict |",
    "| --- | --- | --- |",
    ...b.map((x) => `| ${x.bar} | ${x.measured.replace(/\|/g, "\\|")} | ${x.verdict} |`),
    "",
    "## The goals (what the student waits for)",
    "",
    "| goal | measured | verdict |",
    "| --- | --- | --- |",
    ...result.goals.map((x) => `| ${x.goal} | ${x.measured.replace(/\|/g, "\\|")} | ${x.verdict} |`),
    "",
    "## Results",
    "",
    "Medians over the repetitions (count per case below), min–max in brackets. Times are wall-clock for the whole",
    "operation a student waits for (starting workers included) unless the unit says otherwise; `M ops/s` is higher-is-better",
    "(there TS/Py above 1 means TypeScript is faster). TypeScript runs race-lab's real API (runThreads, runProcesses, Pool,",
    "FileLock, Manager, Value, Lock); Python runs the lesson's port in python/ (imported by bench/python/bench.py).",
    "Anomaly rate: the share of repetitions whose result was wrong (kind `unsafe` should be ≥ 0.9, `rare` is rare by design).",
    "",
    mdTable(rows),
    "",
    `![TypeScript time ÷ Python time](${svgName})`,
    "",
    "Repetitions: " + result.cases.map((c) => `${c.name} ${c.reps}`).join(", ") + ".",
    "",
  ];
  if (lessons.length) {
    lines.push(
      "## Lessons through the harness",
      "",
      "Kernel memory: the kernel process's resident and peak resident memory (VmRSS, VmHWM) at the end of the lesson, and the resident memory of the processes it started then (a lesson's PostgreSQL).",
      "",
      "| lesson | seconds | harness | cells: median / 90th pct / slowest (s) | kernel MiB: resident / peak / its processes | unsafe demos: anomalies/trials |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const l of lessons) {
      const unsafe = (l.records ?? [])
        .filter((r) => r.variant === "unsafe")
        .map((r) => `${r.demo}: ${r.anomalies}/${r.trials}`)
        .join("; ");
      const c = l.cellTimes;
      const cells = c
        ? `${fmt(c.median)} / ${fmt(c.p90)} / ${fmt(c.slowest)} (${c.slowestCell}${c.slowestTagged ? ", slow-by-design" : ""})`
        : "—";
      const mem = l.memory ? `${fmt(l.memory.residentMiB)} / ${fmt(l.memory.peakMiB)} / ${fmt(l.memory.childrenMiB)}` : "—";
      lines.push(
        `| ${l.name} | ${fmt(l.ms / 1000)} | ${l.passed ? "pass" : "FAIL"} | ${cells} | ${mem} | ${unsafe.replace(/\|/g, "\\|")} |`,
      );
    }
    const missing = LESSON_NAMES.filter((n) => !lessons.some((l) => l.name === n));
    lines.push(
      "",
      missing.length ? `Not run (no such notebook yet, or not chosen): ${missing.join(", ")}.` : "Every notebook 00–09 ran.",
      "",
    );
  }
  if (fs.existsSync(analysisFile)) lines.push(fs.readFileSync(analysisFile, "utf8").trim(), "");
  return lines.join("\n");
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.list) {
    for (const c of CASES) console.log(`${c.name.padEnd(24)} ${c.title}`);
    return 0;
  }
  let chosen;
  if (opts.cases) {
    const unknown = opts.cases.filter((n) => !CASES.some((c) => c.name === n));
    for (const n of unknown) {
      if (/^lesson-\d\d$/.test(n)) progress(`${n}: skipped, the notebook does not exist yet`);
      else usage(`unknown case ${n} (see --list)`);
    }
    chosen = CASES.filter((c) => opts.cases.includes(c.name));
  } else {
    chosen = CASES.filter((c) => !(opts.quick && c.heavy));
    if (!opts.quick)
      for (const n of LESSON_NAMES) if (!CASES.some((c) => c.name === n)) progress(`${n}: skipped, the notebook does not exist yet`);
  }
  if (opts.fromJson) {
    const saved = JSON.parse(fs.readFileSync(opts.fromJson, "utf8"));
    saved.bars = bars(saved.rows, saved.lessons); // the bar as this version reads it
    saved.goals = goals(saved.rows, saved.lessons);
    return report(saved, opts);
  }
  const started = Date.now();
  const loadStart = os.loadavg()[0];
  const m = await machine();
  const cases = [];
  for (const c of chosen) cases.push(await runCase(c, opts));
  const rows = cases.flatMap((c) => c.rows);
  const lessons = cases
    .filter((c) => c.lesson)
    .map((c) => c.lesson)
    .filter((l) => l.ms !== undefined);
  const result = {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    quick: opts.quick,
    machine: m,
    load: { start: loadStart, end: os.loadavg()[0] },
    seconds: (Date.now() - started) / 1000,
    cases: cases.map(({ name, title, reps, seconds }) => ({ name, title, reps, seconds })),
    rows: rows.map((r) => ({ ...r, ratio: ratioOf(r) })),
    lessons,
    bars: bars(rows, lessons),
    goals: goals(rows, lessons),
  };

  return report(result, opts);
}

/** Writes RESULTS.md and results.svg (unless a quick run without --out) and prints the result. */
async function report(result, opts) {
  const { machine: m, rows } = result;
  const out = opts.out ?? (result.quick ? null : path.join(ROOT, "bench"));
  if (out) {
    fs.mkdirSync(out, { recursive: true });
    const svg = await chartSvg(rows);
    if (svg) fs.writeFileSync(path.join(out, "results.svg"), svg);
    fs.writeFileSync(path.join(out, "RESULTS.md"), resultsMarkdown(result, "results.svg"));
    fs.writeFileSync(path.join(out, "results.json"), JSON.stringify(result, null, 2) + "\n"); // for --from-json
    progress(`wrote ${path.relative(process.cwd(), path.join(out, "RESULTS.md")) || "RESULTS.md"}${svg ? " and results.svg" : ""}`);
  }
  if (opts.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(
      `\n${m.cores} cores, Node ${m.node}, Python ${m.python}; load ${result.load.start.toFixed(1)} → ${result.load.end.toFixed(1)}; ${result.seconds.toFixed(0)} s\n`,
    );
    console.log(textTable(rows));
    console.log("\nThe bar (each lesson's workload against Python and the hardware):");
    for (const b of result.bars) console.log(`  ${b.verdict.padEnd(12)} ${b.bar}: ${b.measured}`);
    console.log("\nThe goals (what the student waits for):");
    for (const g of result.goals) console.log(`  ${g.verdict.padEnd(12)} ${g.goal}: ${g.measured}`);
  }
  return rows.some((r) => r.error) ? 1 : 0;
}

main().then(
  (code) => {
    // Workers, children and the Manager are ended by each case; exit explicitly so a pending
    // Atomics.waitAsync or timer in the library cannot keep the benchmark alive.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 100).unref();
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
