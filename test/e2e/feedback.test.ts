// `npm run test:e2e`: the feedback a student gets back from the grader, opened as they would open it.
// Grades a submission of lesson 04 — the student version with exercise 1 solved — with the grader
// (`npm run grade -- --out DIR FILE`, here its script run directly), then opens the feedback notebook
// in the app that `npm start` serves. The feedback comes from the grader, not from the student's own
// session, so the app opens it untrusted (checked); its charts must show all the same: each an image
// laid out at its size, decoded, with the chart's description as its alt text, and no
// "Cannot display an untrusted SVG" anywhere.
// Screenshot: test-artifacts/e2e-feedback-<app>.png (the first chart of the feedback).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS, ROOT, notebookUrl, sleep, withCourse } from "./course-server";
import { DOM, inNotebook, openNotebook, referenceSolution, type App } from "./notebook-page";

const LESSON = "notebooks/04-shared-value.ipynb";
const EXERCISE = "04-ex1";
// Inside the folder `npm start` serves (test-artifacts/ is git-ignored), so the student can open it there.
const WORK = path.join(ARTIFACTS, "e2e-feedback");
const GRADE_TIMEOUT_MS = 600_000; // one lesson in a fresh kernel: about a minute and a half on 2 busy cores

interface Feedback {
  file: string; // repository-relative
  charts: string[]; // each chart's description, in the order of the outputs
}

/** The student's submission graded with `--out`: the feedback notebook and the charts it holds. */
function gradeSubmission(): Feedback {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const nb = JSON.parse(readFileSync(path.join(ROOT, LESSON), "utf8")) as { cells: { source: string[] | string }[] };
  // The student writes the function; the head of the cell (its imports) stays as released.
  const { index, text } = referenceSolution(LESSON, EXERCISE);
  const stub = [nb.cells[index].source].flat().join("");
  nb.cells[index].source = stub.slice(0, stub.indexOf("function ")) + text.slice(text.indexOf("function "));
  const submission = path.join(WORK, path.basename(LESSON));
  writeFileSync(submission, JSON.stringify(nb, null, 1));
  const out = path.join(WORK, "grades");
  const r = spawnSync(process.execPath, [path.join(ROOT, "grader", "cli.mjs"), "--out", out, path.relative(ROOT, submission)], {
    cwd: ROOT,
    env: { ...process.env, INIT_CWD: ROOT },
    encoding: "utf8",
    timeout: GRADE_TIMEOUT_MS, // SIGTERM: the grader ends the submission's kernel and everything it started
  });
  const printed = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  console.log(`npm run grade:\n${printed.trim()}`);
  assert.equal(r.status, 0, `the grader graded the submission:\n${printed}`);
  assert.match(printed, new RegExp(`${EXERCISE}-test\\s+2/2\\s+passed`), "the solved exercise earned its points");
  assert.match(
    printed,
    /04-ex2-test\s+0\/2\s+failed: \S+: 04-ex2: not solved — the exercise still has its stub/,
    "the others are still stubs",
  );
  const [name, ...more] = readdirSync(path.join(out, "feedback"));
  assert.ok(name && more.length === 0, "one feedback notebook for one submission");
  const file = path.relative(ROOT, path.join(out, "feedback", name));
  const feedback = JSON.parse(readFileSync(path.join(ROOT, file), "utf8")) as {
    cells: { outputs?: { data?: Record<string, string | string[]> }[] }[];
  };
  const charts: string[] = [];
  for (const cell of feedback.cells) {
    for (const output of cell.outputs ?? []) {
      const svg = output.data?.["image/svg+xml"];
      if (svg === undefined) continue;
      const description = /aria-label="([^"]*)"/.exec([svg].flat().join(""))?.[1];
      assert.ok(description, "every chart of the course carries a description");
      charts.push(
        description
          .replace(/&quot;/g, '"')
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&amp;/g, "&"),
      );
    }
  }
  assert.ok(charts.length >= 3, `the feedback of ${LESSON} holds its charts (found ${charts.length})`);
  return { file, charts };
}

/** Whether the app shows this notebook as untrusted, as it shows a notebook it did not see run. */
async function untrusted(page: Page, app: App): Promise<boolean> {
  if (app === "classic") return /Not Trusted/.test((await page.locator("#notification_trusted").textContent()) ?? "");
  return (await page.locator('.jp-StatusItem-trust[title^="Notebook not trusted"]').count()) === 1;
}

test(
  "feedback: a graded notebook, opened untrusted as the student gets it, shows its charts with their descriptions",
  { timeout: 900_000 },
  async () => {
    try {
      const feedback = gradeSubmission();
      await withCourse([feedback.file], async (context, course) => {
        const { page, app } = await openNotebook(context, course, notebookUrl(course, feedback.file), feedback.file);
        try {
          assert.ok(await untrusted(page, app), "the app opens the grader's notebook untrusted");
          // Every cell scrolled through once, as a student reading it would: Lab lays out only what was on screen.
          const cells = page.locator(inNotebook(app, DOM[app].cell));
          for (let i = 0, n = await cells.count(); i < n; i++) await cells.nth(i).scrollIntoViewIfNeeded();
          await sleep(1_000);
          const images = page.locator(inNotebook(app, `${DOM[app].output} img[src^="data:image/svg+xml"]`));
          const shown: { alt: string; width: number; height: number; decoded: boolean }[] = [];
          for (let i = 0, n = await images.count(); i < n; i++) {
            const image = images.nth(i);
            await image.scrollIntoViewIfNeeded();
            const box = await image.boundingBox();
            const { alt, decoded } = await image.evaluate((el: any) => ({
              alt: el.alt as string,
              decoded: el.complete && el.naturalWidth > 0,
            }));
            shown.push({ alt, width: box?.width ?? 0, height: box?.height ?? 0, decoded });
          }
          console.log(
            `feedback (${app}): ${feedback.charts.length} charts in the file, ${shown.length} shown: ${shown.map((s) => `${Math.round(s.width)}×${Math.round(s.height)}`).join(", ")}`,
          );
          assert.deepEqual(
            shown.map((s) => s.alt),
            feedback.charts,
            "each chart is shown, with its description as alt text",
          );
          for (const s of shown) {
            assert.ok(
              s.decoded && s.width > 50 && s.height > 20,
              `the chart "${s.alt.slice(0, 60)}…" is drawn (${s.width}×${s.height}, decoded: ${s.decoded})`,
            );
          }
          assert.doesNotMatch(await page.locator(DOM[app].notebook).innerText(), /Cannot display an untrusted/, "no output asks for trust");
          await images.first().evaluate((el) => el.scrollIntoView({ block: "center" }));
          await sleep(300);
          await page.screenshot({ path: path.join(ARTIFACTS, `e2e-feedback-${app}.png`) });
        } catch (err) {
          await page.screenshot({ path: path.join(ARTIFACTS, `e2e-feedback-${app}-failed.png`) }).catch(() => {});
          throw err;
        } finally {
          await page.close().catch(() => {});
        }
      });
    } finally {
      rmSync(WORK, { recursive: true, force: true });
    }
  },
);
