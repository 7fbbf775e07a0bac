// explore(): every schedule of a small program (or random ones, from a seed), run on real threads
// that are reused from one schedule to the next. replay(): one given schedule, run again.

import { nextPrefix } from "./backtrack";
import { RaceLabError } from "../core/errors";
import { packForRun } from "../run/run";
import { checkExploreOptions, type Checked, type ExploreOptions, type ReplayOptions } from "./options";
import { seededRandom } from "./random";
import { type Choose, runSchedule, type Schedule } from "./schedule";
import { Team } from "./team";

/**
 * What {@link explore} found.
 *
 * @example
 * ```ts
 * const report = await explore(options);
 * console.log(`${report.anomalies} of ${report.schedules.length} schedules go wrong`);
 * ```
 */
export interface ExploreReport<O = unknown> {
  /** One entry per distinct interleaving, in the order they were found; `observed` is what `setup`'s `observe` returns. */
  schedules: Schedule<O>[];
  /** How many schedules are anomalies (wrong outcome, deadlock or error). */
  anomalies: number;
  /** How many end in a deadlock. */
  deadlocks: number;
  /** Exhaustive mode: true when every schedule was explored (no cap, no timeout reached). */
  complete: boolean;
  /** Why the exploration stopped early: the cap (`maxSchedules`) or the time limit (`timeoutMs`). */
  stoppedBy?: "maxSchedules" | "timeoutMs";
  /** How many schedules were run (random mode may run the same one twice; only distinct ones are listed). */
  runs: number;
  mode: "exhaustive" | "random";
  /** Random mode: the seed. */
  seed?: number;
  /** The function's source, for the explorer. */
  source: string;
  /** The function's name. */
  name: string;
  workers: number;
  /** The expected outcome, if given as a value. */
  expected?: unknown;
  /** A one-line summary. */
  summary: string;
}

/**
 * A schedule run again by {@link replay}.
 *
 * @example
 * ```ts
 * const again: Replayed = await replay({ ...options, order: [0, 1, 0, 1] }); // again.observed === 1
 * ```
 */
export type Replayed<O = unknown> = Schedule<O>;

async function withTeam<T>(o: Checked, body: (team: Team) => Promise<T>): Promise<T> {
  const packed = packForRun(o.fn, "thread");
  const team = await Team.start(packed, o.workers, packed.name || "anonymous function", {
    parkLimitMs: o.timeoutMs + o.stepTimeoutMs,
    valuePoints: o.valuePoints,
  });
  try {
    return await body(team);
  } catch (error) {
    await team.fail(error as Error);
    throw error;
  } finally {
    await team.end();
  }
}

/**
 * Runs `fn` in `workers` real threads under control, once per schedule: every schedule (exhaustive
 * mode) or `schedules` random ones from `seed` (random mode). Each `s.point(label)` in `fn` ends a
 * step; blocking in race-lab's Lock, RLock, Semaphore, Event, Condition, Barrier or Queue ends one
 * too, and a worker waiting there is not chosen until it can go on. A schedule where nobody can go
 * on is a deadlock, reported with who waits for what.
 *
 * @example
 * ```ts
 * function increment(x: Value, s: Scheduler) {
 *   s.point("read");  const seen = x.value;
 *   s.point("write"); x.value = seen + 1;
 * }
 * const setup = () => { const x = new Value("i", 0); return { args: [[x], [x]], observe: () => x.value }; };
 * const report = await explore({ fn: increment, workers: 2, setup, expected: 2 });
 * report.schedules.length; // 6
 * report.anomalies;        // 4 (observed 1: a lost update)
 * ```
 * Warning: the number of schedules grows very fast (two workers of n steps each: (2n)!/(n!)²). Keep
 * programs tiny, or use `mode: "random"`. `fn` must do the same thing every time it is given the
 * same choices (no Math.random, no clock), or the search cannot retrace its steps. Only the schedules
 * of this model are run: code between two points is one indivisible step (release(), set(), notify()
 * and Value and SharedArray reads and writes are no points, unless `valuePoints`); each worker's code before its first
 * point runs before the schedule starts, worker 0's first; a timed wait times out only where no worker
 * can go on; sleeps and clocks are not modelled; a schedule is judged by its end (safety), so a worker
 * that could wait forever while others go on (starvation) is not reported.
 */
export function explore<O = unknown>(options: ExploreOptions<O>): Promise<ExploreReport<O>>;
export async function explore(options: ExploreOptions): Promise<ExploreReport> {
  const o = checkExploreOptions(options, false);
  const source = Function.prototype.toString.call(o.fn);
  return withTeam(o, async (team) => {
    const found = new Map<string, Schedule>();
    const deadline = Date.now() + o.timeoutMs;
    let runs = 0;
    let stoppedBy: ExploreReport["stoppedBy"];
    let endless = false;
    const keep = (schedule: Schedule) => {
      const key = schedule.order.join(",");
      if (!found.has(key)) found.set(key, schedule);
    };
    if (o.mode === "random") {
      const random = seededRandom(o.seed);
      while (runs < o.schedules) {
        if (Date.now() > deadline) {
          stoppedBy = "timeoutMs";
          break;
        }
        const ran = await runSchedule(team, o, (enabled) => enabled[Math.floor(random() * enabled.length)], deadline);
        if (ran.unfinished) {
          [stoppedBy, endless] = ["timeoutMs", true];
          break;
        }
        keep(ran.schedule);
        runs++;
      }
    } else {
      // Depth-first over the tree of choices, by re-running from the start: follow `prefix`, then
      // always the first worker that can go; next time, change the deepest choice that has an
      // untried alternative. Runs equal to an earlier one (a woken worker that waited again) are
      // counted once.
      let prefix: number[] | undefined = [];
      while (prefix) {
        if (runs >= o.maxSchedules) {
          stoppedBy = "maxSchedules";
          break;
        }
        if (Date.now() > deadline) {
          stoppedBy = "timeoutMs";
          break;
        }
        const follow: number[] = prefix;
        const choose: Choose = (enabled, decision) => {
          if (decision >= follow.length) return enabled[0];
          if (!enabled.includes(follow[decision])) {
            throw new RaceLabError(
              `the program did not repeat itself: at choice ${decision + 1} worker ${follow[decision]} could go on in an earlier run, but not now. ` +
                `explore() needs a function that does the same thing for the same choices (no Math.random, no clock, no state kept between runs).`,
            );
          }
          return follow[decision];
        };
        const { schedule, decisions, unfinished } = await runSchedule(team, o, choose, deadline);
        if (unfinished) {
          [stoppedBy, endless] = ["timeoutMs", true];
          break;
        }
        keep(schedule);
        runs++;
        prefix = nextPrefix(decisions, (d) => d.enabled);
      }
    }
    const schedules = [...found.values()];
    const anomalies = schedules.filter((s) => s.anomaly).length;
    const deadlocks = schedules.filter((s) => s.deadlock).length;
    const complete = o.mode === "exhaustive" && stoppedBy === undefined;
    const unended = endless ? "; one schedule had not ended (a worker that waits by looping around a point can be chosen forever)" : "";
    const stopped =
      stoppedBy === "maxSchedules"
        ? ` (stopped at maxSchedules = ${o.maxSchedules}: there are more)`
        : stoppedBy === "timeoutMs"
          ? ` (stopped at timeoutMs = ${o.timeoutMs}: there are more${unended})`
          : "";
    const summary =
      `${schedules.length} ${o.mode === "random" ? `distinct schedules in ${runs} random runs (seed ${o.seed})` : "schedules"}${stopped}: ` +
      `${anomalies} went wrong${deadlocks > 0 ? ` (${deadlocks} deadlocked)` : ""}.`;
    return {
      schedules,
      anomalies,
      deadlocks,
      complete,
      ...(stoppedBy ? { stoppedBy } : {}),
      runs,
      mode: o.mode,
      ...(o.mode === "random" ? { seed: o.seed } : {}),
      source,
      name: o.fn.name,
      workers: o.workers,
      ...(o.hasExpected && typeof o.expected !== "function" ? { expected: o.expected } : {}),
      summary,
    };
  });
}

/**
 * Runs one schedule again, on real threads: `order` names the worker that runs each step (as in a
 * report's schedules). The same order gives the same outcome, every time.
 *
 * @example
 * ```ts
 * const again = await replay({ fn: increment, workers: 2, setup, expected: 2, order: [0, 1, 0, 1] });
 * again.observed; // 1: both read 0, both wrote 1
 * ```
 * Warning: the order must fit the program exactly: an error names the first step where it does not
 * (a worker that has finished or is waiting, or too few or too many steps).
 */
export function replay<O = unknown>(options: ReplayOptions<O>): Promise<Replayed<O>>;
export async function replay(options: ReplayOptions): Promise<Replayed> {
  const o = checkExploreOptions(options, true);
  const order = o.order!;
  return withTeam(o, async (team) => {
    let step = 0;
    const { schedule } = await runSchedule(team, o, (enabled, _decision, why) => {
      if (step >= order.length) {
        throw new RaceLabError(
          `options.order is too short: it ends after ${order.length} steps, but ${enabled.map((w) => `worker ${w}`).join(" and ")} can still go on. ` +
            `Add a step for each of them (e.g. [${[...order, ...enabled].join(", ")}…]).`,
        );
      }
      const w = order[step];
      if (!enabled.includes(w)) {
        throw new RaceLabError(
          `options.order[${step}] is ${w}, but ${why(w)} at step ${step + 1}; the workers that can go on are ${enabled.join(", ")}.`,
        );
      }
      step++;
      return w;
    });
    if (schedule.order.length < order.length) {
      throw new RaceLabError(
        `options.order is too long: the schedule ended after ${schedule.order.length} steps (${schedule.deadlock ? "in a deadlock" : "every worker had finished"}), ` +
          `but the order has ${order.length}: drop the last ${order.length - schedule.order.length}.`,
      );
    }
    return schedule;
  });
}
