// manager-rpc: lesson 08. A connection pool hosted in a Manager's server process: one proxy call's
// round trip, and 11 client processes leasing from 10 connections without a delay (duplicates are
// rare), with the read-pop window widened by a random 0-20 ms delay (duplicates), and with a lock and
// a bounded semaphore in the server (none). Python: the port's BaseManager. Beside the round trip, the
// transport's floor: a bare Unix-socket echo between two Node processes (socket-echo.mjs).
import { pythonCase, raceLab, timed } from "../lib.mjs";
import { openSocketEcho } from "./socket-echo.mjs";

const { keepProcessesReady, Manager, runProcesses } = raceLab;

// Lesson 08's ConnectionPool (no lock anywhere), plus ping() for the round trip.
class ConnectionPool {
  constructor(size, maxDelayMs) {
    this.ready = Array.from({ length: size }, (_, i) => i);
    this.leased = [];
    this.maxDelayMs = maxDelayMs;
  }
  async get() {
    if (this.ready.length === 0) throw new Error("no connections available");
    const conn = this.ready[this.ready.length - 1]; // read ...
    if (this.maxDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * this.maxDelayMs)); // ... the window ...
    this.ready.pop(); // ... pop: no lock in between
    this.leased.push(conn);
    return conn;
  }
  ping() {
    return null;
  }
  readyCount() {
    return this.ready.length;
  }
}

// Lesson 08's fixed pool: an AsyncLock around read-pop, a bounded Semaphore for the leases.
class LockedPool {
  constructor(size, maxDelayMs) {
    const { AsyncLock, Semaphore } = require("race-lab");
    this.ready = Array.from({ length: size }, (_, i) => i);
    this.leased = [];
    this.maxDelayMs = maxDelayMs;
    this.lock = new AsyncLock();
    this.slots = new Semaphore(size, { bounded: true });
  }
  async get() {
    if (!(await this.slots.acquireAsync(0))) throw new Error("no connections available");
    return this.lock.withLock(async () => {
      const conn = this.ready[this.ready.length - 1];
      await new Promise((resolve) => setTimeout(resolve, Math.random() * this.maxDelayMs));
      this.ready.pop();
      this.leased.push(conn);
      return conn;
    });
  }
  readyCount() {
    return this.ready.length;
  }
}

async function client(pool) {
  try {
    return String(await pool.get());
  } catch (error) {
    return `error: ${error.message}`;
  }
}

async function poolTrial(manager, PoolClass, maxDelayMs) {
  const pool = await manager.create(PoolClass, 10, maxDelayMs);
  const results = await runProcesses(
    client,
    Array.from({ length: 11 }, () => [pool]),
    { prefixOutput: false, timeoutMs: 60_000 },
  );
  const ids = results.filter((r) => !r.startsWith("error"));
  const distinct = new Set(ids).size;
  return { duplicates: ids.length - distinct, lost: 10 - (await pool.readyCount()) - distinct };
}

async function runTs({ reps, quick }) {
  const calls = quick ? 200 : 1000;
  const warmupCalls = quick ? 200 : 3000;
  const blocks = quick ? 1 : 5;
  const out = {
    "manager start": [],
    "manager start, cold": [],
    "round trip": [],
    "round trip, first calls": [],
    "socket echo": [],
    "no delay": [],
    "widened window": [],
    "lock in the server": [],
    "no delay, cold": [],
    "widened window, cold": [],
    "lock in the server, cold": [],
  };
  for (let rep = 0; rep < reps; rep++) {
    // Cold: a fork of the server; then warm: a spare process, up before the clock starts, told to serve.
    await keepProcessesReady(0);
    const cold = await timed(() => Manager.start({ timeoutMs: 60_000 }));
    out["manager start, cold"].push({ ms: cold.ms });
    await cold.result.shutdown();
    await keepProcessesReady(1);
    const { ms, result: manager } = await timed(() => Manager.start({ timeoutMs: 60_000 }));
    out["manager start"].push({ ms });
    try {
      const probe = await manager.create(ConnectionPool, 10, 0);
      await probe.ping(); // connect, as the port does
      // A fresh manager's first calls run both sides' call path in V8's interpreter until it has been
      // optimized (measured: ~2× the steady cost over the first 1000 calls, falling over the next
      // 3000): what a lesson's cell of a few hundred calls sees.
      const first = await timed(async () => {
        for (let i = 0; i < calls; i++) await probe.ping();
      });
      out["round trip, first calls"].push({ value: (first.ms * 1000) / calls });
      // Then the steady cost, after a warm-up as the echo below gets one (its path is a few lines, so
      // 100 calls warm it; the proxy's runs through the client, the framing and the server). Proxy and
      // echo blocks take turns, so that both see the same machine: a round trip is two wake-ups of
      // sleeping processes, and its time swings with the machine's other work (71-203 µs for the echo
      // across the three repetitions of one full run).
      for (let i = 0; i < warmupCalls; i++) await probe.ping();
      const echo = await openSocketEcho();
      try {
        for (let block = 0; block < blocks; block++) {
          const t = await timed(async () => {
            for (let i = 0; i < calls; i++) await probe.ping();
          });
          out["round trip"].push({ value: (t.ms * 1000) / calls });
          out["socket echo"].push({ value: await echo.roundTrips(calls) });
        }
      } finally {
        echo.close();
      }
      for (const [name, PoolClass, delay, locked] of [
        ["no delay", ConnectionPool, 0, false],
        ["widened window", ConnectionPool, 20, false],
        ["lock in the server", LockedPool, 20, true],
      ]) {
        for (const [row, spares] of [
          [name, 11],
          [`${name}, cold`, 0],
        ]) {
          await keepProcessesReady(spares); // up before the clock starts (0: every client forked cold)
          const trial = await timed(() => poolTrial(manager, PoolClass, delay));
          const bad = trial.result.duplicates + (locked ? trial.result.lost : 0);
          out[row].push({ ms: trial.ms, observed: trial.result.duplicates, anomaly: bad > 0 });
        }
      }
    } finally {
      await manager.shutdown();
    }
  }
  await keepProcessesReady(0);
  await keepProcessesReady(); // the default again, for the cases that follow
  return out;
}

export default [
  {
    name: "manager-rpc",
    title: "a pool of 10 connections in a Manager, 11 client processes through proxies",
    reps: { full: 3, quick: 1 },
    rows: [
      { variant: "manager start, spare process ready", ts: "manager start", py: "manager start", kind: "cost", unit: "ms" },
      { variant: "manager start, cold (a fork)", ts: "manager start, cold", py: "manager start", kind: "cost", unit: "ms" },
      { variant: "proxy round trip (steady: after 3000 calls)", ts: "round trip", py: "round trip", kind: "cost", unit: "µs" },
      {
        variant: "proxy round trip, a fresh manager's first 1000 calls",
        ts: "round trip, first calls",
        py: "round trip",
        kind: "cost",
        unit: "µs",
      },
      {
        variant: "Unix-socket echo, two Node processes (the transport's floor; vs the proxy round trip)",
        ts: "socket echo",
        py: "round trip",
        kind: "cost",
        unit: "µs",
      },
      { variant: "11 clients, no delay (duplicates), spare processes ready", ts: "no delay", py: "no delay", kind: "rare", unit: "ms" },
      { variant: "11 clients, no delay (duplicates), cold", ts: "no delay, cold", py: "no delay", kind: "rare", unit: "ms" },
      {
        variant: "11 clients, window widened 0-20 ms (duplicates), spare processes ready",
        ts: "widened window",
        py: "widened window",
        kind: "unsafe",
        unit: "ms",
      },
      {
        variant: "11 clients, window widened 0-20 ms (duplicates), cold",
        ts: "widened window, cold",
        py: "widened window",
        kind: "unsafe",
        unit: "ms",
      },
      {
        variant: "11 clients, lock + semaphore in the server, spare processes ready",
        ts: "lock in the server",
        py: "lock in the server",
        kind: "safe",
        unit: "ms",
      },
      {
        variant: "11 clients, lock + semaphore in the server, cold",
        ts: "lock in the server, cold",
        py: "lock in the server",
        kind: "safe",
        unit: "ms",
      },
    ],
    ts: runTs,
    py: (ctx) => pythonCase("manager-rpc", ctx),
  },
];
