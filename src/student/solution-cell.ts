/**
 * Solution cells register themselves, so that an exercise's check can tell whether it tests what the
 * student just wrote. tslab compiles a whole cell before running any of it: when a solution cell fails
 * to compile, none of it runs, the kernel keeps the earlier definition, and a check run afterwards would
 * judge that old definition. A registration that did not happen is how the check finds out.
 */
import { RaceLabArgumentError } from "../core/errors";

const registered = new Map<string, number>();
let registrations = 0;

/**
 * Marks the solution cell of exercise `id` as run (call it first in the cell, before the definitions).
 * The exercise's `check(id, …)` compares it with what ran since.
 *
 * @example
 * ```ts
 * import { notImplemented, solutionCell } from "race-lab";
 * solutionCell("06-ex1");   // lets the check below tell whether this cell compiled
 * function localCount(counter: Value, times: number): void {
 *   notImplemented("localCount");
 * }
 * ```
 */
export function solutionCell(id: string): void {
  if (typeof id !== "string" || !/^[\w-]+$/.test(id)) {
    throw new RaceLabArgumentError("id", 'the exercise\'s id, as its check names it (e.g. "06-ex1")', id);
  }
  registered.set(id, ++registrations);
}

/**
 * When the solution cell of `id` last registered (a number that grows with each registration), or
 * null when it never did in this kernel.
 *
 * @example
 * ```ts
 * solutionCell("06-ex1");
 * solutionCellRun("06-ex1"); // 1
 * ```
 */
export function solutionCellRun(id: string): number | null {
  return registered.get(id) ?? null;
}
