/**
 * Solution cells register themselves, so that an exercise's check can tell whether it tests what the
 * student just wrote. tslab compiles a whole cell before running any of it: when a solution cell fails
 * to compile (a type error, a typo), none of it runs, the kernel keeps the earlier definition, and a
 * check run afterwards would judge that old definition — "✔ solved" for code the student has since
 * broken. Two records tell the cases apart: which cells the kernel was *asked* to run (tslab's own
 * modules, watched from inside the kernel: see cell-watch.ts) and which solution cells actually *ran*
 * (the `solutionCell(id)` line each one starts with).
 */
import { RaceLabArgumentError } from "../core/errors";
import { cellRunNumber, lastAskedToRun, watchingCells } from "./cell-watch";

/** Exercise id → the cell run in which its solution cell last ran. */
const ran = new Map<string, number>();

/**
 * Marks the solution cell of exercise `id` as run. Call it first in the cell, after the imports; the
 * exercise's `check(id, …)` then knows whether the cell's latest version compiled.
 *
 * @example
 * ```ts
 * import { notImplemented } from "race-lab";
 * import { solutionCell } from "race-lab/course";
 * solutionCell("06-ex1");   // lets the check below tell whether this cell compiled
 * function localCount(counter: Value, times: number): void {
 *   notImplemented("localCount");
 * }
 * ```
 * Warning: put it first in the cell: a cell that fails before reaching it counts as not compiled, and its check reports
 * stale code.
 */
export function solutionCell(id: string): void {
  if (typeof id !== "string" || !/^[\w-]+$/.test(id)) {
    throw new RaceLabArgumentError("id", 'the exercise\'s id, as its check names it (e.g. "06-ex1")', id);
  }
  ran.set(id, cellRunNumber());
}

/**
 * Why exercise `id`'s check would judge old code, or null when it would not: the latest cell the kernel
 * was asked to run with `solutionCell(id)` in it never reached that line, so it did not compile (or
 * failed before it) and the kernel still holds the definitions of an earlier run. Null outside a
 * tslab kernel, where nothing can be told.
 *
 * @example
 * ```ts
 * const stale = staleSolution("06-ex1");
 * if (stale) console.log(stale); // "your solution cell did not compile: …"
 * ```
 * Warning: always null outside a tslab kernel: a script or test never learns that a cell did not compile.
 */
export function staleSolution(id: string): string | null {
  if (!watchingCells()) return null;
  const asked = lastAskedToRun(id);
  if (asked === null || asked === ran.get(id)) return null;
  return "your solution cell did not compile: fix the error shown under it and run it again (until then the kernel keeps the version that ran before, and checking it would mislead you)";
}
