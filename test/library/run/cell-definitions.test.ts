// What travels from a notebook's cells with a function sent to threads and processes: the helpers,
// classes and constants it uses (transitively), compiled and run by tslab's own converter and
// executor in this process, as in a kernel.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { TravelError, packFunction } from "race-lab";
import { Cells, tslabCells } from "../kernel/tslab-cells";

let cells: Cells;
before(() => {
  cells = tslabCells();
});
after(() => cells.close());

test("a helper function from an earlier cell travels to threads and processes", async () => {
  await cells.run("function double(n: number) { return n * 2; }");
  await cells.run(`import { runThreads, runProcesses } from "race-lab";
function useHelper(n: number) { return double(n) + 1; }
const helped = [await runThreads(useHelper, [[1], [2]]), await runProcesses(useHelper, [[3]])];`);
  assert.deepEqual(cells.names.helped, [[3, 5], [7]]);
});

test("a class extending a race-lab class, and a class extending that one, travel in order", async () => {
  await cells.run(`import { ContextDecorator } from "race-lab";
class SimpleLock extends ContextDecorator {
  entered = 0;
  enter() { this.entered += 1; }
  exit() {}
}`);
  await cells.run(`class CountingLock extends SimpleLock { twice() { this.enter(); this.enter(); return this.entered; } }`);
  await cells.run(`import { runThreads, runProcesses } from "race-lab";
function useClass() { const lock = new CountingLock(); lock.run(() => 0); return [lock instanceof SimpleLock, lock.twice()]; }
const classes = [await runThreads(useClass, [[]]), await runProcesses(useClass, [[]])];`);
  assert.deepEqual(cells.names.classes, [[[true, 3]], [[true, 3]]]);
});

test("constants are copied; race-lab's shared objects stay shared in threads", async () => {
  await cells.run(`import { Value } from "race-lab";
const LIMIT = 10;
const settings = { step: 3, names: ["a", "b"] };
const total = new Value("i", 0);`);
  await cells.run(`import { runThreads, runProcesses } from "race-lab";
// The read-modify-write holds the Value's lock: without it two threads may both read 0 and write 10.
function useConstants() {
  total.getLock().withLock(() => { total.value += LIMIT; });
  return settings.step * settings.names.length;
}
const constants = [await runThreads(useConstants, [[], []]), total.value];`);
  assert.deepEqual(cells.names.constants, [[6, 6], 20]);
});

test("a chain (f uses g uses h) and mutual recursion travel whole", async () => {
  await cells.run("function h(n: number) { return n + 1; }");
  await cells.run("function g(n: number) { return h(n) * 10; }");
  await cells.run(`function isEven(n: number): boolean { return n === 0 ? true : isOdd(n - 1); }
function isOdd(n: number): boolean { return n === 0 ? false : isEven(n - 1); }`);
  await cells.run(`import { runProcesses } from "race-lab";
function f(n: number) { return [g(n), isEven(n), isOdd(n)]; }
const chained = await runProcesses(f, [[4], [7]]);`);
  assert.deepEqual(cells.names.chained, [
    [50, true, false],
    [80, false, true],
  ]);
  assert.deepEqual(
    packFunction(cells.names.f, "process").definitions!.map((d) => d.name),
    ["h", "g", "isOdd", "isEven"],
  );
});

test("a name that cannot travel is named, with why and what to do, before any worker starts", async () => {
  await cells.run(`import { Value } from "race-lab";
let count = 0;
class Counter { n = 0; }
const counter = new Counter();
const biggest = Math.max;
const shared = new Value("i", 0);
import * as os from "os";`);
  await cells.run(`function bump() { count += 1; }
function useInstance() { return counter.n; }
function useBuiltin() { return biggest(1, 2); }
function useShared() { return shared.value; }
function viaHelper() { return useInstance(); }
function useModule() { return os.cpus().length; }`);
  const refused = (name: string, to: "thread" | "process", pattern: RegExp) =>
    assert.throws(
      () => packFunction(cells.names[name], to),
      (e: Error) => e instanceof TravelError && pattern.test(e.message),
    );
  refused(
    "bump",
    "thread",
    /^`bump` uses `count` from the notebook, which cannot travel with it: the function assigns to it, .*each thread would change its own copy.*new Value/,
  );
  refused(
    "useInstance",
    "thread",
    /`useInstance` uses `counter` .*a live Counter object of the notebook.*Create it inside the function, or pass/,
  );
  refused("useBuiltin", "process", /`useBuiltin` uses `biggest` .*built-in or bound function/);
  refused("useShared", "process", /`useShared` uses `shared` .*cannot travel with it: .*process/);
  refused("viaHelper", "thread", /^`useInstance` uses `counter`/);
  refused(
    "useModule",
    "thread",
    /`useModule` uses `os` .*If it is a module imported in a cell, call `require\(…\)` for it inside the function/,
  );
});

test("a parameter or local of the same name shadows the notebook's: the outer one does not travel", async () => {
  await cells.run(`class Handle { open = true; }
const k = new Handle();
const helper = new Handle();`);
  await cells.run(`import { runThreads } from "race-lab";
function shadowing(k: number) {
  const helper = (n: number) => n * k;
  { let k2 = 1; k2 += 1; }
  return [1, 2].map((k) => helper(k));
}
const shadowed = await runThreads(shadowing, [[3]]);`);
  assert.deepEqual(cells.names.shadowed, [[3, 6]]);
  assert.equal(packFunction(cells.names.shadowing, "thread").definitions, undefined);
});

test("playRounds and explore take the notebook's helpers along too", async () => {
  await cells.run("function addOne(n: number) { return n + 1; }");
  await cells.run(`import { playRounds, explore, Value } from "race-lab";
function bump(v: Value) { v.value = addOne(v.value); }
const played = (await playRounds(bump, { workers: 1, rounds: 2, state: () => new Value("i", 0) })).map((r) => r.state.value);
const explored = await explore({ fn: bump, workers: 1, setup: () => { const v = new Value("i", 0); return { args: [[v]], observe: () => v.value }; } });`);
  assert.deepEqual(cells.names.played, [1, 1]);
  assert.deepEqual(
    cells.names.explored.schedules.map((s: { observed: unknown }) => s.observed),
    [1],
  );
});

test("a class hosted by a manager travels with its base class and helpers from earlier cells", async () => {
  await cells.run(`const START = 3;
function ids(size: number) { return Array.from({ length: size }, (_, i) => i + START); }
class Pool {
  ready: number[];
  constructor(size: number) { this.ready = ids(size); }
  get() { return this.ready.pop(); }
}`);
  await cells.run(
    `class CountingPool extends Pool { taken = 0; get() { this.taken += 1; return super.get(); } count() { return this.taken; } }`,
  );
  await cells.run(`import { Manager } from "race-lab";
const hostManager = await Manager.start();
const hosted = await hostManager.create(CountingPool, 2);
const hostedLeases = [await hosted.get(), await hosted.get(), await hosted.count()];
await hostManager.shutdown();`);
  assert.deepEqual(cells.names.hostedLeases, [4, 3, 2]);
});

test("a managed class that uses a live object of the notebook is refused, naming it", async () => {
  await cells.run(`import { Manager } from "race-lab";
const liveHandle = new (class Handle { fd = 3; })();
class UsesHandle { fd() { return liveHandle.fd; } }
const refusingManager = await Manager.start();
let refusal = "";
try { await refusingManager.create(UsesHandle); } catch (error) { refusal = \`\${error.name}: \${error.message}\`; }
await refusingManager.shutdown();`);
  assert.match(cells.names.refusal, /^TravelError: `UsesHandle` uses `liveHandle` from the notebook, which cannot travel with it/);
});
