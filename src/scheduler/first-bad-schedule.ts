/**
 * The first bad schedule of an exploration, shown: what an exercise's check shows when a solution
 * fails, without the lines that look for it.
 */
import { RaceLabArgumentError } from "../core/errors";
import { checkText } from "../core/validate";
import { showSchedule } from "./schedule-view";
import type { ExploreReport } from "./explore";

/**
 * Shows the first anomalous schedule of `report` (if any) under `title`, or under "a schedule that
 * deadlocks" when it is a deadlock, and returns the report, so that a check can go on with it.
 *
 * @example
 * ```ts
 * const found = showFirstBad(await explore(options), "a worker goes on alone");
 * found.anomalies; // 0 when every schedule was right; otherwise the first bad one was shown
 * ```
 * Warning: only the first bad schedule is shown; the others are in `report.schedules`, each with
 * `anomaly: true`.
 */
export function showFirstBad<O>(report: ExploreReport<O>, title: string): ExploreReport<O> {
  if (typeof report !== "object" || report === null || !Array.isArray(report.schedules)) {
    throw new RaceLabArgumentError("report", "what explore() returned", report);
  }
  checkText("title", title);
  const bad = report.schedules.find((s) => s.anomaly);
  if (bad) showSchedule(bad, { title: bad.deadlock ? "a schedule that deadlocks" : title });
  return report;
}
