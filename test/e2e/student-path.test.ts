// `npm run test:e2e`: the student's path in a real browser. Starts the course exactly as the README
// says (`npm start`, here with `-- --no-browser --port N`), drives Debian's Chromium with
// playwright-core, opens the welcome notebook and a lesson, runs all cells from the menu, and checks
// that the outcome table (HTML) and the chart (SVG) render and that no cell shows an error.
// The lesson is the student version (notebooks/: nothing solved), so "run all" must run to the end
// with every check saying "not solved yet". Then, in the same lesson, the student solves one
// exercise (types the instructor's reference solution into the stub's cell, runs it and its check:
// "solved"), and starts a long run of trials and interrupts it (■): one line says what stopped, the
// finished trials stay, and no stack trace shows.
// Screenshots: test-artifacts/e2e-welcome.png, e2e-lesson.png, e2e-solved.png, e2e-interrupted.png.
// Works with the classic Notebook (served here) and with JupyterLab / Notebook 7 (course-browser.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { ARTIFACTS, sleep, withCourse, type Course } from "./course-server";
import {
  DOM,
  addCellBelow,
  inNotebook,
  interruptKernel,
  openNotebook,
  outputsOf,
  referenceSolution,
  runAll,
  typeInto,
  waitForOutput,
  waitUntilDone,
  type App,
} from "./notebook-page";

const WELCOME = "notebooks/00-welcome.ipynb";
// Repository-relative; another notebook (e.g. a failing fixture, to see this test fail) can be named.
const LESSON = process.env.RACE_LAB_E2E_LESSON ?? "notebooks/04-shared-value.ipynb";
// The lesson whose explorer the student clicks through; "" skips that part.
const EXPLORER_LESSON = process.env.RACE_LAB_E2E_EXPLORER ?? "notebooks/11-you-are-the-scheduler.ipynb";
// The lesson whose transaction explorer the student clicks through; "" skips that part.
const TX_EXPLORER_LESSON = process.env.RACE_LAB_E2E_TX_EXPLORER ?? "notebooks/14-hermitage-live.ipynb";

interface Rendered {
  app: App;
  url: string; // where the page ended up (the notebook's URL in that app)
  cells: number;
  tables: number;
  charts: number;
  errors: string[];
}

/** Opens `url`, runs all, checks what rendered, and saves a screenshot showing a table and a chart. */
async function studentRunsNotebook(
  context: BrowserContext,
  course: Course,
  url: string,
  notebook: string,
  screenshot: string,
  after?: (page: Page, app: App) => Promise<void>,
): Promise<Rendered> {
  const { page, app } = await openNotebook(context, course, url, notebook);
  const dom = DOM[app];
  try {
    await runAll(page, app);
    const prompts = await waitUntilDone(page, app, course, notebook);
    // Outputs render right after the replies; give the last one a moment to lay out.
    await page.waitForSelector(inNotebook(app, dom.chart), { state: "visible", timeout: 15_000 }).catch(() => {});
    const errors = await page.$$eval(inNotebook(app, dom.error), (els) => els.map((el) => (el.textContent ?? "").trim().slice(0, 500)));
    // A cell left unnumbered did not run: tslab answers `abort` to the rest of the queue after a failure.
    prompts.forEach((p, i) => {
      if (!/\[\d+\]/.test(p)) errors.push(`code cell ${i + 1} did not run (prompt "${p}")`);
    });
    const visible = async (selector: string) => {
      let n = 0;
      for (const el of await page.$$(selector)) {
        const box = await el.boundingBox();
        if (box && box.width > 50 && box.height > 20) n++;
      }
      return n;
    };
    const rendered = {
      app,
      url: page.url(),
      cells: (await page.$$(inNotebook(app, dom.codeCell))).length,
      tables: await visible(inNotebook(app, dom.table)),
      charts: await visible(inNotebook(app, dom.chart)),
      errors,
    };
    // Put the first cell that shows a chart at the top of the window (its table is just above the
    // chart, in the same output), then capture the window.
    const first = await page.$(inNotebook(app, dom.chart));
    if (first) {
      await first.evaluate((el, cellSel) => (el.closest(cellSel) ?? el).scrollIntoView({ block: "start" }), dom.cell);
      await sleep(300);
    }
    if (after) await after(page, app);
    else await page.screenshot({ path: screenshot });
    return rendered;
  } catch (err) {
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-failed.png") }).catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
  }
}

/** The long run the student interrupts: trials of two processes that each nap 300 ms. */
const LONG_RUN = [
  'import { runProcesses, sleepSync } from "race-lab";',
  'import { runTrials } from "race-lab/course";',
  "function nap(): number { sleepSync(300); return 1; }",
  'await runTrials({ demo: "two napping processes", variant: "unsafe", trials: 200, expected: 3,',
  "  run: async () => (await runProcesses(nap, [[], []])).length });",
].join("\n");

/**
 * In the lesson's page, after "run all": solves `exercise` with the reference solution and runs its
 * check; then adds a cell with a long run of trials, waits for its progress line, and interrupts it.
 */
async function studentSolvesAndInterrupts(
  context: BrowserContext,
  course: Course,
  url: string,
  notebook: string,
  exercise: string,
): Promise<{ check: string; interrupted: string }> {
  const { page, app } = await openNotebook(context, course, url, notebook);
  try {
    // The kernel is the one "run all" used (same session): the lesson's definitions are there.
    const { index, check: checkIndex, text } = referenceSolution(notebook, exercise);
    await typeInto(page, app, index, text);
    await page.keyboard.press("Shift+Enter"); // the solution cell; the cursor moves to its check
    await waitForOutput(page, app, index, /^$|./, 5_000).catch(() => "");
    await sleep(1_000);
    // The locked cells between the solution and its check (hints, helpers), then the check.
    for (let i = index + 1; i <= checkIndex; i++) await page.keyboard.press("Shift+Enter");
    const check = await waitForOutput(page, app, checkIndex, /✔|✘/, 240_000);
    await page.locator(inNotebook(app, DOM[app].cell)).nth(index).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "e2e-solved.png") });

    // A new cell right after the check, typed and run; interrupted from the Kernel menu.
    const cells = await addCellBelow(page, app, checkIndex, LONG_RUN);
    await page.keyboard.press("Control+Enter");
    await waitForOutput(page, app, cells, /trials done/, 240_000);
    await interruptKernel(page, app, "menu");
    const interrupted = await waitForOutput(page, app, cells, /Interrupted: ended[\s\S]*trial\s*expected/, 120_000);
    await sleep(1_000);
    await page.locator(inNotebook(app, DOM[app].cell)).nth(cells).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "e2e-interrupted.png") });
    return { check, interrupted: (await outputsOf(page, app, cells)) || interrupted };
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, "e2e-solve-interrupt-failed.png") }).catch(() => {});
    throw err;
  } finally {
    await page.close().catch(() => {});
  }
}

/**
 * In a lesson that ran: the first explorer went live (its script ran: the static table is hidden),
 * "show me a bad schedule" plays a lost update to its end, and choosing workers by hand plays a
 * serial schedule to the right outcome. Screenshot: test-artifacts/e2e-explorer.png.
 */
async function clickThroughExplorer(page: Page, app: App, screenshot: string): Promise<void> {
  const explorer = page.locator(inNotebook(app, ".rl-explorer")).first();
  await explorer.scrollIntoViewIfNeeded();
  await explorer.locator(".rl-live").waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await explorer.locator(".rl-static").isVisible(), false, "the static table gives way to the live explorer");
  await explorer.locator("button.rl-bad").click();
  const outcome = explorer.locator(".rl-outcome");
  await outcome.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await outcome.innerText(), /observed 1 ✗ expected 2: a lost update/);
  assert.equal(await explorer.locator("ol.rl-steps li").count(), 4, "the bad schedule was played step by step");
  await page.screenshot({ path: screenshot });
  await explorer.locator("button.rl-restart").click();
  for (const w of [1, 1, 0, 0]) await explorer.locator(`button.rl-go[data-worker="${w}"]`).click();
  assert.match(await outcome.innerText(), /observed 2 ✓ as expected/);
  assert.match(await explorer.locator(".rl-state").innerText(), /shared state: 2/);
}

/**
 * In a lesson that ran: the first transaction explorer went live, "show me a broken interleaving"
 * plays a lost update to its end (the check failed, the checker names the cycle), and choosing the
 * transactions by hand plays the serial order to a check that held.
 */
async function clickThroughTransactionExplorer(page: Page, app: App, screenshot: string): Promise<void> {
  const explorer = page.locator(inNotebook(app, ".rl-tx-explorer")).first();
  await explorer.scrollIntoViewIfNeeded();
  await explorer.locator(".rl-live").waitFor({ state: "visible", timeout: 15_000 });
  assert.equal(await explorer.locator(".rl-static").isVisible(), false, "the static table gives way to the live explorer");
  await explorer.locator("button.rl-bad").click();
  const outcome = explorer.locator(".rl-outcome");
  await outcome.waitFor({ state: "visible", timeout: 15_000 });
  assert.match(await outcome.innerText(), /the check failed/);
  assert.match(await explorer.locator(".rl-verdict").innerText(), /lost update/);
  await page.screenshot({ path: screenshot });
  await explorer.locator("button.rl-restart").click();
  for (const t of [0, 0, 0, 1, 1, 1]) await explorer.locator(`button.rl-go[data-tx="${t}"]`).click();
  assert.match(await outcome.innerText(), /the check held/);
}

test(
  "student path: npm start, open the welcome notebook and a lesson, run all; tables and charts render, no errors",
  { timeout: 900_000 },
  async () => {
    const notebooks = [WELCOME, LESSON, ...(EXPLORER_LESSON ? [EXPLORER_LESSON] : []), ...(TX_EXPLORER_LESSON ? [TX_EXPLORER_LESSON] : [])];
    await withCourse(notebooks, async (context, course) => {
      // The URL `npm start` printed leads to the welcome notebook (the app's default URL).
      const welcome = await studentRunsNotebook(context, course, course.url, WELCOME, path.join(ARTIFACTS, "e2e-welcome.png"));
      console.log(`welcome (${welcome.app}): ${welcome.cells} code cells, ${welcome.tables} tables, ${welcome.charts} charts`);
      assert.deepEqual(welcome.errors, [], `${WELCOME}: no cell shows an error`);
      assert.ok(welcome.tables >= 1, `${WELCOME}: the outcome table renders`);
      assert.ok(welcome.charts >= 1, `${WELCOME}: the chart renders`);

      // The lesson, at the same kind of URL as the welcome notebook's in whichever app served it
      // (classic and Notebook 7: /notebooks/notebooks/…, Lab: /lab/tree/notebooks/…).
      assert.ok(welcome.url.includes(WELCOME), `npm start's URL opened ${welcome.url}, the welcome notebook`);
      const lessonUrl = welcome.url.split(/[?#]/)[0].replace(WELCOME, LESSON);
      const lesson = await studentRunsNotebook(context, course, lessonUrl, LESSON, path.join(ARTIFACTS, "e2e-lesson.png"));
      console.log(`${LESSON} (${lesson.app}): ${lesson.cells} code cells, ${lesson.tables} tables, ${lesson.charts} charts`);
      assert.deepEqual(lesson.errors, [], `${LESSON}: no cell shows an error`);
      assert.ok(lesson.tables >= 1, `${LESSON}: the outcome table renders`);
      assert.ok(lesson.charts >= 1, `${LESSON}: the chart renders`);

      const exercise = process.env.RACE_LAB_E2E_EXERCISE ?? "04-ex1";
      const solved = await studentSolvesAndInterrupts(context, course, lessonUrl, LESSON, exercise);
      console.log(`solved ${exercise}: ${solved.check.trim()}\ninterrupted: ${solved.interrupted.slice(0, 400)}`);
      assert.match(solved.check, new RegExp(`✔ ${exercise}: solved`), "the reference solution, typed in, passes its check");
      assert.match(solved.interrupted, /Interrupted: ended 2 processes; \d+ of 200 trials done/);
      assert.doesNotMatch(solved.interrupted, /Interrupted asynchronously|at Object\.|executor\.js/, "no stack trace");
      if (EXPLORER_LESSON) {
        // Lab: `?reset` opens this notebook alone, without restoring the two tabs opened before.
        const explorerUrl = welcome.url.split(/[?#]/)[0].replace(WELCOME, EXPLORER_LESSON) + (welcome.app === "lab" ? "?reset" : "");
        const shot = path.join(ARTIFACTS, `e2e-explorer-${welcome.app}.png`);
        const played = await studentRunsNotebook(context, course, explorerUrl, EXPLORER_LESSON, shot, (page, app) =>
          clickThroughExplorer(page, app, shot),
        );
        console.log(`${EXPLORER_LESSON} (${played.app}): ${played.cells} code cells, explorer clicked through a bad schedule`);
        assert.deepEqual(played.errors, [], `${EXPLORER_LESSON}: no cell shows an error`);
      }
      if (TX_EXPLORER_LESSON) {
        const txUrl = welcome.url.split(/[?#]/)[0].replace(WELCOME, TX_EXPLORER_LESSON) + (welcome.app === "lab" ? "?reset" : "");
        const shot = path.join(ARTIFACTS, `e2e-tx-explorer-${welcome.app}.png`);
        const played = await studentRunsNotebook(context, course, txUrl, TX_EXPLORER_LESSON, shot, (page, app) =>
          clickThroughTransactionExplorer(page, app, shot),
        );
        console.log(
          `${TX_EXPLORER_LESSON} (${played.app}): ${played.cells} code cells, transaction explorer clicked through a lost update`,
        );
        assert.deepEqual(played.errors, [], `${TX_EXPLORER_LESSON}: no cell shows an error`);
      }
    });
  },
);
