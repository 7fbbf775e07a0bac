// A student's cell reads like the Python it mirrors: short, with the plumbing in the library.
// Counted over both versions of every lesson: no code cell over 25 lines, and the course's median
// code cell under 12 lines. A cell that grows past the limit fails here, naming the lesson and cell.
// Casts too: at most 2 in all of a folder's lessons (a type that does not fit is fixed in the library,
// not cast in the lesson), and a lesson's first code cell imports at most 8 names (a name is imported
// in the cell that first uses it, as the Python imports a tool where it is needed).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");
const MAX_LINES = 25;
const MEDIAN_BELOW = 12;
const MAX_CASTS = 2;
const MAX_FIRST_CELL_IMPORTS = 8;

interface Cell {
  cell_type: string;
  source: string | string[];
}

const textOf = (cell: Cell): string => (Array.isArray(cell.source) ? cell.source.join("") : cell.source);

/** Lines of a cell's source, without the trailing newline's empty line. */
function linesOf(cell: Cell): number {
  return textOf(cell).replace(/\n+$/, "").split("\n").length;
}

const parse = (cell: Cell): ts.SourceFile => ts.createSourceFile("cell.ts", textOf(cell), ts.ScriptTarget.Latest, true);

/** The casts in a cell, as written: `x as T` (not `as const`), `<T>x`, and `any` as a call's type argument (`new Promise<any>`). */
function castsOf(cell: Cell): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const isAsConst = ts.isAsExpression(node) && ts.isTypeReferenceNode(node.type) && node.type.typeName.getText() === "const";
    const anyArgument =
      node.kind === ts.SyntaxKind.AnyKeyword &&
      (ts.isNewExpression(node.parent) || ts.isCallExpression(node.parent)) &&
      node.parent.typeArguments?.includes(node as ts.TypeNode);
    if ((ts.isAsExpression(node) && !isAsConst) || ts.isTypeAssertionExpression(node) || anyArgument) found.push(node.getText());
    ts.forEachChild(node, visit);
  };
  visit(parse(cell));
  return found;
}

/** The names a cell imports (`import { a, type B } from …`, `import * as fs from "fs"`, `import x from …`). */
function importedNames(cell: Cell): string[] {
  return parse(cell).statements.flatMap((s) => {
    if (!ts.isImportDeclaration(s) || !s.importClause) return [];
    const { name, namedBindings } = s.importClause;
    const named = !namedBindings
      ? []
      : ts.isNamespaceImport(namedBindings)
        ? [namedBindings.name.text]
        : namedBindings.elements.map((e) => e.name.text);
    return [...(name ? [name.text] : []), ...named];
  });
}

function lessons(folder: string): Array<{ file: string; cells: Cell[] }> {
  const dir = path.join(ROOT, folder);
  return readdirSync(dir)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort()
    .map((file) => ({ file, cells: (JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { cells: Cell[] }).cells }));
}

function codeCells(folder: string): Array<{ where: string; lines: number; casts: string[] }> {
  return lessons(folder).flatMap(({ file, cells }) =>
    cells.flatMap((cell, i) =>
      cell.cell_type === "code" ? [{ where: `${folder}/${file} cell ${i}`, lines: linesOf(cell), casts: castsOf(cell) }] : [],
    ),
  );
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

for (const folder of ["instructor", "notebooks"]) {
  test(`${folder}/: at most ${MAX_CASTS} casts in all lessons, at most ${MAX_FIRST_CELL_IMPORTS} names imported by a lesson's first code cell`, () => {
    const casts = codeCells(folder).flatMap((c) => c.casts.map((cast) => `${c.where}: ${cast}`));
    assert.ok(casts.length <= MAX_CASTS, `${casts.length} casts:\n${casts.join("\n")}`);
    const crowded = lessons(folder).flatMap(({ file, cells }) => {
      const first = cells.find((c) => c.cell_type === "code");
      const names = first ? importedNames(first) : [];
      return names.length > MAX_FIRST_CELL_IMPORTS ? [`${folder}/${file}: the first code cell imports ${names.length} names`] : [];
    });
    assert.deepEqual(crowded, []);
  });
}

test("the counts catch a cast and a crowded first cell", () => {
  const cell = (source: string): Cell => ({ cell_type: "code", source });
  assert.deepEqual(castsOf(cell("try { f(); } catch (e) { console.log((e as Error).message); }")), ["e as Error"]);
  assert.deepEqual(castsOf(cell("const p = new Promise<any>((r) => r(1));\nconst n = <number>x;")), ["any", "<number>x"]);
  assert.deepEqual(
    castsOf(cell('const modes = ["a", "b"] as const;\nconst p = new Promise<number>((r) => r(1));\nconst row: Record<string, any> = {};')),
    [],
  );
  const crowded = cell(
    'import { Lock, Value, Trace, explore, runThreads } from "race-lab";\nimport { check, predict, type TrialReport } from "race-lab/course";\nimport * as fs from "fs";\nsetLesson("x");',
  );
  assert.equal(importedNames(crowded).length, 9);
  assert.ok(importedNames(crowded).length > MAX_FIRST_CELL_IMPORTS);
});

test("the count catches a long cell (a 26-line cell is over the limit)", () => {
  assert.equal(linesOf({ cell_type: "code", source: Array.from({ length: 26 }, (_, i) => `line ${i}\n`) }) > MAX_LINES, true);
  assert.equal(linesOf({ cell_type: "code", source: "a\nb\n" }), 2);
});
