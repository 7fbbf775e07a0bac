// A student's cell reads like the Python it mirrors: short, with the plumbing in the library.
// Counted over both versions of every lesson: no code cell over 25 lines, and the course's median
// code cell under 12 lines. A cell that grows past the limit fails here, naming the lesson and cell.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const ROOT = path.resolve(__dirname, "..", "..");
const MAX_LINES = 25;
const MEDIAN_BELOW = 12;

interface Cell {
  cell_type: string;
  source: string | string[];
}

/** Lines of a cell's source, without the trailing newline's empty line. */
function linesOf(cell: Cell): number {
  const text = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
  return text.replace(/\n+$/, "").split("\n").length;
}

function codeCells(folder: string): Array<{ where: string; lines: number }> {
  const dir = path.join(ROOT, folder);
  return readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .flatMap((file) => {
      const cells = (JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { cells: Cell[] }).cells;
      return cells.flatMap((cell, i) =>
        cell.cell_type === "code" ? [{ where: `${folder}/${file} cell ${i}`, lines: linesOf(cell) }] : [],
      );
    });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

for (const folder of ["instructor", "notebooks"]) {
  test(`${folder}/: no code cell over ${MAX_LINES} lines, median under ${MEDIAN_BELOW}`, () => {
    const cells = codeCells(folder);
    assert.ok(cells.length > 100, `${folder}/ holds the lessons' code cells`);
    assert.deepEqual(
      cells.filter((c) => c.lines > MAX_LINES).map((c) => `${c.where}: ${c.lines} lines`),
      [],
    );
    assert.ok(median(cells.map((c) => c.lines)) < MEDIAN_BELOW, `median ${median(cells.map((c) => c.lines))} lines`);
  });
}

test("the count catches a long cell (a 26-line cell is over the limit)", () => {
  assert.equal(linesOf({ cell_type: "code", source: Array.from({ length: 26 }, (_, i) => `line ${i}\n`) }) > MAX_LINES, true);
  assert.equal(linesOf({ cell_type: "code", source: "a\nb\n" }), 2);
});
