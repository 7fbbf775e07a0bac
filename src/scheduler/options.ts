// The options of explore() and replay(), checked once, with errors that name the option and what it
// may be.

import { RaceLabArgumentError } from "../core/errors";
import { checkFunction, checkInteger, checkOneOf, checkTimeout } from "../core/validate";

/**
 * What `setup` returns for each schedule: fresh shared state, one argument list per worker, and how to
 * read the outcome. `O` is the outcome's type: what `observe` returns, and each schedule's `observed`.
 *
 * @example
 * ```ts
 * const setup = (): Setup<number> => { const x = new Value("i", 0); return { args: [[x], [x]], observe: () => x.value, names: { x } }; };
 * ```
 */
export interface Setup<O = unknown> {
  /** One argument list per worker; the scheduler handle is appended to each. */
  args: unknown[][];
  /** Reads the outcome on the main thread (called after every step too, to show the state): read only, never change. */
  observe: () => O;
  /** Names for the shared objects in reports and deadlocks ("lockA" instead of "Lock 1"). */
  names?: Record<string, unknown>;
}

/**
 * Options of {@link explore} (and, with `order`, of {@link replay}). `O` is the outcome's type, taken
 * from what `setup`'s `observe` returns, so that a report's `observed` needs no cast.
 *
 * @example
 * ```ts
 * const options = { fn: increment, workers: 2, setup, expected: 2 }; // an ExploreOptions<number>
 * (await explore(options)).schedules[0].observed; // a number
 * ```
 * Warning: `O` is what `observe` says it returns, not checked at run time: a worker's error or a
 * deadlock still reports what `observe` read then.
 */
export interface ExploreOptions<O = unknown> {
  /** The function every worker runs; it gets its argument list, then the {@link Scheduler} handle. */
  fn: (...args: any[]) => unknown;
  /** How many worker threads (1 to 8). */
  workers: number;
  /** Makes fresh shared state for each schedule (runs on the main thread). */
  setup: () => Setup<O>;
  /** The outcome a correct run has, or a test of the outcome; any other outcome is an anomaly. */
  expected?: unknown;
  /** "exhaustive" (default): every schedule, up to `maxSchedules`; "random": `schedules` random ones from `seed`. */
  mode?: "exhaustive" | "random";
  /** Exhaustive mode: stop after this many runs and say so in the report (default 5000). */
  maxSchedules?: number;
  /** Random mode: how many schedules to run (default 100). */
  schedules?: number;
  /** Random mode: the seed (an integer; default 1). The same seed gives the same schedules. */
  seed?: number;
  /** How long one step may take before it counts as stuck (default 5000 ms). */
  stepTimeoutMs?: number;
  /**
   * How long the whole exploration may take; it stops there and says so (default 60 000 ms). A
   * schedule that has not ended by then (a worker spinning around a point) is stopped too.
   */
  timeoutMs?: number;
  /**
   * Makes every read and every write of a `Value`'s `.value` and of a `SharedArray`'s items
   * (`get`, `set`) in the workers a scheduling point too (default false: only `s.point(…)` and
   * blocking calls are). `x.value += 1` is then two steps, and the lost update between them is found
   * without writing a point by hand.
   */
  valuePoints?: boolean;
}

/**
 * Options of {@link replay}: those of explore plus the order to follow.
 *
 * @example
 * ```ts
 * await replay({ ...options, order: [0, 1, 0, 1] });
 * ```
 */
export interface ReplayOptions<O = unknown> extends ExploreOptions<O> {
  /** The worker that runs each step, as in a report's `order`. */
  order: number[];
}

/** @internal The options, checked, with defaults. */
export interface Checked {
  fn: (...args: any[]) => unknown;
  workers: number;
  setup: () => Setup;
  hasExpected: boolean;
  expected: unknown;
  mode: "exhaustive" | "random";
  maxSchedules: number;
  schedules: number;
  seed: number;
  stepTimeoutMs: number;
  timeoutMs: number;
  valuePoints: boolean;
  order?: number[];
}

/** The most workers a controlled run has: schedules grow too fast beyond that to be of any use. */
export const MAX_CONTROLLED_WORKERS = 8;
/** The most schedules one exploration may run. */
export const MAX_SCHEDULES = 1_000_000;

const KEYS = [
  "fn",
  "workers",
  "setup",
  "expected",
  "mode",
  "maxSchedules",
  "schedules",
  "seed",
  "stepTimeoutMs",
  "timeoutMs",
  "valuePoints",
];

/** @internal Checks explore()'s (or, with `withOrder`, replay()'s) options. */
export function checkExploreOptions(options: unknown, withOrder: boolean): Checked {
  const call = withOrder ? "replay" : "explore";
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RaceLabArgumentError("options", `an object like { fn, workers, setup, expected${withOrder ? ", order" : ""} }`, options);
  }
  const o = options as Record<string, unknown>;
  const keys = withOrder ? [...KEYS, "order"] : KEYS;
  for (const key of Object.keys(o)) {
    if (!keys.includes(key)) throw new RaceLabArgumentError(`options.${key}`, `one of the options of ${call}(): ${keys.join(", ")}`, key);
  }
  checkFunction("options.fn", o.fn);
  if (o.workers === undefined)
    throw new RaceLabArgumentError("options.workers", `the number of worker threads, 1 to ${MAX_CONTROLLED_WORKERS}`, o.workers);
  const workers = checkInteger("options.workers", o.workers, 1, MAX_CONTROLLED_WORKERS);
  checkFunction("options.setup", o.setup);
  const mode = o.mode === undefined ? "exhaustive" : checkOneOf("options.mode", o.mode, ["exhaustive", "random"] as const);
  const checked: Checked = {
    fn: o.fn as Checked["fn"],
    workers,
    setup: o.setup as Checked["setup"],
    hasExpected: "expected" in o && o.expected !== undefined,
    expected: o.expected,
    mode,
    maxSchedules: o.maxSchedules === undefined ? 5000 : checkInteger("options.maxSchedules", o.maxSchedules, 1, MAX_SCHEDULES),
    schedules: o.schedules === undefined ? 100 : checkInteger("options.schedules", o.schedules, 1, MAX_SCHEDULES),
    seed: o.seed === undefined ? 1 : checkInteger("options.seed", o.seed, 0, 2 ** 32 - 1),
    stepTimeoutMs: checkTimeout("options.stepTimeoutMs", o.stepTimeoutMs, 5000),
    timeoutMs: checkTimeout("options.timeoutMs", o.timeoutMs, 60_000),
    valuePoints: (o.valuePoints ?? false) as boolean,
  };
  if (typeof checked.valuePoints !== "boolean") throw new RaceLabArgumentError("options.valuePoints", "true or false", o.valuePoints);
  if (checked.stepTimeoutMs < 1)
    throw new RaceLabArgumentError("options.stepTimeoutMs", "a number of milliseconds from 1 up", checked.stepTimeoutMs);
  if (checked.timeoutMs < 1) throw new RaceLabArgumentError("options.timeoutMs", "a number of milliseconds from 1 up", checked.timeoutMs);
  if (!withOrder && (o.schedules !== undefined || o.seed !== undefined) && mode !== "random") {
    throw new RaceLabArgumentError(
      "options.mode",
      `"random" when schedules or seed is given (exhaustive mode runs every schedule)`,
      o.mode,
    );
  }
  if (withOrder) {
    if (!Array.isArray(o.order))
      throw new RaceLabArgumentError("options.order", "an array of worker numbers, one per step, e.g. [0, 1, 0, 1]", o.order);
    o.order.forEach((w, i) => checkInteger(`options.order[${i}]`, w, 0, workers - 1));
    checked.order = [...(o.order as number[])];
  }
  return checked;
}

/**
 * Checks what `setup()` returned.
 *
 * @internal
 * @example
 * ```ts
 * const prepared = checkSetup(options.setup(), 2);
 * ```
 */
export function checkSetup(value: unknown, workers: number): Required<Setup> {
  const example = `{ args: [[x], [x]], observe: () => x.value }`;
  if (typeof value !== "object" || value === null || value instanceof Promise) {
    throw new RaceLabArgumentError("setup()", `to return an object like ${example} (synchronously)`, value);
  }
  const s = value as Record<string, unknown>;
  if (!Array.isArray(s.args) || s.args.length !== workers || !s.args.every(Array.isArray)) {
    throw new RaceLabArgumentError("setup().args", `an array of ${workers} argument lists (one per worker), like [[x], [x]]`, s.args);
  }
  checkFunction("setup().observe", s.observe);
  if (s.names !== undefined && (typeof s.names !== "object" || s.names === null || Array.isArray(s.names))) {
    throw new RaceLabArgumentError("setup().names", "an object of { name: sharedObject }", s.names);
  }
  return { args: s.args as unknown[][], observe: s.observe as () => unknown, names: (s.names ?? {}) as Record<string, unknown> };
}
