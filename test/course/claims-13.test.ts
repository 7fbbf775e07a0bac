// Lesson 13's claims about leases and fencing tokens, checked by exploring every schedule of a model
// of the lesson's protocol: two holders, each taking the lease (a new token), reading the counter,
// pausing past its lease (from then on the other holder may take it), and writing what it read + 1
// to a storage that keeps its value and the highest token written. Claims: without a check a paused
// holder's write overwrites the other's in some schedule; a check of the token alone still loses an
// update in some schedule (the read is not fenced); a compare-and-set on the token and the value read
// loses none, in every schedule. The lesson's own model cell is run too, and the lesson's markdown and
// hints are checked for dollar signs that Jupyter would typeset as math.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { Event, Scheduler, SharedArray, explore, replay } from "race-lab";
import { exploringThreads } from "race-lab/internal";

const LESSON = path.resolve(__dirname, "..", "..", "instructor", "13-locks-across-machines.ipynb");

/** What the storage checks before a write: the lesson's three, and the two used to test the test. */
const NOTHING = "nothing";
const TOKEN = "the token";
const TOKEN_AND_READ = "the token and the value read";
/** The compare-and-set without its token check: it keeps this counter right (the counter only grows). */
const READ_ONLY = "the value read";

/** Where a holder pauses past its lease: right after taking it, or between its read and its write. */
const AFTER_TAKE = 0;
const AFTER_READ = 1;

/**
 * One holder: the lesson's model (cell 13-code-model), with the pause's place as an argument. st =
 * [last token, holder (0: none), its lease expired (1), value, token written]. Taking the lease
 * waits on `free` until nobody holds it or its holder's lease expired; the pause is the step that
 * lets the holder's lease expire. A refused write starts again with a new lease (at most 3 tries).
 */
function leaseHolder(st: SharedArray, free: Event, me: number, check: string, pauseAt: number, s: Scheduler): void {
  const pause = () => {
    s.point("pause past the lease");
    if (st.get(1) === me) st.set(2, 1);
    if (st.get(1) === me) free.set();
  };
  for (let attempt = 1; attempt <= 3; attempt++) {
    s.point("take the lease");
    while (st.get(1) !== 0 && st.get(2) === 0) free.wait();
    const token = st.get(0) + 1;
    st.typed.set([token, me, 0], 0);
    free.clear();
    if (pauseAt === 0) pause();
    s.point("read");
    const read = st.get(3);
    if (pauseAt === 1) pause();
    s.point("write");
    const newest = st.get(4);
    const same = st.get(3) === read;
    const accepted =
      check === "nothing" ||
      (check === "the token" && newest <= token) ||
      (check === "the token and the value read" && newest <= token && same) ||
      (check === "the value read" && same);
    if (accepted) st.typed.set([read + 1, token], 3);
    if (st.get(1) === me) st.set(1, 0);
    if (st.get(1) === 0) free.set();
    if (accepted) return;
  }
}

function setup(check: string, pauseAt: number | null) {
  return () => {
    const st = new SharedArray("i", [0, 0, 0, 0, 0]);
    const free = new Event();
    free.set();
    const args = (me: number) => (pauseAt === null ? [st, free, me, check] : [st, free, me, check, pauseAt]);
    return { args: [args(1), args(2)], observe: () => st.get(3), names: { st, free } };
  };
}

function options(check: string, pauseAt: number) {
  return { fn: leaseHolder, workers: 2, expected: 2, setup: setup(check, pauseAt) };
}

// The staged orders of the lesson, as schedules (pause after the read: take, read, pause, write).
// Order 1: A takes, reads, pauses; B takes, reads, pauses, writes; A writes (then starts again if refused).
const ORDER_1 = [0, 0, 0, 1, 1, 1, 1, 0];
const ORDER_1_RETRY = [...ORDER_1, 0, 0, 0, 0];
// Order 2: A takes, reads, pauses; B takes, reads; A writes; B pauses, writes (then starts again if refused).
const ORDER_2 = [0, 0, 0, 1, 1, 0, 1, 1];
const ORDER_2_RETRY = [...ORDER_2, 1, 1, 1, 1];

test("without a check, a holder paused past its lease overwrites the other's write in some schedule", async () => {
  const report = await explore(options(NOTHING, AFTER_READ));
  assert.equal(report.complete, true);
  assert.ok(report.anomalies >= 1, report.summary);
  assert.ok(
    report.schedules.every((s) => s.observed === 1 || s.observed === 2),
    "each holder adds 1 once, or is overwritten",
  );
  assert.equal((await replay({ ...options(NOTHING, AFTER_READ), order: ORDER_1 })).observed, 1, "the lesson's order 1");
  assert.equal(exploringThreads(), 0);
});

test("fencing the write alone: order 1 is refused and retried, order 2 loses an update", async () => {
  const report = await explore(options(TOKEN, AFTER_READ));
  assert.equal(report.complete, true);
  assert.ok(report.anomalies >= 1, report.summary);
  const refused = await replay({ ...options(TOKEN, AFTER_READ), order: ORDER_1_RETRY });
  assert.equal(refused.observed, 2, "order 1: A's token 1 is older than B's 2, refused; A starts again");
  const lost = await replay({ ...options(TOKEN, AFTER_READ), order: ORDER_2 });
  assert.equal(lost.observed, 1, "order 2: both tokens newer than the storage's, both writes accepted");
  assert.equal(exploringThreads(), 0);
});

test("fencing the read too (a compare-and-set on the token and the value read): no schedule loses an update", async () => {
  for (const pauseAt of [AFTER_READ, AFTER_TAKE]) {
    const report = await explore(options(TOKEN_AND_READ, pauseAt));
    assert.equal(report.complete, true, report.summary);
    assert.equal(report.anomalies, 0, `pause ${pauseAt === AFTER_READ ? "after the read" : "after the take"}: ${report.summary}`);
    assert.ok(report.schedules.length >= 60, `${report.schedules.length} schedules explored`);
  }
  assert.equal((await replay({ ...options(TOKEN_AND_READ, AFTER_READ), order: ORDER_1_RETRY })).observed, 2);
  assert.equal((await replay({ ...options(TOKEN_AND_READ, AFTER_READ), order: ORDER_2_RETRY })).observed, 2);
  assert.equal(exploringThreads(), 0);
});

test("the exploration catches the compare-and-set without its value check (the token alone)", async () => {
  for (const pauseAt of [AFTER_READ, AFTER_TAKE]) {
    const report = await explore(options(TOKEN, pauseAt));
    assert.ok(report.anomalies >= 1, report.summary);
  }
});

test("for this counter the value check alone also loses nothing (the lesson says so in passing)", async () => {
  const report = await explore(options(READ_ONLY, AFTER_READ));
  assert.equal(report.complete, true);
  assert.equal(report.anomalies, 0, report.summary);
});

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { nbgrader?: { grade_id?: string; grade?: boolean } };
}
const cells = (JSON.parse(readFileSync(LESSON, "utf8")) as { cells: Cell[] }).cells;
const text = (c: Cell) => [c.source].flat().join("");

/** The lesson's model holder (cell 13-code-model), compiled as the kernel would. */
function lessonModel(): (...args: unknown[]) => void {
  const cell = cells.find((c) => c.metadata.nbgrader?.grade_id === "13-code-model");
  assert.ok(cell, "the lesson has its model cell");
  // Its imports aside: the model uses only its arguments.
  const js = ts.transpileModule(text(cell).replace(/^import .*\n/gm, ""), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  }).outputText;
  return new Function(`${js}\nreturn modelHolder;`)() as (...args: unknown[]) => void;
}

test("the lesson's own model gives the verdicts the lesson's table shows", async () => {
  const fn = lessonModel();
  const found: Record<string, number> = {};
  for (const check of [NOTHING, TOKEN, TOKEN_AND_READ]) {
    const report = await explore({ fn, workers: 2, expected: 2, setup: setup(check, null) });
    assert.equal(report.complete, true, report.summary);
    found[check] = report.anomalies;
  }
  assert.ok(found[NOTHING] >= 1 && found[TOKEN] >= 1, JSON.stringify(found));
  assert.equal(found[TOKEN_AND_READ], 0, JSON.stringify(found));
  assert.equal(exploringThreads(), 0);
});

test("no dollar sign outside code in the lesson's markdown, and none in its hints (Jupyter would typeset $…$ as math)", () => {
  const problems: string[] = [];
  cells.forEach((c, i) => {
    if (c.cell_type === "markdown") {
      const prose = text(c)
        .replace(/```[\s\S]*?```/g, "")
        .replace(/(`+)[^`]*?\1/g, "");
      if (prose.includes("$")) problems.push(`cell ${i}: ${prose.slice(prose.indexOf("$") - 30, prose.indexOf("$") + 30)}`);
    }
    const hints = /\{\s*hints?:[\s\S]*$/.exec(c.cell_type === "code" && c.metadata.nbgrader?.grade ? text(c) : "");
    if (hints && hints[0].includes("$")) problems.push(`cell ${i}: a hint with a dollar sign`);
  });
  assert.deepEqual(problems, []);
});
