// Running one schedule: fresh state from setup(), every worker run up to its first point (one after
// another), then one step at a time, each by the worker `choose` picks among those that can go on.
// A worker waiting in a primitive can go on only once the slot it sleeps on has changed.

import { isDeepStrictEqual } from "util";
import { RaceLabError, RunTimeoutError, TravelError, WorkerFailedError } from "../core/errors";
import { encodeArgLists } from "../run/run";
import { describeDeadlock, type WaitFor } from "./deadlock";
import { checkSetup, type Checked } from "./options";
import { GO, type ParkMessage, TIMED_OUT } from "./protocol";
import { nameResources } from "./resources";
import type { Team } from "./team";

/**
 * One step of a schedule: the worker that ran it, the point it started from, and the shared state
 * after it (what `observe` read).
 *
 * @example
 * ```ts
 * const step: ScheduleStep = { worker: 0, label: "read", state: 0 };
 * ```
 */
export interface ScheduleStep {
  worker: number;
  label: string;
  state: unknown;
}

/**
 * One explored interleaving and how it ended.
 *
 * @example
 * ```ts
 * const bad = report.schedules.find((s) => s.anomaly); // { order: [0, 1, 0, 1], observed: 1, anomaly: true, deadlock: false, … }
 * ```
 */
export interface Schedule<O = unknown> {
  /** The worker that ran each step (replay it with `replay({ …, order })`). */
  order: number[];
  /** What `observe` read at the end (at the deadlock, for a deadlock). */
  observed: O;
  /** Not what was expected: a different outcome, a deadlock, or an error in a worker. */
  anomaly: boolean;
  /** No worker could go on, and some had not finished. */
  deadlock: boolean;
  /** The state before the first step (every worker at its first point). */
  start: unknown;
  /** One entry per step of `order`. */
  steps: ScheduleStep[];
  /** For a deadlock: who waits for what, and the cycle of workers waiting for each other (if any). */
  waits?: WaitFor[];
  cycle?: number[];
  /** A deadlock in words, or the errors workers threw. */
  description?: string;
  errors?: string[];
}

/** @internal Where a worker is between steps. */
type Parked =
  | { kind: "point"; label: string }
  | { kind: "block"; label: string; view: Int32Array; index: number; seen: number; timed: boolean; resource?: string }
  | { kind: "done" }
  | { kind: "failed"; error: string }
  | { kind: "aborted" };

/**
 * Picks the next worker among `enabled` at decision number `decision`; `why(w)` says where worker w is.
 *
 * @internal
 * @example
 * ```ts
 * const first: Choose = (enabled) => enabled[0];
 * ```
 */
export type Choose = (enabled: number[], decision: number, why: (w: number) => string) => number;

/** @internal A schedule and the choices made along it (for the exhaustive search's backtracking). */
export interface Ran {
  schedule: Schedule;
  decisions: { enabled: number[]; chosen: number }[];
  /** True when the deadline came before the schedule ended: its workers were unwound, and it is no finding. */
  unfinished?: boolean;
}

function parked(team: Team, w: number, message: ParkMessage): Parked {
  switch (message.type) {
    case "point":
      return { kind: "point", label: message.label };
    case "block":
      return {
        kind: "block",
        label: message.label,
        view: new Int32Array(message.buffer),
        index: message.index,
        seen: message.seen,
        timed: message.timed,
        resource: message.resource,
      };
    case "done":
      return { kind: "done" };
    case "aborted":
      return { kind: "aborted" };
    case "failed":
      // A function that cannot run at all (a name that did not travel) is not a finding of one schedule.
      if (message.error.name === "TravelError") throw new TravelError(message.error.message);
      // Nor is a stub left in it (notImplemented): the exercise is unsolved, not wrong in some schedules.
      if (message.error.name === "NotImplementedError") {
        throw new WorkerFailedError(`worker ${w} called a stub: ${message.error.message}`, w + 1, "NotImplementedError");
      }
      return { kind: "failed", error: `worker ${w}: ${message.error.name}: ${message.error.message}` };
    default:
      throw team.workerError(w, message);
  }
}

function canGo(p: Parked): boolean {
  // An atomic read of the slot a waiting worker sleeps on; the workers are all parked, so it is stable.
  return p.kind === "point" || (p.kind === "block" && Atomics.load(p.view, p.index) !== p.seen);
}

function where(p: Parked): string {
  switch (p.kind) {
    case "point":
      return `is at point "${p.label}"`;
    case "block":
      return `is waiting in ${p.label}`;
    case "done":
      return "has finished";
    case "failed":
      return "has failed";
    case "aborted":
      return "was stopped";
  }
}

/** A worker waiting again, on the same slot, right after it was let go: its step changed nothing visible. */
function sameWait(before: Parked, after: Parked): boolean {
  return (
    before.kind === "block" &&
    after.kind === "block" &&
    before.index === after.index &&
    before.seen === after.seen &&
    before.label === after.label &&
    before.resource === after.resource
  );
}

/**
 * Runs one schedule on `team`'s threads.
 *
 * @internal
 * @example
 * ```ts
 * const { schedule } = await runSchedule(team, checked, (enabled) => enabled[0], Date.now() + 60_000);
 * ```
 */
export async function runSchedule(team: Team, o: Checked, choose: Choose, deadline = Infinity): Promise<Ran> {
  const prepared = checkSetup(o.setup(), o.workers);
  const encoded = encodeArgLists("setup().args", prepared.args, "thread");
  const observe = () => {
    try {
      return prepared.observe();
    } catch (error) {
      throw new RaceLabError(`setup().observe threw ${(error as Error).name}: ${(error as Error).message}`);
    }
  };
  const states: Parked[] = [];
  const errors: string[] = [];
  const next = async (w: number, what: string): Promise<Parked> => {
    const message = await team.next(w, o.stepTimeoutMs);
    if (message === "timeout") {
      throw new RunTimeoutError(
        `${what} did not reach a point or its end within ${o.stepTimeoutMs} ms (options.stepTimeoutMs). ` +
          `A loop that never ends, or a wait outside race-lab's primitives (Atomics.wait, sleepSync), looks like this. All its threads have been ended.`,
      );
    }
    const p = parked(team, w, message);
    if (p.kind === "failed") errors.push(p.error);
    return p;
  };
  for (let w = 0; w < o.workers; w++) {
    team.send(w, encoded[w]);
    states[w] = await next(w, `worker ${w}'s code before its first point`);
  }
  const start = observe();
  const order: number[] = [];
  const steps: ScheduleStep[] = [];
  const decisions: Ran["decisions"] = [];
  for (;;) {
    // A worker that waits by looping around a point (a spin-wait) makes a schedule without end when
    // it is always the one chosen: the exploration's time limit ends it here.
    if (Date.now() > deadline) {
      for (const [w, p] of states.entries()) {
        if (p.kind !== "point" && p.kind !== "block") continue;
        team.abort(w);
        states[w] = await next(w, `worker ${w}, told to stop at the time limit,`);
      }
      const schedule: Schedule = { order, observed: observe(), anomaly: false, deadlock: false, start, steps };
      return { schedule, decisions, unfinished: true };
    }
    let enabled = states.flatMap((p, w) => (canGo(p) ? [w] : []));
    let command = GO;
    if (enabled.length === 0) {
      // Nobody can go on. A wait with a timeout then times out: that is the only way on.
      enabled = states.flatMap((p, w) => (p.kind === "block" && p.timed ? [w] : []));
      command = TIMED_OUT;
      if (enabled.length === 0) break;
    }
    const w = choose(enabled, decisions.length, (v) => `worker ${v} ${where(states[v])}`);
    decisions.push({ enabled, chosen: w });
    const before = states[w] as Extract<Parked, { label: string }>;
    team.grant(w, command);
    states[w] = await next(w, `worker ${w}'s step from "${before.label}" (step ${order.length + 1} of schedule [${order.join(", ")}])`);
    if (command === GO && sameWait(before, states[w])) continue; // woken, found it still taken, waits again: no step
    order.push(w);
    steps.push({ worker: w, label: before.label, state: observe() });
  }
  const stuck = states.flatMap((p, w) => (p.kind === "block" || p.kind === "point" ? [w] : []));
  const schedule: Schedule = { order, observed: undefined, anomaly: false, deadlock: stuck.length > 0, start, steps };
  if (schedule.deadlock) {
    const known = nameResources(prepared.args, prepared.names);
    const waits: WaitFor[] = stuck.map((w) => {
      const p = states[w] as Extract<Parked, { kind: "block" }>;
      const resource = p.resource === undefined ? undefined : known.get(p.resource);
      const owner = resource?.owner();
      const heldBy = owner === undefined ? -1 : team.threadIds.indexOf(owner);
      return {
        worker: w,
        call: p.label,
        resource: resource?.name ?? "a primitive made inside the worker",
        ...(heldBy >= 0 ? { heldBy } : {}),
      };
    });
    Object.assign(schedule, describeDeadlock(waits));
    // Unwind the stuck workers so their threads are ready for the next schedule.
    for (const w of stuck) {
      team.abort(w);
      states[w] = await next(w, `worker ${w}, told to stop after the deadlock,`);
    }
  }
  schedule.observed = observe();
  if (errors.length > 0) {
    schedule.errors = errors;
    schedule.description ??= errors.join("; ");
  }
  schedule.anomaly = schedule.deadlock || errors.length > 0 || (o.hasExpected && !meetsExpectation(schedule.observed, o.expected));
  return { schedule, decisions };
}

function meetsExpectation(observed: unknown, expected: unknown): boolean {
  if (typeof expected === "function") return Boolean((expected as (x: unknown) => unknown)(observed));
  return isDeepStrictEqual(observed, expected);
}
