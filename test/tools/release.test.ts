// The student release (scripts/release.mjs, grader/release-notebook.mjs, grader/solutions.mjs): solutions become stubs that throw
// "not implemented yet" and keep the function type-correct, hidden tests go, outputs go, nbgrader
// metadata stays. The released fixture must run top to bottom without a failed cell (run through the
// notebook harness, a real tslab kernel); the real lessons must release without leaking anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { NotebookError, cellText, readNotebook, roleOf, testCells } from "../../grader/notebook.mjs";
import { leaks, releaseNotebook } from "../../grader/release-notebook.mjs";
import { enclosingFunctionName, removeHiddenTests, stubSolutions } from "../../grader/solutions.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const FIXTURE_DIR = path.join(ROOT, "test", "fixtures", "grading", "notebooks");
const ARTIFACTS = path.join(ROOT, "test-artifacts", `release-test-${process.pid}`);

function release(source: string, out: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "release.mjs"), "--source", source, "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test("a solution region becomes notImplemented(<the enclosing function>), indented like the region", () => {
  const text = [
    "class Counter {",
    "  async add(amount: number): Promise<void> {",
    "    // BEGIN SOLUTION",
    "    await this.lock.withLock(async () => { this.total += amount; });",
    "    // END SOLUTION",
    "  }",
    "}",
    "async function runAll(tasks: Array<() => Promise<number>>): Promise<{ values: number[]; errors: string[] }> {",
    "  const seen = { a: 1 };",
    "  for (const t of tasks) {",
    "    // BEGIN SOLUTION",
    "    secret();",
    "    // END SOLUTION",
    "  }",
    "  return { values: [], errors: [] };",
    "}",
    "const f = async (n: number): Promise<number> => {",
    "  // BEGIN SOLUTION",
    "  return n;",
    "  // END SOLUTION",
    "};",
    "// BEGIN SOLUTION",
    "const answer = 42;",
    "// END SOLUTION",
  ].join("\n");
  const { text: out, found } = stubSolutions(text);
  assert.equal(found, 4);
  assert.doesNotMatch(out, /secret|withLock|answer|SOLUTION/);
  assert.match(out, /^ {4}\/\/ YOUR CODE HERE\n {4}notImplemented\("add"\);$/m);
  assert.match(out, /^ {4}notImplemented\("runAll"\);$/m, "a loop inside the function does not hide its name");
  assert.match(out, /^ {2}notImplemented\("f"\);$/m);
  assert.match(out, /^notImplemented\("this exercise"\);$/m);
  assert.match(out, /return \{ values: \[\], errors: \[\] \};/, "code outside the region stays");
});

test("enclosingFunctionName skips blocks that are not functions and finds methods", () => {
  const lines = ["class Depth {", "  enter(): void {", "    if (x) {", "      // here", "    }", "  }", "}"];
  assert.equal(enclosingFunctionName(lines, 3), "enter");
  assert.equal(enclosingFunctionName(['const s = "{";', "// here"], 1), null, "a brace in a string is no block");
});

test("hidden tests are removed with their markers; unbalanced markers are an error naming the cell", () => {
  const text =
    'await check("x", () => {\n  expectEqual(f(1), 1, "one");\n  // BEGIN HIDDEN TESTS\n  expectEqual(f(2), 2, "two");\n  // END HIDDEN TESTS\n});';
  assert.equal(removeHiddenTests(text), 'await check("x", () => {\n  expectEqual(f(1), 1, "one");\n});');
  assert.throws(
    () => removeHiddenTests("// BEGIN HIDDEN TESTS\nx", "lesson cell 4"),
    (e: Error) => e instanceof NotebookError && /lesson cell 4: .*no "\/\/ END HIDDEN TESTS"/.test(e.message),
  );
  assert.throws(() => stubSolutions("// BEGIN SOLUTION\nx", "lesson cell 5"), /lesson cell 5: .*no "\/\/ END SOLUTION"/);
});

test("the released fixture: stubs, an import of notImplemented, no hidden tests, no outputs, nbgrader metadata kept", () => {
  const nb = readNotebook(path.join(FIXTURE_DIR, "grading-demo.ipynb"));
  nb.cells[1].outputs = [{ output_type: "stream", name: "stdout", text: "old output" }];
  const student = releaseNotebook(nb, "grading-demo.ipynb");
  assert.deepEqual(leaks(student), []);
  assert.equal(student.cells.length, nb.cells.length);
  student.cells.forEach((cell, i) => assert.deepEqual(cell.metadata, nb.cells[i].metadata, `cell ${i} keeps its metadata`));
  const solution = cellText(student.cells.find((c) => c.metadata.nbgrader?.grade_id === "demo-ex1-solution")!);
  assert.equal(
    solution,
    'import { notImplemented } from "race-lab";\nfunction quadruple(n: number): number {\n  // YOUR CODE HERE\n  notImplemented("quadruple");\n}',
  );
  const later = cellText(student.cells.find((c) => c.metadata.nbgrader?.grade_id === "demo-ex2-solution")!);
  assert.doesNotMatch(later, /^import/, "imported once, in the first solution cell");
  const tests = student.cells.filter((c) => roleOf(c) === "test").map(cellText);
  assert.equal(tests.length, 3);
  assert.ok(
    tests.every((t) => !/quadruple\(-2\)|LOCK/.test(t)),
    "hidden tests gone",
  );
  assert.deepEqual(testCells(student), testCells(nb), "the same graded cells and points");
});

test("a solution cell without markers stops the release with the cell named", () => {
  const nb = readNotebook(path.join(FIXTURE_DIR, "grading-demo.ipynb"));
  const cell = nb.cells.find((c) => roleOf(c) === "solution")!;
  cell.source = "function quadruple(n: number): number { return 4 * n; }";
  assert.throws(() => releaseNotebook(nb, "demo.ipynb"), /demo\.ipynb cell 3: a solution cell without "\/\/ BEGIN SOLUTION"/);
});

test("every lesson releases without leaking a solution, a hidden test or an output", (t) => {
  t.after(() => rmSync(ARTIFACTS, { recursive: true, force: true }));
  const out = path.join(ARTIFACTS, "lessons");
  const r = release(path.join(ROOT, "instructor"), out);
  assert.equal(r.code, 0, r.out);
  const lessons = readdirSync(path.join(ROOT, "instructor"))
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  assert.deepEqual(readdirSync(out).sort(), lessons);
  for (const name of lessons) {
    const source = readNotebook(path.join(ROOT, "instructor", name));
    const student = readNotebook(path.join(out, name));
    assert.deepEqual(leaks(student), [], name);
    const solutions = source.cells.filter((c) => roleOf(c) === "solution" && c.cell_type === "code").length;
    const stubs = student.cells.filter((c) => /notImplemented\("/.test(cellText(c)) && roleOf(c) === "solution").length;
    assert.equal(stubs, solutions, `${name}: every solution cell has its stub`);
  }
});

test("the released fixture runs top to bottom through the notebook harness: no failed or aborted cell", (t) => {
  t.after(() => rmSync(ARTIFACTS, { recursive: true, force: true }));
  const out = path.join(ARTIFACTS, "fixture");
  assert.equal(release(FIXTURE_DIR, out).code, 0);
  const r = spawnSync(
    process.execPath,
    [path.join(ROOT, "scripts", "run-notebooks.mjs"), "--no-git-check", "--timeout", "60", path.join(out, "grading-demo.ipynb")],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 180_000,
    },
  );
  const log = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, log);
  assert.match(log, /PASS \S*grading-demo\.ipynb: 8 cells, 0 failures/);
});

test("release refuses a broken source notebook and writes nothing", (t) => {
  t.after(() => rmSync(ARTIFACTS, { recursive: true, force: true }));
  const source = path.join(ARTIFACTS, "broken-source");
  mkdirSync(source, { recursive: true });
  writeFileSync(path.join(source, "bad.ipynb"), '{"cells": [');
  const out = path.join(ARTIFACTS, "broken-out");
  const r = release(source, out);
  assert.equal(r.code, 1);
  assert.match(r.out, /release: .*bad\.ipynb: not a notebook: the file is not valid JSON/);
  assert.throws(() => readdirSync(out), /ENOENT/);
});
