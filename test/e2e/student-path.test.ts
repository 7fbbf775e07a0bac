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
// Works with the classic Notebook (served here) and with JupyterLab / Notebook 7 (their notebook
// DOM is JupyterLab's); which one served is detected from the page.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const ROOT = path.resolve(__dirname, "..", "..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const CHROMIUM = process.env.RACE_LAB_CHROMIUM ?? "/usr/bin/chromium";
const WELCOME = "notebooks/00-welcome.ipynb";
// Repository-relative; another notebook (e.g. a failing fixture, to see this test fail) can be named.
const LESSON = process.env.RACE_LAB_E2E_LESSON ?? "notebooks/04-shared-value.ipynb";
// The lesson whose explorer the student clicks through; "" skips that part.
const EXPLORER_LESSON = process.env.RACE_LAB_E2E_EXPLORER ?? "notebooks/11-you-are-the-scheduler.ipynb";
// The lesson whose transaction explorer the student clicks through; "" skips that part.
const TX_EXPLORER_LESSON = process.env.RACE_LAB_E2E_TX_EXPLORER ?? "notebooks/14-hermitage-live.ipynb";
const START_TIMEOUT_MS = 120_000; // setup (kernel check) + the server's start
const RUN_ALL_TIMEOUT_MS = 300_000; // one notebook's "run all"; the harness sees 04 take about a minute

// Chromium on a closed network, as root: no sandbox (root), nothing phoning home, no GPU.
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type App = "classic" | "lab";

/** The selectors that differ between the classic Notebook and JupyterLab's notebook (Lab, Notebook 7). */
const DOM: Record<App, { notebook: string; cell: string; codeCell: string; prompt: string; table: string; chart: string; error: string; editor: string; output: string }> = {
  classic: {
    editor: ".CodeMirror-code",
    output: ".output_area",
    notebook: "#notebook", // one notebook per page
    cell: ".cell",
    codeCell: ".cell.code_cell",
    prompt: ".input_prompt",
    table: ".output_html table",
    chart: ".output_svg svg",
    error: ".output_error, .output_stderr",
  },
  lab: {
    // The notebook in the visible tab: Lab restores earlier tabs (the welcome notebook stays open
    // behind the lesson), hidden but still in the DOM.
    notebook: ".jp-NotebookPanel:not(.lm-mod-hidden)",
    editor: ".cm-content",
    output: ".jp-OutputArea-output",
    cell: ".jp-Cell",
    codeCell: ".jp-CodeCell",
    prompt: ".jp-InputPrompt",
    table: ".jp-OutputArea-output table", // the output node is itself the .jp-RenderedHTMLCommon
    // Lab renders a trusted image/svg+xml output as an <img> of the SVG (an inline <svg> in some versions).
    chart: ".jp-RenderedSVG img, .jp-RenderedSVG svg",
    // Errors (tracebacks) and stderr both render with the stderr MIME type in Lab.
    error: '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]',
  },
};

/** `selector` (a comma-separated list) inside the visible notebook only. */
function inNotebook(app: App, selector: string): string {
  return selector
    .split(",")
    .map((part) => `${DOM[app].notebook} ${part.trim()}`)
    .join(", ");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = (server.address() as net.AddressInfo);
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Processes (other than this one) whose environment carries `marker`: the server, kernels, and
 * anything a lesson started — they all inherit the environment of `npm start`. Linux /proc. */
function markedProcesses(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) found.push(Number(entry));
    } catch {
      // it ended while we looked, or is not ours to read: not a leftover of this test
    }
  }
  return found;
}

interface Course {
  child: ChildProcess;
  url: string; // the URL `npm start` printed, with its token
  base: string; // http://127.0.0.1:PORT/
  token: string;
  marker: string;
  output: () => string;
}

/** `npm start -- --no-browser --port N`, the README's command; resolves with the URL it prints. */
async function startCourse(port: number, labDir: string): Promise<Course> {
  const marker = `RACE_LAB_E2E=${randomUUID()}`;
  // JupyterLab keeps settings and workspaces in ~/.jupyter/lab; give it a fresh pair instead, with
  // autosave off (outputs must not be saved into the working tree's notebooks; a blocked save would
  // raise a "File Save Error" dialog) and no news pop-up over the notebook. The classic Notebook
  // ignores these.
  const settings = path.join(labDir, "settings");
  mkdirSync(path.join(settings, "@jupyterlab", "docmanager-extension"), { recursive: true });
  writeFileSync(path.join(settings, "@jupyterlab", "docmanager-extension", "plugin.jupyterlab-settings"), JSON.stringify({ autosave: false }));
  mkdirSync(path.join(settings, "@jupyterlab", "apputils-extension"), { recursive: true });
  writeFileSync(path.join(settings, "@jupyterlab", "apputils-extension", "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false" }));
  // RACE_LAB_E2E_APP=lab|classic asks `npm start` for that app (it fails when it is not installed).
  const appFlag = process.env.RACE_LAB_E2E_APP ? [`--${process.env.RACE_LAB_E2E_APP}`] : [];
  const child = spawn("npm", ["start", "--", "--no-browser", "--port", String(port), ...appFlag], {
    cwd: ROOT,
    // Own process group, so teardown can signal npm, the start script and Jupyter together (npm
    // alone does not pass SIGTERM on to grandchildren).
    detached: true,
    env: {
      ...process.env,
      [marker.split("=")[0]]: marker.split("=")[1],
      BROWSER: "true", // should anything still try to open a browser, it runs `true`
      JUPYTERLAB_SETTINGS_DIR: settings,
      JUPYTERLAB_WORKSPACES_DIR: path.join(labDir, "workspaces"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const output = () => text;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no URL within ${START_TIMEOUT_MS / 1000} s:\n${text}`)), START_TIMEOUT_MS);
    const look = (chunk: Buffer) => {
      text += chunk.toString();
      // Classic: http://127.0.0.1:N/?token=…; Lab / Notebook 7: http://127.0.0.1:N/lab?token=… (or /tree?token=…)
      const m = new RegExp(`https?://(?:localhost|127\\.0\\.0\\.1):${port}/\\S*[?&]token=[0-9a-f]+`).exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[0].replace("//localhost:", "//127.0.0.1:"));
      }
    };
    child.stdout!.on("data", look);
    child.stderr!.on("data", look);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before printing a URL:\n${text}`));
    });
  });
  const token = new URL(url).searchParams.get("token")!;
  return { child, url, base: `http://127.0.0.1:${port}/`, token, marker, output };
}

/** Jupyter's REST API (the same in the classic Notebook and Jupyter Server). */
async function api(course: Course, method: string, route: string): Promise<any> {
  const res = await fetch(new URL(route, course.base), {
    method,
    headers: { Authorization: `token ${course.token}` },
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`${method} ${route}: HTTP ${res.status}`);
  return res.status === 204 ? null : res.json();
}

/** Shuts down every kernel, then the server (whole process group), then checks that nothing it
 * started is still running; kills and reports any leftover. */
async function stopCourse(course: Course): Promise<number[]> {
  try {
    for (const session of await api(course, "GET", "api/sessions")) await api(course, "DELETE", `api/sessions/${session.id}`);
  } catch {
    // the server may be gone already; the process checks below still run
  }
  const exited = new Promise<void>((resolve) => {
    if (course.child.exitCode !== null || course.child.signalCode !== null) resolve();
    else course.child.once("exit", () => resolve());
  });
  try {
    process.kill(-course.child.pid!, "SIGTERM"); // Jupyter shuts its kernels down on SIGTERM
  } catch {
    // already gone
  }
  await Promise.race([exited, sleep(20_000)]);
  // Jupyter's own shutdown may take a moment after npm has gone; give the marked processes time.
  const deadline = Date.now() + 20_000;
  let left = markedProcesses(course.marker);
  while (left.length && Date.now() < deadline) {
    await sleep(250);
    left = markedProcesses(course.marker);
  }
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // ended in between
    }
  }
  return left;
}

/** Which app rendered this page. */
async function detectApp(page: Page): Promise<App> {
  const found = await page
    .waitForSelector("body.notebook_app, .jp-Notebook", { state: "attached", timeout: 120_000 }) // Lab: maybe a restored, hidden tab
    .then((el) => el.evaluate((node) => (node.matches("body.notebook_app") ? "classic" : "lab")));
  return found as App;
}

/** The notebook's kernel as the server sees it ("idle", "busy", "starting"…), or undefined. */
async function kernelState(course: Course, notebook: string): Promise<string | undefined> {
  const sessions: any[] = await api(course, "GET", "api/sessions");
  return sessions.find((s) => String(s.path ?? s.notebook?.path) === notebook)?.kernel?.execution_state;
}

/** The page's own kernel indicator, showing an idle kernel (Lab: in the visible notebook's toolbar;
 * it reads "idle" before the kernel is connected, so Lab also asks the server, see waitForKernel). */
function idleIndicator(app: App): string {
  return app === "classic" ? "#kernel_indicator_icon.kernel_idle_icon" : inNotebook(app, '.jp-Notebook-ExecutionIndicator[data-status="idle"]');
}

/**
 * Waits until the page is connected to an idle kernel: "Run All" before that runs nothing in Lab.
 * Classic: the page knows (and its server may report "starting" until the first execution, when the
 * kernel's first status message went out before the server listened). Lab: its server knows.
 */
async function waitForKernel(page: Page, app: App, course: Course, notebook: string): Promise<void> {
  if (app === "classic") {
    await page.waitForFunction(() => (globalThis as any).Jupyter?.notebook?.kernel?.is_connected?.(), null, { timeout: 60_000 });
  }
  await page.waitForSelector(idleIndicator(app), { timeout: 60_000 });
  if (app === "lab") {
    const deadline = Date.now() + 60_000;
    while ((await kernelState(course, notebook)) !== "idle") {
      if (Date.now() > deadline) throw new Error(`${notebook}: the server did not report an idle kernel within 60 s`);
      await sleep(250);
    }
  }
}

/**
 * Runs all cells from the menu, as a student would, and waits until a cell is queued or has run.
 * Lab can still ignore the first click just after its kernel connected (no cell queued); a second
 * click then is what a student would do, and cannot run anything twice.
 */
async function runAll(page: Page, app: App): Promise<void> {
  if (app === "classic") {
    // Saves are blocked (see the test); without autosave there is no "Autosave Failed!" banner either.
    await page.evaluate(() => (globalThis as any).Jupyter.notebook.set_autosave_interval(0));
  }
  const prompts = inNotebook(app, `${DOM[app].codeCell} ${DOM[app].prompt}`);
  for (let attempt = 1; ; attempt++) {
    if (app === "classic") {
      await page.click("#celllink"); // Cell
      await page.click("#run_all_cells"); // Run All
    } else {
      await page.getByRole("menuitem", { name: "Run", exact: true }).click();
      await page.getByRole("menuitem", { name: /^Run All Cells/ }).click();
    }
    const started = await page
      .waitForFunction((sel) => [...(globalThis as any).document.querySelectorAll(sel)].some((el: any) => /\[(\*|\d+)\]/.test(el.textContent ?? "")), prompts, { timeout: 10_000 })
      .then(() => true, () => false);
    if (started) return;
    if (attempt === 3) throw new Error(`"Run All" queued no cell after ${attempt} clicks`);
  }
}

/**
 * Waits until "run all" has started (a cell is numbered), no code cell is queued or running ("[*]"),
 * and, twice in a row, the page shows an idle kernel and the server does not say it is busy.
 * Returns the prompts.
 */
async function waitUntilDone(page: Page, app: App, course: Course, notebook: string): Promise<string[]> {
  const { codeCell, prompt } = DOM[app];
  const deadline = Date.now() + RUN_ALL_TIMEOUT_MS;
  let prompts: string[] = [];
  let idleSeen = 0;
  for (;;) {
    prompts = await page.$$eval(inNotebook(app, `${codeCell} ${prompt}`), (els) => els.map((el) => (el.textContent ?? "").trim()));
    const started = prompts.some((p) => /\[\d+\]/.test(p));
    const running = prompts.some((p) => p.includes("*"));
    const idle = started && !running && (await page.$(idleIndicator(app))) !== null && (await kernelState(course, notebook)) !== "busy";
    idleSeen = idle ? idleSeen + 1 : 0;
    if (idleSeen >= 2) return prompts;
    if (Date.now() > deadline) {
      throw new Error(`${notebook}: "run all" not finished after ${RUN_ALL_TIMEOUT_MS / 1000} s; prompts: ${prompts.join(" ")}`);
    }
    await sleep(500);
  }
}

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
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  try {
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60_000 });
    const app = await detectApp(page);
    const dom = DOM[app];
    if (app === "lab") {
      // Lab first restores the tabs opened earlier in this session: wait until this notebook's tab is the current one.
      await page.waitForFunction(
        (name) => (globalThis as any).document.querySelector(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")?.textContent === name,
        path.basename(notebook),
        { timeout: 120_000 },
      );
    }
    await page.waitForSelector(inNotebook(app, dom.codeCell), { timeout: 60_000 });
    await waitForKernel(page, app, course, notebook);
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

/** The reference solution of one exercise: its solution cell in the instructor's version of the lesson. */
function referenceSolution(lesson: string, exercise: string): { index: number; text: string } {
  const nb = JSON.parse(readFileSync(path.join(ROOT, lesson.replace(/^notebooks\//, "instructor/")), "utf8")) as { cells: { metadata: any; source: string[] }[] };
  const index = nb.cells.findIndex((c) => c.metadata?.nbgrader?.grade_id === `${exercise}-solution`);
  assert.ok(index >= 0, `${lesson}: no solution cell for ${exercise}`);
  return { index, text: nb.cells[index].source.join("").replace(/^[ \t]*\/\/ (BEGIN|END) SOLUTION\n/gm, "") };
}

/** Replaces the text of cell `index` (all cells counted) by typing, as a student would. */
async function typeInto(page: Page, app: App, index: number, text: string): Promise<void> {
  const cell = page.locator(inNotebook(app, DOM[app].cell)).nth(index);
  await cell.locator(DOM[app].editor).first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** The text of every output of cell `index`. */
async function outputsOf(page: Page, app: App, index: number): Promise<string> {
  return (await page.locator(inNotebook(app, DOM[app].cell)).nth(index).locator(DOM[app].output).allTextContents()).join("\n");
}

async function waitForOutput(page: Page, app: App, index: number, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await outputsOf(page, app, index);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`cell ${index}: no output matching ${pattern} within ${timeoutMs / 1000} s; it shows: ${text.slice(0, 600)}`);
    await sleep(500);
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
async function studentSolvesAndInterrupts(context: BrowserContext, course: Course, url: string, notebook: string, exercise: string): Promise<{ check: string; interrupted: string }> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  try {
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60_000 });
    const app = await detectApp(page);
    await page.waitForSelector(inNotebook(app, DOM[app].codeCell), { timeout: 60_000 });
    await waitForKernel(page, app, course, notebook);
    if (app === "classic") await page.evaluate(() => (globalThis as any).Jupyter.notebook.set_autosave_interval(0));

    // The kernel is the one "run all" used (same session): the lesson's definitions are there.
    const { index, text } = referenceSolution(notebook, exercise);
    await typeInto(page, app, index, text);
    await page.keyboard.press("Shift+Enter"); // the solution cell; the cursor moves to its check
    await waitForOutput(page, app, index, /^$|./, 5_000).catch(() => "");
    await sleep(1_000);
    await page.keyboard.press("Shift+Enter"); // the check
    const check = await waitForOutput(page, app, index + 1, /✔|✘/, 240_000);
    await page.locator(inNotebook(app, DOM[app].cell)).nth(index).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "e2e-solved.png") });

    // A new cell right after the check (click into it, Esc: command mode; b: insert below), typed and run.
    const cells = index + 2;
    await page.locator(inNotebook(app, DOM[app].cell)).nth(index + 1).locator(DOM[app].editor).first().click();
    await page.keyboard.press("Escape");
    await page.keyboard.press("b");
    await page.keyboard.press("Enter");
    await page.keyboard.insertText(LONG_RUN);
    await page.keyboard.press("Control+Enter");
    await waitForOutput(page, app, cells, /trials done/, 240_000);
    if (app === "classic") {
      await page.click("#kernellink");
      await page.click("#int_kernel");
    } else {
      await page.getByRole("menuitem", { name: "Kernel", exact: true }).click();
      await page.getByRole("menuitem", { name: /^Interrupt Kernel/ }).click();
    }
    const interrupted = await waitForOutput(page, app, cells, /Interrupted: ended[\s\S]*trial\s*expected/, 120_000);
    await sleep(1_000);
    await page.locator(inNotebook(app, DOM[app].cell)).nth(cells).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, "e2e-interrupted.png") });
    return { check, interrupted: await outputsOf(page, app, cells) || interrupted };
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

test("student path: npm start, open the welcome notebook and a lesson, run all; tables and charts render, no errors", { timeout: 900_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (Debian: apt-get install chromium), or set RACE_LAB_CHROMIUM`);
  assert.ok(existsSync(path.join(ROOT, LESSON)), `the lesson ${LESSON} exists`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const before = new Map([WELCOME, LESSON, ...(EXPLORER_LESSON ? [EXPLORER_LESSON] : []), ...(TX_EXPLORER_LESSON ? [TX_EXPLORER_LESSON] : [])].map((nb) => [nb, readFileSync(path.join(ROOT, nb))]));
  const profile = mkdtempSync(path.join(tmpdir(), "race-lab-e2e-chromium-"));
  const labDir = mkdtempSync(path.join(tmpdir(), "race-lab-e2e-lab-"));
  const course = await startCourse(await freePort(), labDir);
  let context: BrowserContext | undefined;
  let leftovers: number[] = [];
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1300 },
      timeout: 60_000,
    });
    // The student's path runs notebooks in the working tree: never let the browser write them —
    // outputs would land in the committed notebooks. Reading, and the checkpoint Lab makes on
    // opening (.ipynb_checkpoints/, git-ignored), go through.
    await context.route("**/api/contents/**", (route) => {
      const { method, url } = { method: route.request().method(), url: route.request().url() };
      return method === "GET" || (method === "POST" && /\/checkpoints(\?|$)/.test(url)) ? route.continue() : route.abort();
    });

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
      const played = await studentRunsNotebook(context, course, explorerUrl, EXPLORER_LESSON, shot, (page, app) => clickThroughExplorer(page, app, shot));
      console.log(`${EXPLORER_LESSON} (${played.app}): ${played.cells} code cells, explorer clicked through a bad schedule`);
      assert.deepEqual(played.errors, [], `${EXPLORER_LESSON}: no cell shows an error`);
    }
    if (TX_EXPLORER_LESSON) {
      const txUrl = welcome.url.split(/[?#]/)[0].replace(WELCOME, TX_EXPLORER_LESSON) + (welcome.app === "lab" ? "?reset" : "");
      const shot = path.join(ARTIFACTS, `e2e-tx-explorer-${welcome.app}.png`);
      const played = await studentRunsNotebook(context, course, txUrl, TX_EXPLORER_LESSON, shot, (page, app) => clickThroughTransactionExplorer(page, app, shot));
      console.log(`${TX_EXPLORER_LESSON} (${played.app}): ${played.cells} code cells, transaction explorer clicked through a lost update`);
      assert.deepEqual(played.errors, [], `${TX_EXPLORER_LESSON}: no cell shows an error`);
    }
  } catch (err) {
    console.log(`npm start's output:\n${course.output().slice(-4000)}`);
    throw err;
  } finally {
    await context?.close().catch(() => {});
    leftovers = await stopCourse(course);
    if (leftovers.length) console.log(`processes that outlived the course (now killed): ${leftovers.join(", ")}`);
    rmSync(profile, { recursive: true, force: true });
    rmSync(labDir, { recursive: true, force: true });
  }
  assert.deepEqual(leftovers, [], "no process started by the course (server, kernels, workers) outlives it");
  for (const [nb, bytes] of before) assert.ok(readFileSync(path.join(ROOT, nb)).equals(bytes), `${nb} was not modified on disk`);
});
