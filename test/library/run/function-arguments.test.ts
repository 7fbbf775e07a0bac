// A function from the notebook given as an argument to threads, processes and explore travels as a
// run's own function does: with the helpers it uses from earlier cells. Cells compiled and run by
// tslab's own converter and executor in this process, as in a kernel.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Cells, tslabCells } from "../kernel/tslab-cells";

let cells: Cells;
before(() => {
  cells = tslabCells();
});
after(() => cells.close());

test("a function argument travels to threads and processes with the helpers it uses", async () => {
  await cells.run("function triple(n: number) { return n * 3; }");
  await cells.run("function viaTriple(n: number) { return triple(n) + 1; }");
  await cells.run(`import { runThreads, runProcesses } from "race-lab";
function applyTo(f: (n: number) => number, n: number) { return f(n); }
const applied = [await runThreads(applyTo, [[viaTriple, 1], [(n: number) => n - 1, 5]]), await runProcesses(applyTo, [[viaTriple, 2]])];`);
  assert.deepEqual(cells.names.applied, [[4, 4], [7]]);
});

test("a helper redefined in a later cell: the next run sends the new one", async () => {
  await cells.run("function step(n: number) { return n + 1; }");
  await cells.run("function useStep(n: number) { return step(n); }");
  await cells.run(`import { runThreads } from "race-lab";
function callIt(f: (n: number) => number) { return f(10); }
const before = await runThreads(callIt, [[useStep]]);`);
  await cells.run("function step(n: number) { return n + 100; }");
  await cells.run("const after = await runThreads(callIt, [[useStep]]);");
  assert.deepEqual([cells.names.before, cells.names.after], [[11], [110]]);
});

test("a constant a function argument uses is copied as it is at each run", async () => {
  await cells.run("const settings = { add: 1 };");
  await cells.run("function addSetting(n: number) { return n + settings.add; }");
  await cells.run(`import { runThreads } from "race-lab";
function callWith(f: (n: number) => number) { return f(0); }
const first = await runThreads(callWith, [[addSetting]]);
settings.add = 5;
const second = await runThreads(callWith, [[addSetting]]);`);
  assert.deepEqual([cells.names.first, cells.names.second], [[1], [5]]);
});

test("explore takes function arguments along, with their helpers, in every schedule", async () => {
  await cells.run(`import { Value } from "race-lab";
function bumpBy(v: Value, n: number) { v.value = v.value + n; }`);
  await cells.run(`import { explore } from "race-lab";
function worker(v: Value, change: (v: Value, n: number) => void) { change(v, 1); }
const twoBumps = await explore({ fn: worker, workers: 2, valuePoints: true, expected: 2,
  setup: () => { const v = new Value("i", 0); return { args: [[v, bumpBy], [v, bumpBy]], observe: () => v.value }; } });`);
  const report = cells.names.twoBumps;
  assert.equal(report.complete, true);
  assert.deepEqual(
    [...new Set(report.schedules.map((s: { observed: number }) => s.observed))].sort(),
    [1, 2],
    "the lost update is found through the argument",
  );
});

test("a function argument that cannot travel is refused before any worker starts, naming why", async () => {
  await cells.run("let hits = 0;");
  await cells.run("function countHit() { hits += 1; }");
  await cells.run(`import { runThreads } from "race-lab";
function callNoArgs(f: () => void) { f(); }`);
  await assert.rejects(
    cells.run("await runThreads(callNoArgs, [[countHit]]);"),
    /TravelError: `countHit` uses `hits` from the notebook, which cannot travel/,
  );
  await assert.rejects(
    cells.run("await runThreads(callNoArgs, [[Math.random]]);"),
    /RaceLabArgumentError: argLists\[0\]\[0\] must be data, shared objects, or a function written in the notebook/,
  );
  await assert.rejects(
    cells.run("await runThreads(callNoArgs, [[{ nested: [() => 1, Symbol('s')] }]]);"),
    /RaceLabArgumentError: argLists\[0\]\[0\]\.nested\[1\] must be data or shared objects/,
  );
});
