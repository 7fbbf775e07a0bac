// The lessons are numbered in reading order, so no lesson may refer to a later one as if the student
// had read it: "as lesson 11 showed", "you know from lesson 10". A later lesson may be named as a look
// ahead ("lesson 11 teaches it", "the next lesson shows…") or as a pointer ("lesson 08"). Read: every
// lesson's markdown and its code cells' comments; a reference is "lesson NN", "lessons NN–MM",
// "lessons NN, MM and KK". The examples below show what is flagged and what is not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const INSTRUCTOR = path.join(ROOT, "instructor");

const REFERENCE = /\b[Ll]essons?\s+\(?([0-9]{2}(?:(?:\s*[–—-]\s*|,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+)[0-9]{2})*)/g;
/** Words that say the student has read it: before the reference, or its verb right after it. */
const READ_BEFORE =
  /\b(you know|you(?:'ve| have)? (?:saw|seen|met|learned|learnt|built|used)|we (?:saw|met|built|showed|forced|used)|as (?:in|at|with|since)|recall|remember|already|learned|learnt|familiar|like|seen|saw|met|covered|from)\s*(?:\w+\s+){0,3}(?:in\s+|from\s+|by\s+|of\s+)?$/i;
const READ_AFTER =
  /^(?:'s\s+\w+\s+)?\)?\s*(?:has\s+|have\s+|had\s+)?(showed|shown|saw|built|forced|hosted|taught|introduced|used|explained|proved|found|measured|met|did|ran|made|was|were|had|covered|ended|started|left)\b/i;
const AHEAD = /\b(will|next|later|ahead|comes?|coming)\b/i;

/** The numbers a reference names ("02–04" is 02, 03, 04). */
function numbers(list: string): number[] {
  const out: number[] = [];
  for (const part of list.split(/,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+/)) {
    const [a, b] = part.split(/\s*[–—-]\s*/).map(Number);
    for (let n = a; n <= (b ?? a); n++) out.push(n);
  }
  return out;
}

/** The references in a text to a lesson after `lesson`, phrased as already read. */
export function readAhead(text: string, lesson: number): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    const at = m.index ?? 0;
    if (!numbers(m[1]).some((n) => n > lesson)) continue;
    // The clause around it: back to the last sentence or cell boundary, on to the next.
    const start =
      Math.max(text.lastIndexOf(". ", at), text.lastIndexOf("|", at), text.lastIndexOf("\n\n", at), text.lastIndexOf("(", at) - 1, -1) + 1;
    const endMatch = /[.;|]\s|\n\n|$/.exec(text.slice(at + m[0].length));
    const before = text.slice(start, at);
    const after = text.slice(at + m[0].length, at + m[0].length + (endMatch?.index ?? 0));
    if (AHEAD.test(before + after) || /^\s*on\b/.test(after)) continue; // "from lesson 01 on" looks ahead too
    if (READ_BEFORE.test(before) || READ_AFTER.test(after)) found.push(`${before}${m[0]}${after}`.replace(/\s+/g, " ").trim());
  }
  return found;
}

/** What a student reads in a cell: markdown, or a code cell's comments. */
function readable(cell: { cell_type: string; source: string | string[] }): string {
  const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
  if (cell.cell_type === "markdown") return text;
  if (cell.cell_type !== "code") return "";
  return text
    .split("\n")
    .map((line) => /(?:\/\/|\/\*+|^\s*\*)(.*)$/.exec(line)?.[1] ?? "")
    .join("\n");
}

test("the detector flags a later lesson phrased as read, and passes look-aheads and pointers", () => {
  assert.deepEqual(readAhead("As lesson 11 showed, the explorer finds it.", 9), ["As lesson 11 showed, the explorer finds it."]);
  assert.equal(readAhead("You know `Barrier` from lesson 09.", 8).length, 1);
  assert.equal(readAhead("Lessons 09–10 forced such orders.", 8).length, 1);
  assert.equal(readAhead("(lesson 10 showed why its state matters)", 7).length, 1);
  assert.equal(readAhead("Lessons 04 and 09 forced such orders.", 11).length, 0, "earlier lessons may be read");
  assert.equal(readAhead("The explorer of lesson 11 will show every interleaving.", 9).length, 0, "a look ahead");
  assert.equal(readAhead("Next: lesson 10 puts the toolkit to work.", 9).length, 0, "the next lesson");
  assert.equal(readAhead("a queue hosted in a server process (a `Manager`, lesson 08), which", 3).length, 0, "a pointer");
  assert.equal(readAhead("(lesson 11 teaches it)", 4).length, 0);
});

test("no lesson refers to a later lesson as if it had been read", () => {
  const problems: string[] = [];
  for (const file of readdirSync(INSTRUCTOR).filter((f) => /^[0-9]{2}-.*\.ipynb$/.test(f))) {
    const lesson = Number(file.slice(0, 2));
    const nb = JSON.parse(readFileSync(path.join(INSTRUCTOR, file), "utf8")) as {
      cells: { cell_type: string; source: string | string[] }[];
    };
    nb.cells.forEach((cell, i) => {
      for (const said of readAhead(readable(cell), lesson)) problems.push(`${file} cell ${i}: "${said}"`);
    });
  }
  assert.deepEqual(problems, [], 'rephrase as a look ahead ("lesson NN will show…") or drop it');
});
