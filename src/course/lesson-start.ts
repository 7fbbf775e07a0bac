// The lesson this kernel runs: setLesson names it (recorded outcomes carry the name) and starts, in the
// background, what the lesson will need soon: the chart library (its first load takes about a second)
// and the Python that runs its ports (a launcher such as a pyenv shim takes a few hundred ms to
// answer). Neither blocks the cell that asks.
import { checkText } from "../core/validate";
import { preloadCharts } from "../display/chart-preload";
import { currentLessonName } from "./lesson-aliases";
import { preloadPython } from "./python-interpreter";

let lesson: string | null = null;

/**
 * Names the notebook whose trials follow, for the recorded outcomes (and preloads the charts).
 *
 * @example
 * ```ts
 * setLesson("02-file-write-conflicts");
 * ```
 * Warning: an old lesson name (from before the lessons were renumbered) is recorded as the lesson's name now. The name
 * holds for the kernel until the next call (a restarted kernel forgets it); an empty name, or one
 * over 200 characters, throws.
 */
export function setLesson(name: string): void {
  lesson = currentLessonName(checkText("name", name)); // a notebook from before the renumbering counts as its lesson now
  preloadLessonTools(); // load the charts and find Python while the lesson's first cells run
}

/**
 * The lesson set by {@link setLesson}, or null.
 *
 * @example
 * ```ts
 * currentLesson(); // "02-file-write-conflicts"
 * ```
 * Warning: null until {@link setLesson} has run in this kernel, and always null in a worker thread or process.
 */
export function currentLesson(): string | null {
  return lesson;
}

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
