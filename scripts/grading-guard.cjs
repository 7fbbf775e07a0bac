// Loaded into the tslab kernel by the grader (scripts/grade.mjs) before any student cell runs, and
// called again right before each test cell. It makes the exercise checks unforgeable by the usual means:
//   - a student cell that redefines `check` / `expectEqual` / … : the grader re-imports the real ones
//     right before each test cell (a later import wins in tslab);
//   - a student cell that replaces race-lab's exports: we freeze them (non-writable, non-configurable)
//     while the kernel is still untouched;
//   - student code that switches grading mode off (process.env.RACE_LAB_GRADING) — even from inside the
//     solution while the check runs: our `check` throws unless the real check resolved to "solved".
// It is not a sandbox: code in the same process can patch JavaScript's built-ins. docs/INSTRUCTORS.md says so.
"use strict";
const path = require("node:path");

let installed = false;

/** Freezes race-lab's exercise helpers. `indexPath`: require.resolve("race-lab") as the kernel sees it. */
function install(indexPath) {
  if (installed) return;
  // The same module instance the cells get (Node caches by real path).
  // dist/course/exercises.js since the library's layer folders; dist/exercises.js before them.
  const dist = path.dirname(indexPath);
  const exercises = require([path.join(dist, "course", "exercises.js"), path.join(dist, "exercises.js")].find((f) => require("node:fs").existsSync(f)) ?? path.join(dist, "course", "exercises.js"));
  const real = {
    // checkSolved resolves to the verdict (check itself resolves to nothing, so that tslab prints no
    // stray `true`); an older race-lab had only check, resolving to the verdict.
    checkSolved: exercises.checkSolved ?? exercises.check,
    expectEqual: exercises.expectEqual,
    expectTrue: exercises.expectTrue,
    expectBetween: exercises.expectBetween,
    expectChoice: exercises.expectChoice ?? (() => { throw new Error("grading guard: this race-lab has no expectChoice"); }),
    ExerciseFailedError: exercises.ExerciseFailedError,
  };
  for (const [name, value] of Object.entries(real)) {
    if (typeof value !== "function") throw new Error(`grading guard: race-lab has no ${name}`);
  }
  process.env.RACE_LAB_GRADING = "1";

  async function checkSolved(id, body, options) {
    process.env.RACE_LAB_GRADING = "1";
    // In grading mode a failed check throws. If the student's code (running inside `body`) switched
    // grading mode off meanwhile, the real check resolves to false instead: fail all the same.
    const solved = await real.checkSolved(id, body, options);
    if (solved !== true) throw new real.ExerciseFailedError(`${id}: not solved`);
    return true;
  }
  async function check(id, body, options) {
    await checkSolved(id, body, options);
  }
  const frozen = {
    check,
    checkSolved,
    expectEqual: real.expectEqual,
    expectTrue: real.expectTrue,
    expectBetween: real.expectBetween,
    expectChoice: real.expectChoice,
    gradingMode: () => true,
  };
  for (const [name, value] of Object.entries(frozen)) {
    if (name === "checkSolved" && !exercises.checkSolved) continue;
    // race-lab's index re-exports these through getters that read this module's exports.
    Object.defineProperty(exercises, name, { value, enumerable: true, writable: false, configurable: false });
  }
  installed = true;
}

/** Run right before each test cell: the guard is in place and grading mode is on. */
function verify() {
  if (!installed) throw new Error("grading guard: not installed");
  process.env.RACE_LAB_GRADING = "1";
}

module.exports = { install, verify };
