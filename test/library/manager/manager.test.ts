// Manager contract: create/call/errors, Queue, Lock, Semaphore across real child processes (raw fork
// of ../helpers/run-source-child.cjs) and a thread; a racy method with an awaited step hands out
// duplicates and the server-side Lock fixes it (forced with a gate, not timing); shutdown, SIGINT and
// a killed parent leave no server process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { ManagedQueue, Manager } from "race-lab";
import { encodeForProcess, encodeForThread, ManagedLock, ManagerError, RaceLabArgumentError, RemoteError } from "race-lab/internal";
import { childPids, isAlive } from "../helpers/run";

const RUN_SOURCE = path.join(__dirname, "..", "helpers", "run-source-child.cjs");
const PARENT = path.join(__dirname, "..", "helpers", "manager-parent.cjs");

/** Runs `fn(...args)` in a fresh child process (shared objects travel encoded); resolves its result. */
function inChild<R>(fn: (...args: any[]) => Promise<R> | R, args: unknown[]): Promise<R> {
  const child = fork(RUN_SOURCE, [], { env: { ...process.env, RACE_LAB_WORKER: "process" } });
  return new Promise<R>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the child did not answer within 20 s"));
    }, 20_000);
    child.once("message", (m: any) => {
      clearTimeout(timer);
      if (m.type === "result") resolve(m.result);
      else reject(Object.assign(new Error(m.message), { name: m.name }));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${code}) without answering`));
    });
    child.send({ source: fn.toString(), args: encodeForProcess(args) });
  });
}

async function until(ready: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  for (let waited = 0; !(await ready()); waited += 5) {
    if (waited > ms) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function ourChildren(): number[] {
  return childPids().filter((pid) => {
    try {
      return !isAlive(pid) || !fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("esbuild");
    } catch {
      return false;
    }
  });
}

class ConnectionPool {
  free: string[];
  constructor(size: number) {
    this.free = Array.from({ length: size }, (_, i) => `conn-${i + 1}`);
  }
  get(): string {
    if (this.free.length === 0) throw new RangeError("the pool is empty");
    return this.free.pop()!;
  }
  put(conn: string): void {
    this.free.push(conn);
  }
  size(): number {
    return this.free.length;
  }
}

/**
 * The lesson 08 race, made deterministic: `take` reads the last free connection, then awaits (a gate
 * the test opens, standing in for a random delay) before popping. Another client's `take` can run in
 * that gap and read the same connection.
 */
class GatedPool {
  free = ["conn-1", "conn-2", "conn-3"];
  readers = 0;
  private open!: () => void;
  private gate = new Promise<void>((resolve) => (this.open = resolve));
  async take(): Promise<string> {
    const conn = this.free[this.free.length - 1];
    this.readers++;
    await this.gate;
    this.free.pop();
    return conn;
  }
  readCount(): number {
    return this.readers;
  }
  openGate(): void {
    this.open();
  }
}

test("create: a class travels as source; methods are async RPCs; errors come back with their message", async () => {
  const manager = await Manager.start({ timeoutMs: 10_000 });
  try {
    const pool = await manager.create(ConnectionPool, 2);
    assert.equal(String(pool), "<proxy of ConnectionPool #1 in the manager>");
    assert.equal(await pool.get(), "conn-2");
    await pool.put("conn-9");
    assert.equal(await pool.size(), 2);
    assert.equal(await pool.get(), "conn-9");
    await pool.get();
    await assert.rejects(pool.get(), (e: Error) => {
      assert.ok(e instanceof RemoteError);
      assert.equal(e.message, "the pool is empty");
      assert.equal(e.remoteName, "RangeError");
      assert.equal(e.call, "ConnectionPool.get()");
      return true;
    });
    await assert.rejects((pool as any).nothing(), /ConnectionPool has no method nothing\(\)/);
    await assert.rejects((pool as any).free(), /ConnectionPool.free is not a method/);
    assert.throws(() => {
      (pool as any).free = [];
    }, /lives in the manager's process/);
    const us = await manager.ping();
    assert.ok(us > 0 && Number.isFinite(us), "ping gives the round trip in µs");
    await assert.rejects(manager.create(Math.max as any), RaceLabArgumentError);
  } finally {
    await manager.shutdown();
  }
});

test("proxies travel to child processes and threads, which connect their own clients", async () => {
  const manager = await Manager.start({ timeoutMs: 10_000 });
  try {
    const pool = await manager.create(ConnectionPool, 3);
    const q = await manager.Queue<string>();
    const got = await Promise.all([
      inChild(
        async (pool: any, q: any) => {
          const conn = await pool.get();
          await q.put(`child ${process.pid} took ${conn}`);
          return conn;
        },
        [pool, q],
      ),
      inChild(async (pool: any) => pool.get(), [pool]),
    ]);
    assert.deepEqual([...got].sort(), ["conn-2", "conn-3"]);
    assert.match(await q.get(1000), /^child \d+ took conn-[23]$/);

    const worker = new Worker(
      `const { parentPort, workerData } = require("worker_threads");
       const [pool] = require("race-lab/internal").decodeShared(workerData);
       pool.get().then((c) => parentPort.postMessage(c), (e) => parentPort.postMessage("error: " + e.message));`,
      { eval: true, workerData: encodeForThread([pool]) },
    );
    const fromThread = await new Promise((resolve) => worker.once("message", resolve));
    await worker.terminate();
    assert.equal(fromThread, "conn-1");
  } finally {
    await manager.shutdown();
  }
});

test("manager.Queue: put/get in order, get times out with Empty, maxsize put times out with Full", async () => {
  const manager = await Manager.start({ timeoutMs: 10_000 });
  try {
    const q = await manager.Queue<{ n: number }>();
    assert.ok(q instanceof ManagedQueue);
    assert.equal(await q.empty(), true);
    await q.put({ n: 1 });
    await q.put({ n: 2 });
    assert.equal(await q.qsize(), 2);
    assert.deepEqual([await q.get(), await q.get()], [{ n: 1 }, { n: 2 }]);
    await assert.rejects(q.get(30), (e: Error) => e instanceof RemoteError && e.remoteName === "Empty");
    // A get waiting in the server receives an item put later (by another process).
    const waiting = q.get(10_000);
    await inChild(async (q: any) => q.put({ n: 3 }), [q]);
    assert.deepEqual(await waiting, { n: 3 });

    const small = await manager.Queue({ maxsize: 1 });
    await small.put("a");
    await assert.rejects(small.put("b", 30), (e: Error) => e instanceof RemoteError && e.remoteName === "Full");
    assert.equal(await small.get(100), "a");
    await assert.rejects(manager.Queue({ maxsize: -1 }), RaceLabArgumentError);
  } finally {
    await manager.shutdown();
  }
});

test("manager.Lock works across processes; timeouts; only the holder releases; a dying holder frees it", async () => {
  const manager = await Manager.start({ timeoutMs: 10_000 });
  try {
    const lock = await manager.Lock();
    assert.ok(lock instanceof ManagedLock);
    assert.equal(await lock.acquire(), true);
    assert.equal(await lock.locked(), true);
    assert.equal(await inChild(async (lock: any) => lock.acquire(50), [lock]), false, "another process times out");
    await assert.rejects(
      inChild(async (lock: any) => lock.release(), [lock]),
      /another process \(or thread\) holds this manager Lock/,
    );
    await lock.release();
    await assert.rejects(lock.release(), (e: Error) => e instanceof RemoteError && e.remoteName === "LockReleaseError");
    // A child takes it and exits without releasing: the server frees it when the connection closes.
    assert.equal(await inChild(async (lock: any) => lock.acquire(1000), [lock]), true);
    assert.equal(await lock.acquire(5000), true, "freed when its holder's process ended");
    await lock.release();
    assert.equal(await lock.withLock(async () => lock.locked()), true);
    assert.equal(await lock.locked(), false);

    const slots = await manager.Semaphore(2);
    assert.equal(await slots.acquire(), true);
    assert.equal(await slots.acquire(), true);
    assert.equal(await slots.acquire(20), false);
    await slots.release(2);
    assert.equal(await slots.value(), 2);
  } finally {
    await manager.shutdown();
  }
});

/** Two child processes take a connection each from a GatedPool, with or without the manager Lock. */
async function twoTakers(withLock: boolean): Promise<string[]> {
  const manager = await Manager.start({ timeoutMs: 10_000 });
  try {
    const pool = await manager.create(GatedPool);
    const lock = await manager.Lock();
    const take = async (pool: any, lock: any, withLock: boolean) => (withLock ? lock.withLock(() => pool.take()) : pool.take());
    const takers = [inChild(take, [pool, lock, withLock]), inChild(take, [pool, lock, withLock])];
    if (!withLock) {
      // Both have read the same last connection before either pops: the race is forced.
      await until(async () => (await pool.readCount()) === 2, "both takers to read");
    } else {
      // One taker is inside take(); the other cannot enter while it holds the lock.
      await until(async () => (await pool.readCount()) === 1, "the first taker to read");
    }
    await pool.openGate();
    return await Promise.all(takers);
  } finally {
    await manager.shutdown();
  }
}

test("broken variant: a method that awaits between read and pop hands one connection to two processes", async () => {
  assert.deepEqual(await twoTakers(false), ["conn-3", "conn-3"]);
});

test("the server-side Lock around the racy method gives two different connections", async () => {
  assert.deepEqual((await twoTakers(true)).sort(), ["conn-2", "conn-3"]);
});

test("shutdown ends the server process; calls after it fail clearly", async () => {
  const manager = await Manager.start({ timeoutMs: 10_000 });
  const pool = await manager.create(ConnectionPool, 1);
  const pid = manager.pid!;
  assert.ok(ourChildren().includes(pid));
  await manager.shutdown();
  assert.equal(isAlive(pid), false);
  assert.ok(!ourChildren().includes(pid));
  assert.equal(fs.existsSync(manager.socketPath), false, "its socket folder is removed");
  await assert.rejects(pool.get(), (e: Error) => e instanceof ManagerError && /shut down/.test(e.message));
  await manager.shutdown(); // twice is fine
});

for (const [how, signal] of [
  ["SIGINT (Ctrl-C, the kernel's interrupt)", "SIGINT"],
  ["SIGKILL of the parent (the server sees its parent disconnect)", "SIGKILL"],
] as const) {
  test(`the server ends with its parent: ${how}`, async () => {
    const parent = fork(PARENT, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => parent.once("exit", (_code, sig) => resolve(sig)));
    const started: any = await new Promise((resolve, reject) => {
      parent.once("message", resolve);
      parent.once("exit", (code) => reject(new Error(`the parent exited (${code}) before starting its manager`)));
    });
    assert.equal(started.item, "alive");
    assert.ok(isAlive(started.serverPid));
    parent.kill(signal);
    assert.equal(await exited, signal, `the parent ended by ${signal}`);
    await until(() => !isAlive(started.serverPid), `the server ${started.serverPid} to end`);
  });
}

test("no child process is left behind", () => {
  assert.deepEqual(ourChildren(), []);
});
