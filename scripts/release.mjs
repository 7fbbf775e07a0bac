#!/usr/bin/env node
// `npm run release`: writes the student notebooks (notebooks/) from the instructor's (instructor/, the
// single source of truth: solutions and hidden tests). Each solution (// BEGIN SOLUTION … // END
// SOLUTION) becomes a stub that throws "not implemented yet", hidden tests (// BEGIN HIDDEN TESTS …
// // END HIDDEN TESTS) are removed, outputs cleared, and the result is written in the committed clean
// form; nbgrader metadata stays, so the grader (and nbgrader) can match the cells back.
// The student notebooks are committed (students, `npm start` and Binder open them); `--check` writes
// nothing and fails when they differ from what the instructor's would give (test/course/student-notebooks.test.ts).
// `--student-repo DIR` writes the student notebooks, with what students need beside them and nothing
// of the instructor's, as a repository to publish (scripts/student-repo.mjs).
// Both folders sit at the same depth, so the lessons' relative paths (../python/…) and
// `import … from "race-lab"` work in either.
import { Command } from "commander";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./jupyter.mjs";
import { NotebookError, readNotebook, roleOf, testCells } from "../grader/notebook.mjs";
import { leaks, releaseNotebook } from "../grader/release-notebook.mjs";
import { ROLE } from "../grader/schema.mjs";
import { cleanNotebookText } from "./notebook-format.mjs";
import { StudentRepoError, writeStudentRepo } from "./student-repo.mjs";

const program = new Command()
  .name("release")
  .description("Write the student notebooks: solutions stubbed, hidden tests removed, outputs cleared.")
  .option("--source <dir>", "the instructor's notebooks (solutions, hidden tests)", path.join(ROOT, "instructor"))
  .option("--out <dir>", "where the student notebooks go (its other .ipynb files are removed)", path.join(ROOT, "notebooks"))
  .option("--check", "write nothing; exit 1 when --out differs from what --source gives")
  .option(
    "--student-repo <dir>",
    "write the student repository there instead (notebooks, library, ports, setup; no solutions): see scripts/student-repo.mjs",
  )
  .parse();
const { source, out, check, studentRepo } = program.opts();
const shown = (/** @type {string} */ file) => path.relative(process.cwd(), file) || ".";

try {
  const names = readdirSync(source)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  if (names.length === 0) throw new NotebookError(`${source}: no notebooks to release`);
  // Build everything first: a broken source notebook must not leave a half-written release behind.
  const built = names.map((name) => {
    const nb = readNotebook(path.join(source, name));
    const student = releaseNotebook(nb, name);
    const leaked = leaks(student);
    if (leaked.length) throw new NotebookError(`${name}: the release would leak ${leaked.join(", ")}`);
    return { name, nb, text: cleanNotebookText(student, name) };
  });
  if (studentRepo) {
    const written = writeStudentRepo(path.resolve(studentRepo), built);
    console.log(`wrote the student repository into ${shown(path.resolve(studentRepo))}: ${built.length} notebook(s), ${written} file(s)`);
    process.exit(0);
  }
  const stale = existsSync(out)
    ? readdirSync(out)
        .filter((f) => f.endsWith(".ipynb") && !names.includes(f))
        .sort()
    : [];

  if (check) {
    const drift = [
      ...built
        .filter(({ name, text }) => !existsSync(path.join(out, name)) || readFileSync(path.join(out, name), "utf8") !== text)
        .map(({ name }) => `${shown(path.join(out, name))}: differs from what ${shown(path.join(source, name))} gives`),
      ...stale.map((name) => `${shown(path.join(out, name))}: has no instructor version in ${shown(source)}`),
    ];
    if (drift.length) {
      console.error(`${drift.join("\n")}\nThe student notebooks are generated: edit ${shown(source)}, then run npm run release.`);
      process.exit(1);
    }
    console.log(`${built.length} student notebook(s) in ${shown(out)} match ${shown(source)}`);
    process.exit(0);
  }

  // A notebook in --out with solutions in it is someone's source, not an old release: never delete it.
  for (const name of stale) {
    const text = readFileSync(path.join(out, name), "utf8");
    if (/BEGIN SOLUTION|BEGIN HIDDEN TESTS/.test(text)) {
      throw new NotebookError(
        `${shown(path.join(out, name))} holds solutions or hidden tests: move it to ${shown(source)} (git mv), then run this again`,
      );
    }
  }
  mkdirSync(out, { recursive: true });
  for (const name of stale) rmSync(path.join(out, name));
  for (const { name, nb, text } of built) {
    writeFileSync(path.join(out, name), text);
    const tests = testCells(nb);
    const solutions = nb.cells.filter((c) => roleOf(c) === ROLE.solution).length;
    const points = tests.reduce((sum, t) => sum + t.points, 0);
    console.log(
      `${shown(path.join(out, name))}: ${tests.length} graded test(s), ${points} point(s), ${solutions} solution cell(s) stubbed`,
    );
  }
  console.log(`released ${built.length} notebook(s) into ${shown(out)}`);
} catch (e) {
  if (!(e instanceof NotebookError) && !(e instanceof StudentRepoError) && /** @type {NodeJS.ErrnoException} */ (e).code !== "ENOENT")
    throw e;
  console.error(`release: ${/** @type {Error} */ (e).message}`);
  process.exit(1);
}
