// Tests of how functions travel: source, rebuild, the TravelError, partial.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Pool,
  TravelError,
  functionSource,
  packFunction,
  partial,
  rebuildFunction,
  runProcesses,
  runThreads,
  unpackFunction,
} from "race-lab";
import { RaceLabArgumentError, parameterNames } from "race-lab/internal";

test("functionSource gives an expression for functions, arrows and method shorthands", () => {
  const arrow = (x: number) => x + 1;
  assert.equal(rebuildFunction(functionSource(arrow))(1), 2);
  const methods = {
    work(x: number) {
      return x * 2;
    },
    async later(x: number) {
      return x * 3;
    },
    *count() {
      yield 1;
      yield 2;
    },
    delete(x: number) {
      return x - 1;
    },
  };
  assert.match(functionSource(methods.work), /^function work\(x\)/);
  assert.equal(rebuildFunction(functionSource(methods.work))(4), 8);
  assert.match(functionSource(methods.later), /^async function later/);
  assert.deepEqual([...rebuildFunction(functionSource(methods.count))()], [1, 2]);
  assert.equal(rebuildFunction(functionSource(methods.delete))(4), 3);
  class Account {
    deposit(amount: number) {
      return amount;
    }
  }
  assert.equal(rebuildFunction(functionSource(Account.prototype.deposit))(5), 5);
});

test("functionSource refuses what cannot travel", () => {
  assert.throws(
    () => functionSource(Math.max),
    (e: Error) => e instanceof TravelError && /\[native code\]/.test(e.message),
  );
  assert.throws(() => functionSource(((x: number) => x).bind(null)), TravelError);
  const withGetter = Object.getOwnPropertyDescriptor(
    {
      get size() {
        return 1;
      },
    },
    "size",
  )!.get!;
  assert.throws(() => functionSource(withGetter), TravelError);
  assert.throws(() => functionSource("x" as any), RaceLabArgumentError);
});

test("rebuildFunction turns a missing outer name into a TravelError in plain words", async () => {
  const work = rebuildFunction("function work(n) { return n + balance; }", "work");
  assert.throws(
    () => work(1),
    (e: Error) => {
      assert.ok(e instanceof TravelError);
      assert.equal(
        e.message,
        "`work` uses `balance`, which did not travel with it. A function sent to a thread or process travels as its " +
          "source code only (Python pickles functions by reference the same way, so it has the same rule): pass `balance` as an argument.",
      );
      return true;
    },
  );
  // async functions too; other ReferenceErrors are left alone
  await assert.rejects(rebuildFunction("async (n) => n + missing")(1), /the function uses `missing`/);
  assert.throws(
    () => rebuildFunction("() => { const n = 'zz'; throw new ReferenceError(n + 'q is not defined'); }")(),
    (e: Error) => e.name === "ReferenceError",
  );
  assert.throws(() => rebuildFunction("() => {"), TravelError);
  assert.throws(() => rebuildFunction(""), RaceLabArgumentError);
  assert.throws(() => rebuildFunction("42"), RaceLabArgumentError);
});

test("a rebuilt function has require, race_lab_N, Node modules imported in a cell and decorator helpers", () => {
  assert.equal(rebuildFunction("() => require('os') === require('node:os')")(), true);
  assert.equal(rebuildFunction("() => typeof race_lab_3.runThreads")(), "function");
  assert.equal(rebuildFunction("() => require('race-lab') === race_lab_1")(), true);
  assert.equal(rebuildFunction("() => typeof fs_1.default.existsSync + typeof node_path_2.join")(), "functionfunction");
  // What tslab emits for a decorated method in a class defined inside a function.
  const decorated = rebuildFunction(`function make() {
    function twice(target, key, desc) { const f = desc.value; desc.value = function (x) { return 2 * f.call(this, x); }; return desc; }
    class A { m(x) { return x + 1; } }
    __decorate([twice, __metadata("design:type", Function)], A.prototype, "m", null);
    return new A().m(1);
  }`);
  assert.equal(decorated(), 4);
  assert.throws(() => rebuildFunction("() => fs.readFileSync")(), /`fs` is Node's "fs" module imported in the cell/);
});

test("partial binds arguments by parameter name, and is callable here", () => {
  function work(count: number, filename: string, flag = "w") {
    return `${count}:${filename}:${flag}`;
  }
  const p = partial(work, { filename: "f.txt" });
  assert.equal(p(3), "3:f.txt:w");
  assert.equal(p(3, "a"), "3:f.txt:a");
  assert.equal(partial(work, { count: 7 })("g.txt"), "7:g.txt:w");
  assert.equal(partial(p, { flag: "a" })(1), "1:f.txt:a");
  assert.equal(p.name, "work");
  assert.deepEqual(parameterNames(work), ["count", "filename", "flag"]);
  assert.deepEqual(parameterNames(p), ["count", "flag"]);
  assert.deepEqual(
    parameterNames(function f(a = "x,y", { b, c }: any = {}, ...rest: number[]) {
      return [a, b, c, rest];
    }),
    ["a", null, "rest"],
  );
  assert.deepEqual(
    parameterNames((only: number) => only),
    ["only"],
  );
});

test("partial refuses unknown names, listing the parameters", () => {
  function work(count: number, filename: string) {
    return [count, filename];
  }
  assert.throws(
    () => partial(work, { filenam: "x" }),
    (e: Error) => {
      assert.ok(e instanceof RaceLabArgumentError);
      assert.match(e.message, /named\.filenam must be a parameter of `work` \(its parameters: count, filename/);
      return true;
    },
  );
  assert.throws(() => partial((...xs: number[]) => xs, { xs: [1] }), /a rest parameter cannot be bound/);
  assert.throws(() => partial(work, null as any), RaceLabArgumentError);
  assert.throws(() => partial("work" as any, {}), RaceLabArgumentError);
  assert.throws(() => partial(Math.max, {}), TravelError);
});

test("a partial travels to threads, processes and pools with its bound values", async () => {
  function work(count: number, label: string) {
    return `${label}${count}`;
  }
  const p = partial(work, { label: "n=" });
  assert.deepEqual(await runThreads(p, [[1], [2]]), ["n=1", "n=2"]);
  assert.deepEqual(await runProcesses(p, [[3]]), ["n=3"]);
  assert.deepEqual(await new Pool(2).map(p, [4, 5, 6]), ["n=4", "n=5", "n=6"]);
  // shared memory bound by partial arrives live in threads
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const add = partial((c: Int32Array, n: number) => Atomics.add(c, 0, n), { c: cell });
  await runThreads(add, [[2], [3]]);
  assert.equal(cell[0], 5);
  assert.throws(() => packFunction(add, "process"), /processes share no memory/);
});

test("packFunction checks the source compiles before any worker starts; unpackFunction rebuilds", () => {
  const packed = packFunction((a: number, b: number) => a - b, "thread");
  assert.equal(unpackFunction(packed)(5, 3), 2);
  assert.equal(
    unpackFunction(
      packFunction(
        partial((a: number, b: number) => a - b, { a: 10 }),
        "process",
      ),
    )(4),
    6,
  );
});

test("names from earlier notebook cells (tslab's `exports.name`): race-lab's are bound, constants copied, assigned ones refused", async () => {
  // tslab compiles a name from an earlier cell to `exports.name` and keeps those names in __tslab__.exports.
  const lib = await import("race-lab");
  const tslab = { exports: { currentWorker: lib.currentWorker, balance: 100 } as Record<string, unknown> };
  (globalThis as any).__tslab__ = tslab;
  try {
    const usesImport = new Function("return function work(n) { return exports.currentWorker().number + n; }")();
    assert.deepEqual(await runThreads(usesImport, [[10], [20]]), [11, 22]);
    const usesConstant = new Function("return function work(n) { return exports.balance + n; }")();
    assert.deepEqual(await runThreads(usesConstant, [[1]]), [101]);
    const assigns = new Function("return function work(n) { exports.balance += n; }")();
    assert.throws(
      () => packFunction(assigns, "thread"),
      (e: Error) => {
        assert.ok(e instanceof TravelError);
        assert.match(e.message, /^`work` uses `balance` from the notebook, which cannot travel with it: the function assigns to it/);
        return true;
      },
    );
    await assert.rejects(runThreads(assigns, [[1]]), TravelError);
    // A cell variable that shadows a race-lab name is the cell's value, not race-lab's.
    tslab.exports.sleep = 5;
    const shadowed = new Function("return function work() { return exports.sleep; }")();
    assert.deepEqual(await runThreads(shadowed, [[]]), [5]);
  } finally {
    delete (globalThis as any).__tslab__;
  }
  // In the worker, exports has race-lab's names only.
  assert.throws(() => rebuildFunction("function work() { return exports.nothingHere; }", "work")(), /`work` uses `nothingHere`/);
});
