// Tests of Pool: map / starmap spread over at most `workers` workers, results in item order.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as raceLab from "race-lab";
import { Pool, RunTimeoutError, WorkerFailedError, partial } from "race-lab";
import { NotSharableError, RaceLabArgumentError } from "race-lab/internal";
import { NOTHING_LEFT, settledLeftovers } from "../helpers/run";

declare const race_lab_1: typeof raceLab;

test("map gives results in item order, spreading items over at most `workers` workers", async () => {
  const pool = new Pool(2, { kind: "thread" });
  const seen = await pool.map((n: number) => ({ n, worker: race_lab_1.currentWorker() }), [10, 20, 30, 40, 50]);
  assert.deepEqual(
    seen.map((s) => s.n),
    [10, 20, 30, 40, 50],
  );
  assert.ok(seen.every((s) => s.worker.of === 2 && s.worker.readyAtStart === 2));
  // Contiguous shares, each run in order by one worker.
  assert.deepEqual(
    seen.map((s) => s.worker.number),
    [1, 1, 2, 2, 2],
  );
  // Fewer items than workers: only as many workers as items.
  const few = await new Pool(8, { kind: "thread" }).map(() => race_lab_1.currentWorker().of, [1, 2]);
  assert.deepEqual(few, [2, 2]);
  assert.deepEqual(await pool.map((n: number) => n, []), []);
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("the default pool is of processes, like Python's multiprocessing.Pool", async () => {
  const pool = new Pool(2);
  assert.equal(pool.kind, "process");
  const pids = await pool.map(async (n: number) => [n, process.pid], [1, 2, 3]);
  assert.deepEqual(
    pids.map(([n]) => n),
    [1, 2, 3],
  );
  assert.ok(pids.every(([, pid]) => pid !== process.pid));
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("starmap spreads argument lists; shared memory reaches thread workers live", async () => {
  const balance = new Int32Array(new SharedArrayBuffer(4));
  const results = await new Pool(2, { kind: "thread" }).starmap(
    (b: Int32Array, amount: number) => Atomics.add(b, 0, amount) >= 0,
    Array(500).fill([balance, 10]),
  );
  assert.equal(results.length, 500);
  assert.equal(balance[0], 5000);
  await assert.rejects(
    new Pool(2).starmap((b: Int32Array) => b, [[balance]]),
    NotSharableError,
  );
});

test("map with partial, as Python's Pool(2).map(partial(work, filename=f), [1000, 2000])", async () => {
  function work(count: number, filename: string) {
    return `${filename}:${count}`;
  }
  assert.deepEqual(await new Pool(2).map(partial(work, { filename: "f" }), [1000, 2000]), ["f:1000", "f:2000"]);
});

test("a failing item or a timeout ends every pool worker", async () => {
  await assert.rejects(
    new Pool(3, { kind: "thread", timeoutMs: 20_000 }).map(
      (n: number) => {
        if (n === 3) throw new Error("bad item"); // the first item of worker 2's share [3, 4]
        for (;;);
      },
      [1, 2, 3, 4, 5, 6],
    ),
    (e: Error) => e instanceof WorkerFailedError && e.message === "thread 2 failed: Error: bad item",
  );
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
  await assert.rejects(
    new Pool(2, { timeoutMs: 200 }).map(() => {
      for (;;);
    }, [1, 2]),
    (e: Error) =>
      e instanceof RunTimeoutError && /run 'Pool.map\(anonymous function\)' timed out after 200 ms: process 1, process 2/.test(e.message),
  );
  assert.deepEqual(await settledLeftovers(), NOTHING_LEFT);
});

test("bad input is refused with RaceLabArgumentError naming the argument", async () => {
  assert.throws(() => new Pool(0), /workers must be an integer from 1 to 64/);
  assert.throws(() => new Pool(65), RaceLabArgumentError);
  assert.throws(() => new Pool(1.5), RaceLabArgumentError);
  assert.throws(() => new Pool("2" as any), RaceLabArgumentError);
  assert.throws(() => new Pool(2, { kind: "fiber" as any }), /options.kind must be one of thread, process/);
  assert.throws(() => new Pool(2, { timeoutMs: -1 }), /options.timeoutMs must be/);
  assert.throws(() => new Pool(2, { processes: 2 } as any), /options.processes must be one of the options/);
  assert.throws(() => new Pool(2, null as any), RaceLabArgumentError);
  const pool = new Pool(2, { kind: "thread" });
  await assert.rejects(pool.map("fn" as any, [1]), /fn must be a function/);
  await assert.rejects(
    pool.map((x: number) => x, "abc" as any),
    /items must be an array/,
  );
  await assert.rejects(
    pool.starmap((x: number) => x, [1] as any),
    /argLists\[0\] must be an array of arguments/,
  );
  await assert.rejects(
    pool.map((x: unknown) => x, [Math.max]),
    /items\[0\]\[0\] must be data, shared objects, or a function written in the notebook/,
  );
  assert.deepEqual(await pool.map((f: (n: number) => number) => f(2), [(n: number) => n * 5]), [10]);
});
