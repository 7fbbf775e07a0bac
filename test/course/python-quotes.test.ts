// The lessons quote the Python originals exactly: every block quote (lines starting with "> ") and every
// ```text block of a lesson's Markdown must appear word for word in one of the original texts
// (shared/python-lessons/, beside the repository). CI always has that folder, so there a missing one
// fails the test; elsewhere (a clone on its own) the test says it is skipped and why.
// Lessons whose quotes are checked: LESSONS below (add a lesson once its quotes are exact).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const ORIGINALS = [path.resolve(ROOT, "..", "shared", "python-lessons"), path.resolve(ROOT, "..", "..", "shared", "python-lessons")].find(
  existsSync,
);
const LESSONS = [
  "00-welcome",
  "01-race-conditions",
  "02-file-write-conflicts",
  "03-file-locks",
  "04-shared-value",
  "05-decorators",
  "06-no-gil",
  "08-managers-and-proxies",
  "09-timing-races",
  "10-process-safety",
  "07-what-workers-share",
];

/** The quoted passages of a notebook's Markdown cells. */
export function quotedPassages(markdown: string): string[] {
  const passages: string[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith(">")) {
      const block: string[] = [];
      for (; i < lines.length && lines[i].startsWith(">"); i++) block.push(lines[i].replace(/^> ?/, ""));
      passages.push(block.join("\n"));
    } else if (lines[i] === "```text") {
      const block: string[] = [];
      for (i++; i < lines.length && lines[i] !== "```"; i++) block.push(lines[i]);
      passages.push(block.join("\n"));
    }
  }
  return passages;
}

function notFound(originals: string, passages: string[]): string[] {
  const squash = (s: string) => s.replace(/\s+/g, " ").trim();
  const all = squash(originals);
  // Line breaks and trailing spaces may differ; words and punctuation may not.
  return passages.filter((p) => p.trim() !== "" && !all.includes(squash(p)));
}

const skip = ORIGINALS || process.env.CI === "true" ? false : "no shared/python-lessons/ beside this clone";

test("every quote of the Python originals in the lessons is exact", { skip }, () => {
  assert.ok(ORIGINALS, "the Python originals (../shared/python-lessons/) are missing: CI must have them beside the clone");
  const originals = readdirSync(ORIGINALS!)
    .filter((f) => f.endsWith(".txt"))
    .map((f) => readFileSync(path.join(ORIGINALS!, f), "utf8"))
    .join("\n");
  const problems: string[] = [];
  for (const lesson of LESSONS) {
    const nb = JSON.parse(readFileSync(path.join(ROOT, "instructor", `${lesson}.ipynb`), "utf8"));
    for (const cell of nb.cells) {
      if (cell.cell_type !== "markdown") continue;
      for (const p of notFound(originals, quotedPassages(cell.source.join("")))) problems.push(`${lesson}: "${p.slice(0, 80)}…"`);
    }
  }
  assert.deepEqual(problems, []);
});

test("the quote check catches a misquote (it can fail)", () => {
  const original = "def work(max_count, filename):\n    for n in range(max_count):";
  assert.deepEqual(notFound(original, quotedPassages("> def work(max_count, filename):\n> for n in range(max_count):")), []);
  assert.equal(notFound(original, quotedPassages("> def work(max_count, file_name):")).length, 1);
  assert.equal(notFound(original, quotedPassages("```text\nfor n in range(count):\n```")).length, 1);
});
