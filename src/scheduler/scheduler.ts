// The handle a controlled function receives as its last argument: `s.point("read")` marks where one
// step ends and the next begins. Outside explore/replay the same call does nothing.

import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { checkOptions } from "../core/validate";
import { defineSharable } from "../core/shared-object";
import { control } from "../primitives/schedule-control";

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Throw {@link NotControlledError} when `point()` is called outside `explore`/`replay` (default false: do nothing). */
  strict?: boolean;
}

/**
 * `point()` was called outside `explore`/`replay` on a scheduler made with `{ strict: true }`.
 *
 * @example
 * ```ts
 * new Scheduler({ strict: true }).point("read"); // NotControlledError
 * ```
 * Warning: only a `{ strict: true }` Scheduler throws it: by default `point()` outside `explore`/`replay` does nothing,
 * so a function run free by mistake goes unnoticed.
 */
export class NotControlledError extends RaceLabError {}

/**
 * The scheduler handle: `explore` and `replay` pass one to the function as its last argument. Each
 * `point(label)` ends the current step; the scheduler then chooses which worker runs the next step,
 * and a step runs alone, until its worker's next point or its end.
 *
 * @example
 * ```ts
 * function increment(x: Value, s: Scheduler) {
 *   s.point("read");  const seen = x.value;
 *   s.point("write"); x.value = seen + 1;
 * }
 * await explore({ fn: increment, workers: 2, setup: () => { … }, expected: 2 });
 * await runThreads(increment, [[x, new Scheduler()], [x, new Scheduler()]]); // free-running: points do nothing
 * ```
 * Warning: only code between points is controlled. Shared data touched without a point in between
 * is one indivisible step here, even where real threads could interleave inside it.
 */
export class Scheduler {
  /** Whether `point()` outside a controlled run throws. */
  readonly strict: boolean;

  constructor(options: SchedulerOptions = {}) {
    options = checkOptions<SchedulerOptions>("options", options, "{ strict: true }", ["strict"]);
    if (options.strict !== undefined && typeof options.strict !== "boolean") {
      throw new RaceLabArgumentError("options.strict", "true or false", options.strict);
    }
    this.strict = options.strict ?? false;
  }

  /**
   * Ends the current step: under `explore`/`replay` this worker stops here until it is chosen to go
   * on. Elsewhere it does nothing (or throws, for a `{ strict: true }` scheduler).
   *
   * @example
   * ```ts
   * s.point("read"); const seen = x.value;
   * ```
   */
  point(label = "point"): void {
    const controller = control.current;
    if (controller) return controller.point(label);
    if (this.strict) {
      throw new NotControlledError(
        `s.point(${JSON.stringify(label)}) was called outside explore()/replay(), and this Scheduler was made with { strict: true }: ` +
          `run the function with explore({ fn, workers, setup }) or replay({ …, order }), or make it with new Scheduler().`,
      );
    }
  }

  /**
   * Whether this thread is running under `explore`/`replay` right now.
   *
   * @example
   * ```ts
   * if (s.controlled) console.log("each point is a choice");
   * ```
   */
  get controlled(): boolean {
    return control.current !== undefined;
  }
}

// A handle holds no shared state: each thread or process rebuilds its own.
defineSharable(Scheduler, {
  name: "Scheduler",
  module: __filename,
  toProcesses: true,
  fields: ["strict"],
  decode: (s) => new Scheduler({ strict: s.strict as boolean }),
});
