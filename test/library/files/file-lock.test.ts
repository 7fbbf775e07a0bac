// FileLock contract, with real child processes (raw fork of ../helpers/file-lock-child.cjs, driven over
// IPC): the counter workload ends exactly right with the lock; without it a forced interleaving
// (both read before either writes) loses an update; timeouts; per-run lock files; travel by path;
// a dead holder's lock is broken.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, fork } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { FileLock, interprocessLocked, LockReleaseError, runThreads, RunTimeoutError, WorkerFailedError } from "race-lab";
import { decodeShared, encodeForProcess, encodeForThread, MainThreadBlockError, RaceLabArgumentError, runFolder } from "race-lab/internal";
import { childPids, isAlive } from "../helpers/run";

const CHILD = path.join(__dirname, "..", "helpers", "file-lock-child.cjs");

interface Child {
  proc: ChildProcess;
  /** The next message of this type (messages that arrived earlier are kept). */
  next(type: string, ms?: number): Promise<any>;
  send(message: object): void;
}

function startChild(): Child {
  const proc = fork(CHILD, [], { env: { ...process.env, RACE_LAB_WORKER: "process" } });
  const inbox: any[] = [];
  const waiting: { type: string; resolve: (m: any) => void }[] = [];
  proc.on("message", (m: any) => {
    const at = waiting.findIndex((w) => w.type === m.type);
    if (at >= 0) waiting.splice(at, 1)[0].resolve(m);
    else inbox.push(m);
  });
  return {
    proc,
    next(type, ms = 20_000) {
      const at = inbox.findIndex((m) => m.type === type);
      if (at >= 0) return Promise.resolve(inbox.splice(at, 1)[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child ${proc.pid} sent no "${type}" within ${ms} ms`)), ms);
        proc.once("exit", (code) => reject(new Error(`child ${proc.pid} exited (${code}) before "${type}"`)));
        waiting.push({ type, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    send(message) {
      proc.send(message);
    },
  };
}

async function stop(...children: Child[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
          c.proc.once("exit", () => resolve());
          c.proc.kill("SIGKILL");
        }),
    ),
  );
}

function counterFile(): string {
  const file = path.join(runFolder("filelock-test"), "counter.txt");
  fs.writeFileSync(file, "0");
  return file;
}

const read = (file: string) => Number(fs.readFileSync(file, "utf8"));

async function countWith(how: "withLock" | "interprocessLocked", ns: number[]): Promise<number> {
  const lock = new FileLock();
  const file = counterFile();
  const children = ns.map(() => startChild());
  try {
    children.forEach((c, i) => c.send({ type: "count", how, n: ns[i], file, lock: encodeForProcess([lock])[0] }));
    await Promise.all(children.map((c) => c.next("done", 60_000)));
  } finally {
    await stop(...children);
  }
  assert.equal(lock.locked(), false, "the lock is free at the end");
  return read(file);
}

test("two processes doing 1000 + 2000 locked increments end at exactly 3000", async () => {
  assert.equal(await countWith("withLock", [1000, 2000]), 3000);
});

test("interprocessLocked(path) wraps a function: four processes, 4 x 250 increments, exactly 1000", async () => {
  assert.equal(await countWith("interprocessLocked", [250, 250, 250, 250]), 1000);
});

/**
 * The same two-step workload ({read; report; wait for go; write}) in two processes: A reads, then B
 * starts. Returns what B read and the final count.
 */
async function handshake(useLock: boolean): Promise<{ bRead: number; final: number }> {
  const lock = new FileLock();
  const file = counterFile();
  const [a, b] = [startChild(), startChild()];
  const start = { type: "start", file, lock: useLock ? encodeForProcess([lock])[0] : undefined };
  try {
    a.send(start);
    assert.equal((await a.next("read")).value, 0);
    b.send(start);
    await b.next("trying");
    let bRead: number | undefined;
    if (!useLock) {
      // Without a lock nothing stops B: wait until it has read too. Both have now read 0, before
      // either writes: the lost update is forced, not left to chance.
      bRead = (await b.next("read")).value;
    } else {
      // B is at (or in) acquire: it cannot read while A holds the lock, however long we wait.
      assert.equal(lock.locked(), true);
    }
    a.send({ type: "go" });
    await a.next("done");
    bRead ??= (await b.next("read")).value as number;
    b.send({ type: "go" });
    await b.next("done");
    return { bRead, final: read(file) };
  } finally {
    await stop(a, b);
  }
}

test("broken variant: without the lock, both read before either writes and one update is lost", async () => {
  const { bRead, final } = await handshake(false);
  assert.equal(bRead, 0, "B read before A wrote");
  assert.equal(final, 1, "two increments, but the second overwrote the first");
});

test("with the FileLock, the same handshake cannot interleave: B reads A's write, no update lost", async () => {
  const { bRead, final } = await handshake(true);
  assert.equal(bRead, 1, "B read only after A wrote and released");
  assert.equal(final, 2);
});

test("acquire with a timeout returns false while another process holds the lock", async () => {
  const lock = new FileLock();
  const [holder, other] = [startChild(), startChild()];
  try {
    holder.send({ type: "hold", lock: encodeForProcess([lock])[0] });
    await holder.next("held");
    other.send({ type: "try", timeoutMs: 100, lock: encodeForProcess([lock])[0] });
    assert.equal((await other.next("tried")).got, false, "blocking acquire(100) in a child");
    assert.equal(await new FileLock(lock.path).acquireAsync(50), false, "acquireAsync(50) here");
    assert.equal(new FileLock(lock.path).acquire(0), false, "acquire(0) only tries");
  } finally {
    await stop(holder, other);
  }
});

test("a holder that dies (SIGKILL) leaves a stale lock that a waiter breaks", async () => {
  const lock = new FileLock();
  const holder = startChild();
  try {
    holder.send({ type: "hold", lock: encodeForProcess([lock])[0] });
    const { pid } = await holder.next("held");
    assert.equal(JSON.parse(fs.readFileSync(lock.path, "utf8")).pid, pid, "the lock file names its holder's pid");
  } finally {
    await stop(holder);
  }
  assert.equal(lock.locked(), true, "the dead holder's lock file is still there");
  assert.equal(await lock.acquireAsync(10_000), true, "the waiter saw the pid gone and broke the lock");
  lock.release();
  assert.equal(lock.locked(), false);
});

test("a FileLock held by a worker thread that its run ended is free again, and its files are gone", async () => {
  const dir = runFolder("thread-holder");
  const lock = new FileLock(path.join(dir, "chosen.lock")); // a chosen path: nothing removes the folder for us
  // Ended by the run's timeout, and ended because a sibling failed.
  await assert.rejects(
    runThreads(
      (l: FileLock) => {
        l.acquire();
        for (;;);
      },
      [[lock]],
      { timeoutMs: 3000 },
    ),
    RunTimeoutError,
  );
  assert.equal(await lock.acquireAsync(2000), true, "the ended thread's lock was never freed");
  lock.release();
  const holdThenFail = (l: FileLock, n: number) => {
    if (n === 1) {
      l.acquire();
      for (;;);
    }
    while (!l.locked()); // the other thread holds it now
    throw new Error("sibling fails");
  };
  await assert.rejects(
    runThreads(
      holdThenFail,
      [
        [lock, 1],
        [lock, 2],
      ],
      { timeoutMs: 30_000 },
    ),
    WorkerFailedError,
  );
  assert.equal(await lock.acquireAsync(2000), true, "the ended thread's lock was never freed");
  lock.release();
  assert.deepEqual(
    fs.readdirSync(dir).filter((name) => /owner-\d+-t\d+-/.test(name)),
    [],
    "the threads' owner files are removed",
  );
});

test("the default lock file is in a fresh per-run temporary folder", () => {
  const a = new FileLock();
  const b = new FileLock();
  assert.notEqual(a.path, b.path, "two default FileLocks are two different locks");
  for (const lock of [a, b]) {
    assert.equal(path.dirname(path.dirname(lock.path)), path.resolve(os.tmpdir()));
    assert.match(path.basename(path.dirname(lock.path)), /^race-lab-filelock-/);
    assert.notEqual(lock.path, path.join(os.tmpdir(), "tmp_lock"));
  }
});

test("a FileLock travels by path, to processes and to threads", async () => {
  const lock = new FileLock();
  const { __module, ...state } = encodeForProcess([lock])[0] as Record<string, unknown>;
  assert.deepEqual(state, { __raceLab: "FileLock", path: lock.path });
  assert.match(String(__module), /[\\/]files[\\/]file-lock\.js$/, "the state names the file that defines its kind");
  const revived = decodeShared(encodeForThread([lock])[0]) as FileLock;
  assert.ok(revived instanceof FileLock);
  assert.equal(revived.path, lock.path);

  const child = startChild();
  try {
    child.send({ type: "state", lock: encodeForProcess([lock])[0] });
    assert.deepEqual(await child.next("state"), { type: "state", path: lock.path, isFileLock: true });
  } finally {
    await stop(child);
  }

  // A worker thread gets the lock by path too, and blocks on it until we release.
  assert.equal(lock.acquire(0), true);
  const worker = new Worker(
    `const { parentPort, workerData } = require("worker_threads");
     const lock = require("race-lab/internal").decodeShared(workerData.lock);
     parentPort.postMessage(lock.acquire(20) ? "early" : "waited");
     const got = lock.acquire(10000); lock.release(); parentPort.postMessage(got ? "got" : "timeout");`,
    { eval: true, workerData: { lock: encodeForThread([lock])[0] } },
  );
  const messages: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    worker.on("message", (m) => {
      messages.push(m);
      if (m === "waited") lock.release();
      if (messages.length === 2) resolve();
    });
    worker.on("error", reject);
  });
  await done;
  await worker.terminate();
  assert.deepEqual(messages, ["waited", "got"]);
});

test("misuse: blocking on the main thread, releasing what is not held, re-entering, bad paths", async () => {
  const lock = new FileLock();
  assert.throws(() => lock.acquire(), MainThreadBlockError);
  assert.throws(() => lock.withLock(() => 1), MainThreadBlockError);
  assert.throws(() => lock.release(), LockReleaseError);
  assert.equal(await lock.acquireAsync(1000), true);
  await assert.rejects(lock.acquireAsync(10), /not re-entrant/);
  lock.release();
  assert.throws(() => lock.release(), LockReleaseError, "a second release");
  assert.equal(await lock.withLockAsync(async () => lock.locked()), true);
  assert.equal(lock.locked(), false, "withLockAsync released");
  await assert.rejects(
    lock.withLockAsync(() => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(lock.locked(), false, "released after an error too");
  assert.throws(() => new FileLock(""), RaceLabArgumentError);
  assert.throws(() => lock.acquire(-1), RaceLabArgumentError);
  // On the main thread the wrapped function returns a Promise (it must not block here).
  const wrapped = interprocessLocked(lock)((x: number) => x * 2);
  assert.equal(await wrapped(21), 42);
  assert.equal(lock.locked(), false);
});

/** Our children still around (tsx keeps an esbuild helper process of its own: not ours). */
export function ourChildren(): number[] {
  return childPids().filter((pid) => {
    try {
      return !isAlive(pid) || !fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("esbuild");
    } catch {
      return false;
    }
  });
}

test("no child process is left behind", () => {
  assert.deepEqual(ourChildren(), []);
});
