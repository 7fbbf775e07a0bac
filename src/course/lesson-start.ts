// What a lesson will need soon, started in the background when it names itself (setLesson): the
// chart library (its first load takes about a second) and the Python that runs its ports (a launcher
// such as a pyenv shim takes a few hundred ms to answer). Neither blocks the cell that asks.
import { preloadCharts } from "../display/chart-preload";
import { preloadPython } from "./python-interpreter";

/**
 * Starts loading the chart library and finding the ports' Python, without waiting for either.
 *
 * @internal
 * @example
 * ```ts
 * preloadLessonTools(); // called by setLesson(), at the start of every lesson
 * ```
 */
export function preloadLessonTools(): void {
  preloadCharts();
  preloadPython();
}
