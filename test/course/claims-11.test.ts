// Lesson 11's claims, checked by exhaustive exploration of the lesson's own functions (read from the
// instructor notebook and compiled as tslab compiles a cell): every protocol the lesson calls safe
// explores to no bad schedule with `complete: true`, and the unsafe variant it shows (or names)
// explores to at least one bad schedule, the one the lesson describes. Also the limits of the model
// that section 4 states: what is and is not a point, code before the first point, timed waits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { Event, Lock, Scheduler, Semaphore, SharedArray, Value, explore, type ExploreOptions, type ExploreReport } from "race-lab";
import { exploringThreads } from "race-lab/internal";

const LESSON = path.resolve(__dirname, "..", "..", "instructor", "11-you-are-the-scheduler.ipynb");
const cells: string[] = (JSON.parse(readFileSync(LESSON, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] }).cells
  .filter((c) => c.cell_type === "code")
  .map((c) => [c.source].flat().join(""));

/** The race-lab names the lesson imports, from every cell (each imports the names it first uses). */
const raceLabNames = cells.flatMap((c) => [...c.matchAll(/^import \{([^}]*)\} from "race-lab";$/gm)].flatMap((m) => m[1].split(",")));
/** Those names as one import, for a function taken out of its cell. */
const imports = `import { ${[...new Set(raceLabNames.map((n) => n.trim()).filter((n) => n && !n.startsWith("type ")))].join(", ")} } from "race-lab";`;

/**
 * The lesson's function `name`, as a cell defines it: its declaration up to the first line that is
 * only "}", compiled like a tslab cell under the lesson's import (so a race-lab name it uses reads
 * `race_lab_1.name`, which a worker binds to the library).
 */
function lessonFunction(name: string): (...args: any[]) => unknown {
  const start = new RegExp(`^(async )?function ${name}\\(`, "m");
  const cell = cells.find((c) => start.test(c));
  assert.ok(cell, `the lesson defines function ${name}`);
  const from = cell.slice(cell.search(start));
  const body = from.slice(0, from.search(/^}$/m) + 1);
  const source = `${imports}\n${body}\nmodule.exports = ${name};\n`;
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const module = { exports: undefined as unknown };
  new Function("require", "module", "exports", js)(require, module, {});
  return module.exports as (...args: any[]) => unknown;
}

async function explored(options: ExploreOptions): Promise<ExploreReport> {
  const report = await explore(options);
  assert.equal(exploringThreads(), 0, "every controlled thread has been ended");
  return report;
}

/** Complete, and not one bad schedule: the lesson's "safe". */
function allSafe(report: ExploreReport): void {
  assert.equal(report.complete, true, report.summary);
  assert.equal(report.anomalies, 0, report.summary);
}

// ---- sections 1, 3, 4, 6: the lost update, the one-step "proof", the lock ----------------------

const twoWorkers = {
  workers: 2,
  expected: 2,
  setup: () => {
    const x = new Value("i", 0);
    return { args: [[x], [x]], observe: () => x.value };
  },
};

test("the increment with a point between the read and the write: 6 schedules, 4 lose an update, [0, 1, 0, 1] among them", async () => {
  const report = await explored({ ...twoWorkers, fn: lessonFunction("increment") });
  assert.equal(report.complete, true);
  assert.equal(report.schedules.length, 6);
  assert.equal(report.anomalies, 4);
  assert.equal(report.schedules.find((s) => s.order.join() === "0,1,0,1")?.observed, 1, "both read 0, both write 1");
});

test("the one-point increment (`x.value += 1` in one step) explores to no bad schedule, complete; with valuePoints the lost update appears", async () => {
  const oneStep = lessonFunction("oneStepIncrement");
  const blind = await explored({ ...twoWorkers, fn: oneStep });
  allSafe(blind);
  assert.equal(blind.schedules.length, 2);
  const seen = await explored({ ...twoWorkers, fn: oneStep, valuePoints: true });
  assert.equal(seen.complete, true);
  assert.ok(
    seen.schedules.some((s) => s.observed === 1),
    seen.summary,
  );
});

test("the increment under a lock: every schedule ends with 2 (the unlocked one is the test above)", async () => {
  const setup = () => {
    const x = new Value("i", 0),
      lock = new Lock();
    return {
      args: [
        [x, lock],
        [x, lock],
      ],
      observe: () => x.value,
    };
  };
  allSafe(await explored({ ...twoWorkers, setup, fn: lessonFunction("lockedIncrement") }));
});

// ---- section 7: two lock orders ----------------------------------------------------------------

const lockOrders = (sameOrder: boolean) => ({
  fn: lessonFunction("twoLocks"),
  workers: 2,
  setup: () => {
    const a = new Lock(),
      b = new Lock();
    return { args: [[a, b], sameOrder ? [a, b] : [b, a]], observe: () => 0, names: { a, b } };
  },
});

test("one global lock order: no schedule deadlocks; opposite orders: a deadlock whose wait-for graph is the cycle 0 → 1 → 0", async () => {
  allSafe(await explored(lockOrders(true)));
  const crossed = await explored(lockOrders(false));
  assert.ok(crossed.deadlocks >= 1, crossed.summary);
  const dead = crossed.schedules.find((s) => s.deadlock)!;
  assert.deepEqual([...dead.cycle!].sort(), [0, 1]);
  assert.match(dead.description!, /worker 0 waits in lock\.acquire\(\) for [ab], held by worker 1/);
});

// ---- exercise 2: the rendezvous ----------------------------------------------------------------

const meeting = (rendezvous: (mine: Semaphore, theirs: Semaphore) => void) => ({
  fn: lessonFunction("meeting"),
  workers: 2,
  expected: 0,
  setup: () => {
    const a = new Semaphore(0),
      b = new Semaphore(0),
      arrived = new Value("i", 0),
      alone = new Value("i", 0);
    return {
      args: [
        [a, b, arrived, alone, rendezvous],
        [b, a, arrived, alone, rendezvous],
      ],
      observe: () => alone.value,
    };
  },
});

test("rendezvous: signal then wait is safe; wait then signal deadlocks; signal alone lets a worker go on alone", async () => {
  allSafe(await explored(meeting(lessonFunction("rendezvous") as never)));
  const waitFirst = await explored(
    meeting((mine, theirs) => {
      theirs.acquire();
      mine.release();
    }),
  );
  assert.ok(waitFirst.deadlocks >= 1, waitFirst.summary);
  const noWait = await explored(meeting((mine) => mine.release()));
  assert.ok(
    noWait.schedules.some((s) => !s.deadlock && (s.observed as number) >= 1),
    noWait.summary,
  );
});

// ---- exercise 3: the multiplex -----------------------------------------------------------------

const multiplex = (make: () => Semaphore, visit: (m: Semaphore, room: () => void) => void) => ({
  fn: lessonFunction("visitor"),
  workers: 3,
  expected: (most: unknown) => (most as number) <= 2,
  setup: () => {
    const m = make(),
      inside = new Value("i", 0),
      most = new Value("i", 0);
    return { args: [0, 1, 2].map(() => [m, inside, most, visit]), observe: () => most.value };
  },
});

test("multiplex: Semaphore(2) never lets three in and lets two in together; without it three get in", async () => {
  const right = await explored(multiplex(lessonFunction("newMultiplex") as () => Semaphore, lessonFunction("visit") as never));
  allSafe(right);
  assert.ok(right.schedules.some((s) => s.observed === 2));
  const none = await explored(
    multiplex(
      () => new Semaphore(2),
      (_m, room) => room(),
    ),
  );
  assert.ok(
    none.schedules.some((s) => s.observed === 3),
    none.summary,
  );
});

// ---- exercise 4: readers and writers -----------------------------------------------------------

type Switch = (readers: Value, mutex: Semaphore, roomEmpty: Semaphore) => void;

function room(roles: string[], lingering: boolean[], on: Switch, off: Switch) {
  return {
    fn: lessonFunction("readerOrWriter"),
    workers: roles.length,
    expected: (end: unknown) => (end as { clash: number }).clash === 0,
    maxSchedules: 50_000,
    setup: () => {
      const r = {
        readers: new Value("i", 0),
        mutex: new Semaphore(1),
        roomEmpty: new Semaphore(1),
        reading: new Value("i", 0),
        writing: new Value("i", 0),
        clash: new Value("i", 0),
        together: new Value("i", 0),
      };
      return {
        args: roles.map((role, w) => [role, lingering[w], r, on, off]),
        observe: () => ({ clash: r.clash.value, together: r.together.value }),
      };
    },
  };
}
const together = (report: ExploreReport) => report.schedules.some((s) => (s.observed as { together: number }).together === 2);
const lightOn = lessonFunction("lightOn") as Switch;
const lightOff = lessonFunction("lightOff") as Switch;

test("the lightswitch, in the three casts of the check: no writer with anyone, two readers together, the count right under valuePoints", async () => {
  const one = await explored(room(["writer", "reader", "reader"], [false, true, false], lightOn, lightOff));
  allSafe(one);
  assert.ok(together(one), "some schedule has both readers inside");
  allSafe(await explored(room(["writer", "writer", "reader"], [true, true, false], lightOn, lightOff)));
  const count = await explored({
    fn: lessonFunction("countingReader"),
    workers: 2,
    valuePoints: true,
    expected: { readers: 0, roomEmpty: 1 },
    setup: () => {
      const readers = new Value("i", 1),
        mutex = new Semaphore(1),
        roomEmpty = new Semaphore(0);
      return {
        args: [false, true].map((arriving) => [arriving, readers, mutex, roomEmpty, lightOn, lightOff]),
        observe: () => ({ readers: readers.value, roomEmpty: roomEmpty.value }),
      };
    },
  });
  allSafe(count);
});

test(
  "the lightswitch with the whole cast at once: two lingering writers and two readers, every schedule safe",
  { timeout: 600_000 },
  async () => {
    // Several thousand schedules: a time limit of its own, far above what they take.
    const all = await explored({
      ...room(["writer", "writer", "reader", "reader"], [true, true, true, false], lightOn, lightOff),
      timeoutMs: 500_000,
    });
    allSafe(all);
    assert.ok(together(all));
  },
);

test("readers that ignore roomEmpty share the room with a writer; readers that each take roomEmpty never read together", async () => {
  const countOnly: Switch = (readers, mutex) => {
    mutex.acquire();
    readers.value += 1;
    mutex.release();
  };
  const uncountOnly: Switch = (readers, mutex) => {
    mutex.acquire();
    readers.value -= 1;
    mutex.release();
  };
  const ignoring = await explored(room(["writer", "reader", "reader"], [false, true, false], countOnly, uncountOnly));
  assert.ok(
    ignoring.schedules.some((s) => (s.observed as { clash: number }).clash > 0),
    ignoring.summary,
  );
  const plain = await explored(
    room(
      ["writer", "reader", "reader"],
      [false, true, false],
      (_r, _m, roomEmpty) => roomEmpty.acquire(),
      (_r, _m, roomEmpty) => roomEmpty.release(),
    ),
  );
  allSafe(plain);
  assert.equal(together(plain), false, "a plain mutex keeps readers apart: the check's second condition is what rejects it");
});

test("writers can starve (the book's 4.2.3): a reader can come in while a writer is already waiting for roomEmpty", async () => {
  // The writer marks itself waiting before it asks for roomEmpty; a reader that enters while it
  // waits and another reader is inside is the overtaking that, repeated, starves the writer.
  function overtaking(role: string, st: SharedArray, readers: Value, mutex: Semaphore, roomEmpty: Semaphore, s: Scheduler) {
    if (role === "writer") {
      s.point("arrive");
      st.set(0, 1);
      roomEmpty.acquire();
      st.set(0, 0);
      roomEmpty.release();
      return;
    }
    mutex.acquire();
    readers.value += 1;
    if (readers.value === 1) roomEmpty.acquire();
    mutex.release();
    if (st.get(0) === 1 && readers.value === 2) st.set(1, 1);
    s.point("reading");
    mutex.acquire();
    readers.value -= 1;
    if (readers.value === 0) roomEmpty.release();
    mutex.release();
  }
  const report = await explored({
    fn: overtaking,
    workers: 3,
    setup: () => {
      const st = new SharedArray("i", 2),
        readers = new Value("i", 0),
        mutex = new Semaphore(1),
        roomEmpty = new Semaphore(1);
      return { args: ["writer", "reader", "reader"].map((role) => [role, st, readers, mutex, roomEmpty]), observe: () => st.get(1) };
    },
  });
  assert.equal(report.complete, true);
  assert.equal(report.deadlocks, 0);
  assert.ok(
    report.schedules.some((s) => s.observed === 1),
    "a reader overtook the waiting writer",
  );
});

// ---- section 4: the limits of the model --------------------------------------------------------

test("release(), set() and Value writes are no points: two workers with one point each after them have C(4, 2) = 6 schedules", async () => {
  function quiet(lock: Lock, event: Event, x: Value, s: Scheduler) {
    lock.acquire(); // the first point: everything up to s.point() below is one step
    lock.release();
    event.set();
    x.value += 1;
    s.point("only");
    x.value += 1;
  }
  const report = await explored({
    fn: quiet,
    workers: 2,
    setup: () => {
      const lock = new Lock(),
        event = new Event(),
        x = new Value("i", 0);
      return {
        args: [
          [lock, event, x],
          [lock, event, x],
        ],
        observe: () => x.value,
      };
    },
  });
  assert.equal(report.complete, true);
  assert.equal(report.schedules.length, 6);
  assert.ok(report.schedules.every((s) => s.order.length === 4));
});

test("code before a worker's first point runs before the schedule, worker 0's first, in every schedule", async () => {
  function note(me: number, log: SharedArray, s: Scheduler) {
    log.set(log.get(0) + 1, me); // slot 0 counts the entries
    log.set(0, log.get(0) + 1);
    s.point("after");
  }
  const report = await explored({
    fn: note,
    workers: 3,
    setup: () => {
      const log = new SharedArray("i", 4);
      return { args: [0, 1, 2].map((me) => [me, log]), observe: () => log.toArray() };
    },
  });
  assert.equal(report.schedules.length, 6);
  assert.ok(
    report.schedules.every((s) => JSON.stringify(s.start) === "[3,0,1,2]"),
    JSON.stringify(report.schedules.map((s) => s.start)),
  );
});

test("a timed wait times out only where no worker can go on: the model never lets it expire while another can still move", async () => {
  function late(me: number, ready: Event, timedOut: Value, s: Scheduler) {
    if (me === 1) {
      s.point("dawdle");
      s.point("set");
      ready.set();
      return;
    }
    if (!ready.wait(1)) timedOut.value = 1; // a 1 ms wait: in real time the other worker is usually later
  }
  const report = await explored({
    fn: late,
    workers: 2,
    setup: () => {
      const ready = new Event(),
        timedOut = new Value("i", 0);
      return {
        args: [
          [0, ready, timedOut],
          [1, ready, timedOut],
        ],
        observe: () => timedOut.value,
      };
    },
  });
  assert.equal(report.complete, true);
  assert.ok(
    report.schedules.every((s) => s.observed === 0),
    report.summary,
  );
});
