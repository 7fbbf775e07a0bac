// Functions wrapped so that every call holds a lock — locked(lock, fn) and interprocessLocked(path)(fn),
// Python's decorated functions — travel to threads and processes with their lock: the wrapper is
// rebuilt on the other side, so each call there really holds the lock (checked from inside the call,
// not by timing), alone or under partial().
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { FileLock, Lock, Pool, Value, interprocessLocked, locked, partial, runProcesses, runThreads } from "race-lab";
import { NotSharableError, removeRunFolder, runFolder } from "race-lab/internal";

test("locked(lock, fn) runs in a thread holding the lock that travelled with it", async () => {
  const value = new Value("i", 0);
  // Reports, from inside the call, whether the value's lock is held: only the rebuilt wrapper holds it.
  const heldInside = locked(value.getLock(), function heldInside(v: Value) {
    return v.getLock().locked();
  });
  function bare(v: Value) {
    return v.getLock().locked();
  }
  assert.deepEqual(await runThreads(heldInside, [[value], [value]]), [true, true]);
  assert.deepEqual(await runThreads(bare, [[value]]), [false], "the check can fail: without the wrapper the lock is free");
  assert.equal(value.getLock().locked(), false, "released after each call");
});

test("an async locked function travels too, and partial() keeps the lock", async () => {
  const value = new Value("i", 0);
  const heldInside = locked(value.getLock(), async function heldInside(v: Value, label: string) {
    return `${label}:${v.getLock().locked()}`;
  });
  assert.deepEqual(await new Pool(2, { kind: "thread" }).map(partial(heldInside, { v: value }), ["a", "b"]), ["a:true", "b:true"]);
});

test("interprocessLocked(path)(fn) runs in child processes holding the file lock, also under partial()", async () => {
  const dir = runFolder("guarded");
  try {
    const lockPath = path.join(dir, "work.lock");
    // While a FileLock is held its lock file exists; the call reports what it sees.
    const heldInside = interprocessLocked(lockPath)(function heldInside(n: number, where: string) {
      return [n, require("fs").existsSync(where)];
    });
    assert.deepEqual(await new Pool(2, { kind: "process" }).map(partial(heldInside, { where: lockPath }), [1, 2]), [
      [1, true],
      [2, true],
    ]);
    assert.equal(existsSync(lockPath), false, "released after each call");
    assert.equal(new FileLock(lockPath).locked(), false);
  } finally {
    removeRunFolder(dir);
  }
});

test("a function guarded by an in-memory Lock cannot go to a process, and says why", async () => {
  const guardedByMemory = locked(new Lock(), function guardedByMemory() {
    return 1;
  });
  await assert.rejects(runProcesses(guardedByMemory, [[]]), NotSharableError);
});
