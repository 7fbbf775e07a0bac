// What a student does in a notebook's page, for the browser tests (test/e2e/*.test.ts): open it, run
// all (or the cells above one), type into a cell, run it, add one, interrupt the kernel (■ or the
// menu), read the outputs. In the classic Notebook and in JupyterLab / Notebook 7 (their notebook DOM
// is JupyterLab's); which one served is detected from the page. The course itself: course-server.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { ARTIFACTS, ROOT, kernelState, sleep, type Course } from "./course-server";

const RUN_ALL_TIMEOUT_MS = 300_000; // one notebook's "run all"; the harness sees 04 take about a minute

export type App = "classic" | "lab";

/** The selectors that differ between the classic Notebook and JupyterLab's notebook (Lab, Notebook 7). */
export const DOM: Record<
  App,
  {
    notebook: string;
    cell: string;
    codeCell: string;
    prompt: string;
    table: string;
    chart: string;
    error: string;
    editor: string;
    output: string;
  }
> = {
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
export function inNotebook(app: App, selector: string): string {
  return selector
    .split(",")
    .map((part) => `${DOM[app].notebook} ${part.trim()}`)
    .join(", ");
}

/** Which app rendered this page. */
export async function detectApp(page: Page): Promise<App> {
  const found = await page
    .waitForSelector("body.notebook_app, .jp-Notebook", { state: "attached", timeout: 120_000 }) // Lab: maybe a restored, hidden tab
    .then((el) => el.evaluate((node) => (node.matches("body.notebook_app") ? "classic" : "lab")));
  return found as App;
}

/** The page's own kernel indicator, showing an idle kernel (Lab: in the visible notebook's toolbar;
 * it reads "idle" before the kernel is connected, so Lab also asks the server, see waitForKernel). */
function idleIndicator(app: App): string {
  return app === "classic"
    ? "#kernel_indicator_icon.kernel_idle_icon"
    : inNotebook(app, '.jp-Notebook-ExecutionIndicator[data-status="idle"]');
}

/**
 * Waits until the page is connected to an idle kernel: "Run All" before that runs nothing in Lab.
 * Classic: the page knows (and its server may report "starting" until the first execution, when the
 * kernel's first status message went out before the server listened). Lab: its server knows.
 */
export async function waitForKernel(page: Page, app: App, course: Course, notebook: string): Promise<void> {
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
 * Runs all cells (or, with "above", all cells above the selected one) from the menu, as a student
 * would, and waits until a cell is queued or has run. Lab can still ignore the first click just after
 * its kernel connected (no cell queued); a second click then is what a student would do, and cannot
 * run anything twice.
 */
export async function runAll(page: Page, app: App, which: "all" | "above" = "all"): Promise<void> {
  const prompts = inNotebook(app, `${DOM[app].codeCell} ${DOM[app].prompt}`);
  for (let attempt = 1; ; attempt++) {
    if (app === "classic") {
      await page.click("#celllink"); // Cell
      await page.click(which === "all" ? "#run_all_cells" : "#run_all_cells_above"); // Run All / Run All Above
    } else {
      await page.getByRole("menuitem", { name: "Run", exact: true }).click();
      await page.getByRole("menuitem", { name: which === "all" ? /^Run All Cells/ : /^Run All Above Selected Cell/ }).click();
    }
    const started = await page
      .waitForFunction(
        (sel) => [...(globalThis as any).document.querySelectorAll(sel)].some((el: any) => /\[(\*|\d+)\]/.test(el.textContent ?? "")),
        prompts,
        { timeout: 10_000 },
      )
      .then(
        () => true,
        () => false,
      );
    if (started) return;
    if (attempt === 3) throw new Error(`"Run All" queued no cell after ${attempt} clicks`);
  }
}

/**
 * Waits until "run all" (or any run of cells) has started (a cell is numbered), no code cell is queued or running ("[*]"),
 * and, twice in a row, the page shows an idle kernel and the server does not say it is busy.
 * Returns the prompts.
 */
export async function waitUntilDone(page: Page, app: App, course: Course, notebook: string): Promise<string[]> {
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

/** The reference solution of one exercise: its solution cell in the instructor's version of the lesson. */
export function referenceSolution(lesson: string, exercise: string): { index: number; check: number; text: string } {
  const nb = JSON.parse(readFileSync(path.join(ROOT, lesson.replace(/^notebooks\//, "instructor/")), "utf8")) as {
    cells: { metadata: any; source: string[] }[];
  };
  const index = nb.cells.findIndex((c) => c.metadata?.nbgrader?.grade_id === `${exercise}-solution`);
  assert.ok(index >= 0, `${lesson}: no solution cell for ${exercise}`);
  // The check may come a few locked cells later (its hints, its helpers).
  const check = nb.cells.findIndex((c) => c.metadata?.nbgrader?.grade_id === `${exercise}-test`);
  assert.ok(check > index, `${lesson}: no check cell for ${exercise} after its solution`);
  return { index, check, text: nb.cells[index].source.join("").replace(/^[ \t]*\/\/ (BEGIN|END) SOLUTION\n/gm, "") };
}

/** Replaces the text of cell `index` (all cells counted) by typing, as a student would. */
export async function typeInto(page: Page, app: App, index: number, text: string): Promise<void> {
  const cell = page.locator(inNotebook(app, DOM[app].cell)).nth(index);
  await cell.locator(DOM[app].editor).first().click();
  await page.keyboard.press("Control+A");
  await page.keyboard.insertText(text);
}

/** The text of every output of cell `index`. */
export async function outputsOf(page: Page, app: App, index: number): Promise<string> {
  return (await page.locator(inNotebook(app, DOM[app].cell)).nth(index).locator(DOM[app].output).allTextContents()).join("\n");
}

export async function waitForOutput(page: Page, app: App, index: number, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await outputsOf(page, app, index);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`cell ${index}: no output matching ${pattern} within ${timeoutMs / 1000} s; it shows: ${text.slice(0, 600)}`);
    await sleep(500);
  }
}

/**
 * Opens `url` in a new page and waits until `notebook` (repository-relative) shows all its cells and
 * is connected to an idle kernel. Classic: autosave off (saves are blocked, see withCourse; without
 * autosave there is no "Autosave Failed!" banner either).
 */
export async function openNotebook(
  context: BrowserContext,
  course: Course,
  url: string,
  notebook: string,
): Promise<{ page: Page; app: App }> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  try {
    await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60_000 });
    const app = await detectApp(page);
    if (app === "lab") {
      // Lab first restores the tabs opened earlier in this session: wait until this notebook's tab is the current one.
      await page.waitForFunction(
        (name) =>
          (globalThis as any).document.querySelector(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
            ?.textContent === name,
        path.basename(notebook),
        { timeout: 120_000 },
      );
    }
    // Every cell in the page (Lab adds them in batches), so that cell `i` of the file is cell `i` of the page.
    const cells = (JSON.parse(readFileSync(path.join(ROOT, notebook), "utf8")) as { cells: unknown[] }).cells.length;
    await page.waitForFunction(
      ([sel, n]) => (globalThis as any).document.querySelectorAll(sel).length >= n,
      [inNotebook(app, DOM[app].cell), cells] as const,
      { timeout: 120_000 },
    );
    await waitForKernel(page, app, course, notebook);
    if (app === "classic") await page.evaluate(() => (globalThis as any).Jupyter.notebook.set_autosave_interval(0));
    return { page, app };
  } catch (err) {
    await page.screenshot({ path: path.join(ARTIFACTS, `e2e-open-${path.basename(notebook, ".ipynb")}-failed.png`) }).catch(() => {});
    await page.close().catch(() => {});
    throw err;
  }
}

/** Interrupts the kernel as a student would: the toolbar's ■ button, or Kernel → Interrupt in the menu. */
export async function interruptKernel(page: Page, app: App, via: "button" | "menu"): Promise<void> {
  if (via === "button") {
    await page.click(
      app === "classic"
        ? 'button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]'
        : inNotebook(app, '.jp-Toolbar [data-command="notebook:interrupt-kernel"]'),
    );
  } else if (app === "classic") {
    await page.click("#kernellink");
    await page.click("#int_kernel");
  } else {
    await page.getByRole("menuitem", { name: "Kernel", exact: true }).click();
    await page.getByRole("menuitem", { name: /^Interrupt Kernel/ }).click();
  }
}

/** The prompt of cell `index` (all cells counted): "[3]:", "[*]:", "[ ]:". */
export async function promptOf(page: Page, app: App, index: number): Promise<string> {
  return ((await page.locator(inNotebook(app, DOM[app].cell)).nth(index).locator(DOM[app].prompt).first().textContent()) ?? "").trim();
}

/** Selects cell `index` (a click into its editor, then Esc: command mode), as a student would before a menu command. */
export async function selectCell(page: Page, app: App, index: number): Promise<void> {
  const cell = page.locator(inNotebook(app, DOM[app].cell)).nth(index);
  await cell.scrollIntoViewIfNeeded();
  await cell.locator(DOM[app].editor).first().click();
  await page.keyboard.press("Escape");
}

/** Runs cell `index` (Ctrl+Enter) and waits until it is numbered again, i.e. has finished; returns its outputs' text. */
export async function runCell(page: Page, app: App, index: number, timeoutMs: number): Promise<string> {
  await selectCell(page, app, index);
  const before = await promptOf(page, app, index);
  await page.keyboard.press("Control+Enter");
  const deadline = Date.now() + timeoutMs;
  // First "[*]" (queued or running), then a number. A quick cell can go from its old prompt to a new
  // number between two looks, never showing "[*]": a number other than the one before counts too.
  const started = (prompt: string) => /\*/.test(prompt) || (/\[\d+\]/.test(prompt) && prompt !== before);
  while (!started(await promptOf(page, app, index))) {
    if (Date.now() > deadline) throw new Error(`cell ${index} did not start within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  while (!/\[\d+\]/.test(await promptOf(page, app, index))) {
    if (Date.now() > deadline)
      throw new Error(
        `cell ${index} did not finish within ${timeoutMs / 1000} s; it shows: ${(await outputsOf(page, app, index)).slice(0, 600)}`,
      );
    await sleep(250);
  }
  await sleep(500); // the last outputs come with the reply
  return outputsOf(page, app, index);
}

/** Adds a code cell below cell `index` (Esc, b: as a student would) and types `text` into it; returns the new cell's index. */
export async function addCellBelow(page: Page, app: App, index: number, text: string): Promise<number> {
  await selectCell(page, app, index);
  await page.keyboard.press("b");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText(text);
  return index + 1;
}
