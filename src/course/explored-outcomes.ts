/**
 * What an exercise's check reads from an exploration: the different outcomes over every explored
 * interleaving, in one line, and a student's stub or error as the check's failure.
 */
import { RaceLabArgumentError } from "../core/errors";
import { notImplemented } from "./exercises";

/** What {@link exploredOutcomes} reads of an exploration's report (`explore`'s, of race-lab). */
export interface ExploredSchedules {
  schedules: readonly { observed: unknown; deadlock: boolean; errors?: string[] }[];
}

/**
 * The different outcomes of an explored report, sorted and joined by " | ": each schedule's
 * `observed` as text, or "hangs" for a schedule that left a worker stuck for good.
 *
 * @example
 * ```ts
 * const report = await explore({ fn: orderHarness, workers: 2, setup });
 * expectEqual(exploredOutcomes(report, "readWhenReady"), "42", "what B returned, over every interleaving");
 * ```
 * Warning: a schedule in which a worker threw fails the call: a NotImplementedError as
 * `notImplemented(solution)` (the check says "not solved yet"), any other error with the first message.
 */
export function exploredOutcomes(report: ExploredSchedules, solution: string): string {
  if (typeof solution !== "string" || solution.trim() === "") {
    throw new RaceLabArgumentError("solution", "the name of the function the exploration checks (a non-empty string)", solution);
  }
  if (typeof report !== "object" || report === null || !Array.isArray(report.schedules)) {
    throw new RaceLabArgumentError("report", "a report of explore(…), with its schedules", report);
  }
  const errors = report.schedules.flatMap((s) => s.errors ?? []);
  if (errors.some((e) => e.includes("NotImplementedError"))) notImplemented(solution);
  if (errors.length > 0) throw new Error(`a worker threw: ${errors[0]}`);
  const outcomes = new Set(report.schedules.map((s) => (s.deadlock ? "hangs" : String(s.observed))));
  return [...outcomes].sort().join(" | ");
}
