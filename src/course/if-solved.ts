/**
 * Demos that use a function an exercise asks for: before the exercise is solved, the demo says so in
 * one line instead of failing its cell, so "Run All" goes on to the end.
 */
import { NotImplementedError } from "./exercises";
import { WorkerFailedError } from "../core/errors";
import { showText } from "../display/display";
import { checkFunction } from "../core/validate";

function isStub(error: unknown): boolean {
  return error instanceof NotImplementedError || (error instanceof WorkerFailedError && error.causeName === "NotImplementedError");
}

/**
 * Runs `demo` and returns its result — or, when it stops at an exercise's stub (`notImplemented`,
 * here or in a worker), says "<exercise> is not solved yet" and returns undefined. Any other error
 * is thrown as usual.
 *
 * @example
 * ```ts
 * const appendReport = await ifSolved("Exercise 2", () => runTrials({ …, run: () => countByAppending() }));
 * ```
 * Warning: resolves to `undefined` while the exercise is unsolved: later cells that use the result must allow for it.
 */
export async function ifSolved<T>(exercise: string, demo: () => T | Promise<T>): Promise<T | undefined> {
  checkFunction("demo", demo);
  try {
    return await demo();
  } catch (error) {
    if (!isStub(error)) throw error;
    showText(`${exercise} is not solved yet: solve it, then run this cell again to see this demo.`);
    return undefined;
  }
}
