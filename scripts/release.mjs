#!/usr/bin/env node
// `npm run release`: builds the student notebooks from the course's source notebooks. Each solution
// (// BEGIN SOLUTION … // END SOLUTION) becomes a stub that throws "not implemented yet", hidden tests
// (// BEGIN HIDDEN TESTS … // END HIDDEN TESTS) are removed, outputs cleared; nbgrader metadata stays,
// so the grader (and nbgrader) can match the cells back. The release is built, not committed: see
// docs/INSTRUCTORS.md. It lands in release/, at the same depth as notebooks/, so the lessons' relative
// paths (../python/…) and `import … from "race-lab"` work there unchanged.
import { Command } from "commander";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./jupyter.mjs";
import { NotebookError, leaks, readNotebook, releaseNotebook, roleOf, testCells } from "./nbgrader.mjs";

const program = new Command()
  .name("release")
  .description("Build the student notebooks: solutions stubbed, hidden tests removed, outputs cleared.")
  .option("--source <dir>", "the course's source notebooks", path.join(ROOT, "notebooks"))
  .option("--out <dir>", "where the student notebooks go (emptied of old .ipynb files first)", path.join(ROOT, "release"))
  .parse();
const { source, out } = program.opts();

try {
  const names = readdirSync(source).filter((f) => f.endsWith(".ipynb")).sort();
  if (names.length === 0) throw new NotebookError(`${source}: no notebooks to release`);
  // Build everything first: a broken source notebook must not leave a half-written release behind.
  const built = names.map((name) => {
    const nb = readNotebook(path.join(source, name));
    const student = releaseNotebook(nb, name);
    const leaked = leaks(student);
    if (leaked.length) throw new NotebookError(`${name}: the release would leak ${leaked.join(", ")}`);
    return { name, nb, student };
  });
  mkdirSync(out, { recursive: true });
  for (const old of readdirSync(out).filter((f) => f.endsWith(".ipynb"))) rmSync(path.join(out, old));
  for (const { name, nb, student } of built) {
    writeFileSync(path.join(out, name), JSON.stringify(student, null, 1) + "\n");
    const tests = testCells(nb);
    const solutions = nb.cells.filter((c) => roleOf(c) === "solution").length;
    const points = tests.reduce((sum, t) => sum + t.points, 0);
    console.log(`${path.relative(process.cwd(), path.join(out, name))}: ${tests.length} graded test(s), ${points} point(s), ${solutions} solution cell(s) stubbed`);
  }
  console.log(`released ${built.length} notebook(s) into ${path.relative(process.cwd(), out) || "."}`);
} catch (e) {
  if (!(e instanceof NotebookError) && e.code !== "ENOENT") throw e;
  console.error(`release: ${e.message}`);
  process.exit(1);
}
