// Value and SharedArray: type codes, atomic single accesses, the lost update of `v.value += 1`
// (forced with a Sequencer, so it happens every time), the lock that travels with the value.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Lock, RLock, RaceLabError, Sequencer, SharedArray, Value } from "race-lab";
import { TYPE_CODES } from "race-lab/internal";
import { inThreads } from "../helpers/primitives";

describe("Value", () => {
  test("every type code stores its kind of number; integers wrap like C", () => {
    const cases: [keyof typeof TYPE_CODES, number, number][] = [
      ["b", 127 + 1, -128],
      ["B", -1, 255],
      ["h", 32767 + 1, -32768],
      ["H", 65536, 0],
      ["i", 2 ** 31, -(2 ** 31)],
      ["I", -1, 2 ** 32 - 1],
      ["f", 0.1, Math.fround(0.1)],
      ["d", 0.1, 0.1],
    ];
    for (const [type, written, read] of cases) {
      const v = new Value(type, 0);
      v.value = written;
      assert.equal(v.value, read, `type ${type}`);
      assert.equal(v.typed.constructor, TYPE_CODES[type].array);
    }
    assert.equal(new Value("d", 2.5).value, 2.5);
    assert.equal(String(new Value("i", 42)), 'Value("i", 42)');
  });

  test("v.value += 1 from two threads loses an update when the steps interleave (forced every time)", async () => {
    for (let trial = 0; trial < 3; trial++) {
      const v = new Value("i", 0);
      const seq = new Sequencer({ timeoutMs: 20_000 });
      await inThreads(
        (v: Value, seq: Sequencer, first: boolean) => {
          let seen = 0;
          seq.step(first ? 0 : 1, () => (seen = v.value)); // each read is atomic…
          seq.step(first ? 2 : 3, () => (v.value = seen + 1)); // …and each write, but not the pair
        },
        [
          [v, seq, true],
          [v, seq, false],
        ],
      );
      assert.equal(v.value, 1);
    }
  });

  test("getLock() travels with the value: threads that lock it count exactly", async () => {
    const v = new Value("i", 0);
    await inThreads(
      (v: Value, n: number) => {
        for (let i = 0; i < n; i++) v.getLock().withLock(() => (v.value += 1));
      },
      [
        [v, 3000],
        [v, 3000],
        [v, 3000],
      ],
    );
    assert.equal(v.value, 9000);
  });

  test("Atomics.add on .typed needs no lock", async () => {
    const v = new Value("I", 0, { lock: false });
    await inThreads(
      (v: Value, n: number) => {
        for (let i = 0; i < n; i++) Atomics.add(v.typed as Uint32Array, 0, 1);
      },
      [
        [v, 5000],
        [v, 5000],
      ],
    );
    assert.equal(v.value, 10_000);
  });

  test("the lock option: false means no lock; a Lock or RLock is shared", async () => {
    assert.throws(() => new Value("i", 0, { lock: false }).getLock(), RaceLabError);
    const shared = new RLock();
    const a = new Value("i", 0, { lock: shared });
    const b = new Value("d", 0, { lock: shared });
    assert.equal(a.getLock(), shared);
    assert.equal(b.getLock(), shared);
    assert.ok(new Value("i").getLock() instanceof Lock);
    const [sameLock] = await inThreads(
      (a: Value, b: Value) => {
        a.getLock().acquire();
        const heldViaB = b.getLock().acquire(0); // an RLock: the same owner re-enters through b
        b.getLock().release();
        a.getLock().release();
        return heldViaB;
      },
      [[a, b]],
    );
    assert.equal(sameLock, true);
  });
});

describe("SharedArray", () => {
  test("from a length or from values; get/set/toArray/length", () => {
    const zeros = new SharedArray("h", 3);
    assert.deepEqual(zeros.toArray(), [0, 0, 0]);
    const a = new SharedArray("d", [1.5, 2.5]);
    a.set(1, 4);
    assert.equal(a.get(1), 4);
    assert.equal(a.length, 2);
    assert.deepEqual(a.toArray(), [1.5, 4]);
    assert.equal(new SharedArray("B", [256]).get(0), 0); // wraps like C
    assert.equal(new SharedArray("i", 0).length, 0);
  });

  test("threads share it: Atomics.add on .typed and locked read-modify-writes are exact", async () => {
    const a = new SharedArray("i", 2);
    await inThreads(
      (a: SharedArray, n: number) => {
        for (let i = 0; i < n; i++) {
          Atomics.add(a.typed as Int32Array, 0, 1);
          a.getLock().withLock(() => a.set(1, a.get(1) + 1));
        }
      },
      [
        [a, 2000],
        [a, 2000],
        [a, 2000],
      ],
    );
    assert.deepEqual(a.toArray(), [6000, 6000]);
  });

  test("a.set(i, a.get(i) + 1) loses an update when forced to interleave", async () => {
    const a = new SharedArray("i", 1, { lock: false });
    const seq = new Sequencer({ timeoutMs: 20_000 });
    await inThreads(
      (a: SharedArray, seq: Sequencer, first: boolean) => {
        let seen = 0;
        seq.step(first ? 0 : 1, () => (seen = a.get(0)));
        seq.step(first ? 2 : 3, () => a.set(0, seen + 1));
      },
      [
        [a, seq, true],
        [a, seq, false],
      ],
    );
    assert.equal(a.get(0), 1);
    assert.throws(() => a.getLock(), RaceLabError);
  });
});
