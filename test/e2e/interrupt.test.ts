// `npm run test:e2e`: a student interrupts a lesson's long cell (■) and goes on. In lesson 06 (threads)
// and lesson 12 (PostgreSQL): the cells above run (Run → Run All Above Selected Cell), the lesson's
// cell that makes a report starts, the student presses ■ in the toolbar while it runs, then runs the
// next code cell. The interrupted cell says in one line what stopped and to run it again; the next
// cell works, or says to run the interrupted cell again (one tip per missing name); neither shows a
// stack trace, and no report of the interrupted trials turns up later under another cell. In lesson 12 the kernel's PostgreSQL survives the interrupt: the same server process
// runs on, and a query cell the student adds afterwards reaches the same server and schema as the
// lesson's first cell, and the table the trials wrote before the interrupt.
// Screenshots: test-artifacts/e2e-interrupt-06-<app>.png, e2e-interrupt-12-<app>.png (the interrupted
// cell, the next one and, in 12, the query cell added after them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { ARTIFACTS, ROOT, kernelState, markedProcesses, notebookUrl, sleep, withCourse, type Course } from "./course-server";
import {
  DOM,
  addCellBelow,
  inNotebook,
  interruptKernel,
  openNotebook,
  outputsOf,
  promptOf,
  runAll,
  runCell,
  selectCell,
  waitUntilDone,
  type App,
} from "./notebook-page";

const LESSON_06 = "notebooks/06-no-gil.ipynb";
const LESSON_12 = "notebooks/12-database-races.ipynb";
const CELL_TIMEOUT_MS = 240_000;
// ■ again this often while the cell runs, on this many runs of it: the cells run for a second or two,
// most of it compiling (when a press is lost).
const PRESS_EVERY_MS = 250;
const ATTEMPTS = 5;
// What no output may show after an interrupt: a stack trace, tslab's own interrupt error.
const STACK = /\n\s+at \S|Interrupted asynchronously|executor\.js|node:internal/;

/**
 * The index (all cells counted) of the lesson's code cell whose source contains `text`, of the next code
 * cell and of the first, and the title of the trials the cell runs ("demo — variant"), when it names them.
 */
function cellsOf(lesson: string, text: string): { target: number; next: number; first: number; trials: string | null } {
  const cells = (JSON.parse(readFileSync(path.join(ROOT, lesson), "utf8")) as { cells: { cell_type: string; source: string[] }[] }).cells;
  const code = (i: number) => cells[i].cell_type === "code";
  const target = cells.findIndex((c, i) => code(i) && c.source.join("").includes(text));
  assert.ok(target >= 0, `${lesson}: no code cell with ${text}`);
  const next = cells.findIndex((_c, i) => i > target && code(i));
  const named = /demo: "([^"]+)", variant: "([^"]+)"/.exec(cells[target].source.join(""));
  return { target, next, first: cells.findIndex((_c, i) => code(i)), trials: named ? `${named[1]} — ${named[2]}` : null };
}

/**
 * Runs cell `index` and, while it runs, presses ■ as an impatient student does: again and again until
 * the cell stops (a SIGINT that reaches tslab while it still compiles the cell is lost: Node's
 * `breakOnSigint`, with which tslab runs a cell, drops it). Returns what the cell shows once it
 * stopped. A cell that finished before any press reached it (a fast machine) is run again.
 */
async function interruptWhileRunning(
  page: Page,
  app: App,
  course: Course,
  notebook: string,
  index: number,
): Promise<{ shown: string; presses: number }> {
  let presses = 0;
  for (let attempt = 1; ; attempt++) {
    await selectCell(page, app, index);
    await page.keyboard.press("Control+Enter");
    const deadline = Date.now() + CELL_TIMEOUT_MS;
    // Busy on the server: the kernel has the request (a SIGINT before that finds no cell to stop).
    while (!/\*/.test(await promptOf(page, app, index)) || (await kernelState(course, notebook)) !== "busy") {
      if (Date.now() > deadline) throw new Error(`cell ${index} did not start`);
      await sleep(50);
    }
    for (let pressed = 0; !/\[\d+\]/.test(await promptOf(page, app, index));) {
      if (Date.now() > deadline)
        throw new Error(`cell ${index} did not stop after the interrupt; it shows: ${(await outputsOf(page, app, index)).slice(0, 600)}`);
      if (Date.now() >= pressed + PRESS_EVERY_MS) {
        await interruptKernel(page, app, "button");
        presses++;
        pressed = Date.now();
      }
      await sleep(100);
    }
    await sleep(500);
    const shown = await outputsOf(page, app, index);
    if (/Interrupted:/.test(shown) || attempt === ATTEMPTS) return { shown, presses };
    console.log(`cell ${index} finished before an interrupt reached it (attempt ${attempt}); again`);
  }
}

/** The PostgreSQL server processes of the course (embedded PostgreSQL's postmaster: `postgres -D DIR …`). */
function postmasters(course: Course): number[] {
  return markedProcesses(course.marker).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return path.basename(argv[0]) === "postgres" && argv.includes("-D");
    } catch {
      return false; // ended while we looked
    }
  });
}

interface Interrupted {
  app: App;
  interrupted: string; // what the interrupted cell shows
  next: string; // what the next code cell shows
  nextErrors: number; // how many error outputs it shows
  servers: { before: number[]; after: number[] }; // the course's PostgreSQL server processes around the interrupt
  page: Page;
}

/** Opens `lesson`, runs the cells above the one holding `text`, interrupts that one, runs the next code cell. */
async function studentInterrupts(
  context: BrowserContext,
  course: Course,
  lesson: string,
  text: string,
  then: (r: Interrupted, cells: ReturnType<typeof cellsOf>) => Promise<void>,
): Promise<void> {
  const cells = cellsOf(lesson, text);
  const { page, app } = await openNotebook(context, course, notebookUrl(course, lesson), lesson);
  const shot = path.join(ARTIFACTS, `e2e-interrupt-${path.basename(lesson).slice(0, 2)}-${app}.png`);
  try {
    await selectCell(page, app, cells.target);
    await runAll(page, app, "above");
    const prompts = await waitUntilDone(page, app, course, lesson);
    const above = prompts.slice(
      0,
      prompts.findIndex((p) => !/\[\d+\]/.test(p)),
    );
    assert.ok(above.length >= 2, `${lesson}: the cells above ran (prompts ${prompts.join(" ")})`);
    const before = postmasters(course);
    const { shown: interrupted, presses } = await interruptWhileRunning(page, app, course, lesson, cells.target);
    const next = await runCell(page, app, cells.next, CELL_TIMEOUT_MS);
    const servers = { before, after: postmasters(course) };
    const nextErrors = await page.locator(inNotebook(app, DOM[app].cell)).nth(cells.next).locator(DOM[app].error).count();
    console.log(
      `${lesson} (${app}): ■ pressed ${presses} time(s); interrupted cell ${cells.target}:\n${interrupted.trim()}\nnext cell ${cells.next}:\n${next.trim().slice(0, 1200)}`,
    );
    await then({ app, interrupted, next, nextErrors, servers, page }, cells);
    if (cells.trials) {
      // Trials that went on after the interrupt would show their report under a later cell, late.
      await sleep(3_000);
      const later = (await Promise.all([1, 2, 3].map((k) => outputsOf(page, app, cells.target + k)))).join("\n");
      assert.ok(
        !later.includes(`${cells.trials}:`),
        `${lesson}: no report of the interrupted trials (${cells.trials}) under a later cell:\n${later.slice(0, 600)}`,
      );
    }
    await page
      .locator(inNotebook(app, DOM[app].cell))
      .nth(cells.target)
      .evaluate((el) => el.scrollIntoView({ block: "start" }));
    await sleep(300);
    await page.screenshot({ path: shot });
  } catch (err) {
    await page.screenshot({ path: shot.replace(/\.png$/, "-failed.png") }).catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
  }
}

/** The checks every interrupt must pass: one line on what stopped, no stack, a next cell that works or says what to re-run. */
function checkInterrupt(r: Interrupted, lesson: string): void {
  assert.match(
    r.interrupted,
    /Interrupted: .*run this cell again/,
    `${lesson}: the interrupted cell says what stopped and to run it again`,
  );
  assert.doesNotMatch(r.interrupted, STACK, `${lesson}: no stack trace under the interrupted cell`);
  assert.doesNotMatch(r.next, STACK, `${lesson}: no stack trace under the next cell`);
  if (r.nextErrors === 0) return;
  assert.match(
    r.next,
    /interrupted[^\n]*(run the cell that makes it again|run that cell again)/i,
    `${lesson}: the next cell's error says to run the interrupted cell again`,
  );
  for (const [, name] of r.next.matchAll(/Cannot find name '([\w$]+)'/g)) {
    const tips = r.next.split("\n").filter((line) => line.startsWith("Tip:") && line.includes(`'${name}'`));
    assert.ok(tips.length <= 1, `${lesson}: one tip for '${name}', not ${tips.length}`);
  }
}

// A query cell the student adds after the interrupt: which server and schema, and the table the trials wrote.
const PROBE =
  'console.log(await db.describe());\nconsole.log(`accounts: ${(await db.query("SELECT count(*)::int AS n FROM accounts")).rows[0].n} row(s)`);';

test(
  "interrupt: ■ in lessons 06 and 12 stops the running cell; the next cell works or says what to re-run; lesson 12's server survives",
  { timeout: 900_000 },
  async () => {
    await withCourse([LESSON_06, LESSON_12], async (context, course) => {
      await studentInterrupts(context, course, LESSON_06, "const plainReport = await countInThreads(", async (r) =>
        checkInterrupt(r, LESSON_06),
      );

      await studentInterrupts(context, course, LESSON_12, "const lostUpdate = await runTrials(", async (r, cells) => {
        checkInterrupt(r, LESSON_12);
        // The course's own server (none when the lesson uses an outside one, named by DATABASE_URL).
        console.log(
          `${LESSON_12}: the course's PostgreSQL server: ${r.servers.before.join(", ") || "none"} before the interrupt, ${r.servers.after.join(", ") || "none"} after the next cell`,
        );
        if (!process.env.DATABASE_URL) assert.equal(r.servers.before.length, 1, "the lesson's kernel started one PostgreSQL server");
        assert.deepEqual(r.servers.after, r.servers.before, `${LESSON_12}: the same PostgreSQL server process runs on after the interrupt`);
        const probe = await addCellBelow(r.page, r.app, cells.next, PROBE);
        const shown = await runCell(r.page, r.app, probe, CELL_TIMEOUT_MS);
        const first = await outputsOf(r.page, r.app, cells.first);
        const server = /^PostgreSQL .*$/m.exec(first)?.[0];
        assert.ok(server, `${LESSON_12}: the lesson's first cell names its server: ${first.slice(0, 300)}`);
        assert.ok(
          shown.includes(server),
          `${LESSON_12}: after the interrupt a query reaches the same server and schema (${server}); the added cell shows: ${shown.slice(0, 400)}`,
        );
        assert.match(shown, /accounts: [1-9]\d* row\(s\)/, `${LESSON_12}: the table the trials wrote before the interrupt is still there`);
      });
    });
  },
);
