/**
 * "N workers play R rounds, released together": start the threads once, and let them play every
 * trial as a round on a fresh shared state, all released at the same moment by a `Barrier`.
 *
 * Why: starting a thread costs more than many demos' work, and a thread that starts late finds the
 * other one already done (no overlap, no race). Starting once and meeting at a barrier before every
 * round makes the rounds overlap and keeps the cost of starting out of the measurement.
 */
import { RaceLabArgumentError, TravelError } from "../core/errors";
import { Barrier } from "../primitives/barrier";
import { runThreads } from "./run";
import { packFunction } from "./travel";
import type { CellDefinition } from "./worker-scope";
import { MAX_WORKERS, checkCount, checkFunction, checkTimeout } from "../core/validate";

/** The most rounds one {@link playRounds} may play. @example `playRounds(fn, { ...opts, rounds: MAX_ROUNDS })` */
export const MAX_ROUNDS = 1000;

/** Options of {@link playRounds}. */
export interface PlayRoundsOptions<S> {
  /** How many worker threads play (1 to 64). */
  workers: number;
  /** How many rounds (1 to 1000). */
  rounds: number;
  /** Makes round `round`'s fresh shared state (a `Value`, a `SharedArray`, an object of them…), here. */
  state: (round: number) => S;
  /** The extra arguments of worker `worker` (0, 1, …): `play(state, ...args(worker))`. Default none. */
  args?: (worker: number) => unknown[];
  /** How long all rounds together may take, in ms (the run's timeout; default 60 000). */
  timeoutMs?: number;
}

/** One round that {@link playRounds} played. */
export interface PlayedRound<S> {
  /** 1, 2, …: use it as the trial number of `runTrials`. */
  round: number;
  /** The round's shared state, as the workers left it. */
  state: S;
  /** What `play` returned in each worker, by worker. */
  results: unknown[];
  /** How long `play` took in each worker, in ms, measured inside the thread. */
  workerMs: number[];
  /** The round's time: its slowest worker's. */
  workMs: number;
}

// Runs in every worker thread; it travels as source code, so it uses nothing from around it. `play`
// comes as its source with what it uses from the notebook's cells (packFunction's definitions).
function playEachRound(source: string, name: string, definitions: CellDefinition[], states: unknown[], start: Barrier, args: unknown[]) {
  const play = require("race-lab").rebuildFunction(source, name, definitions);
  const ms: number[] = [];
  const results: unknown[] = [];
  for (const state of states) {
    start.wait(); // every worker begins the round at the same moment
    const t0 = performance.now();
    results.push(play(state, ...args));
    ms.push(performance.now() - t0);
  }
  return { ms, results };
}

/**
 * Plays `rounds` rounds in `workers` threads started once: before each round all of them meet at a
 * `Barrier`, which releases them together; then each calls `play(state, ...args(worker))` on that
 * round's fresh state. Returns the rounds, with each one's state and times.
 *
 * @example
 * ```ts
 * function transact(balance: Value, amount: number, times: number) {
 *   for (let i = 0; i < times; i++) balance.value = balance.value + amount;
 * }
 * const rounds = await playRounds(transact, {
 *   workers: 2, rounds: 20,
 *   state: () => new Value("i", 2000),
 *   args: (worker) => [worker === 0 ? +1 : -1, 1_000_000],
 * });
 * rounds.map((r) => r.state.value); // e.g. [2000, 1873, 2412, …]
 * ```
 * Warning: `play` travels as its source code, with the functions, classes and constants of the
 * notebook's cells that it uses (see docs/HOW-FUNCTIONS-TRAVEL.md); anything else must come through
 * `state` or `args`. It must be synchronous: the barrier
 * blocks the thread between rounds.
 */
export async function playRounds<S>(play: (state: S, ...args: any[]) => unknown, options: PlayRoundsOptions<S>): Promise<PlayedRound<S>[]> {
  checkFunction("play", play);
  if (typeof options !== "object" || options === null) {
    throw new RaceLabArgumentError("options", "an object { workers, rounds, state, args? }", options);
  }
  const workers = checkCount("options.workers", options.workers, MAX_WORKERS);
  const rounds = checkCount("options.rounds", options.rounds, MAX_ROUNDS);
  const makeState = checkFunction("options.state", options.state) as (round: number) => S;
  const argsOf = options.args === undefined ? () => [] : (checkFunction("options.args", options.args) as (worker: number) => unknown[]);
  const timeoutMs = checkTimeout("options.timeoutMs", options.timeoutMs);
  const packed = packFunction(play, "thread"); // fails here, before any thread starts, if play cannot travel
  if (packed.bound.length > 0 || packed.guard !== undefined) {
    throw new TravelError(
      `playRounds plays a plain function: pass what \`${packed.name || "play"}\` needs through options.args, not partial() or a lock wrapper.`,
    );
  }
  if (/^async\b/.test(packed.source))
    throw new RaceLabArgumentError("play", "a synchronous function (the barrier blocks between rounds)", play);
  const states = Array.from({ length: rounds }, (_, r) => makeState(r + 1));
  const argLists = Array.from({ length: workers }, (_, w) => {
    const args = argsOf(w);
    if (!Array.isArray(args)) throw new RaceLabArgumentError(`options.args(${w})`, "an array of arguments", args);
    return args;
  });
  const start = new Barrier(workers);
  const played = await runThreads(
    playEachRound,
    argLists.map((args) => [packed.source, packed.name, packed.definitions ?? [], states, start, args]),
    timeoutMs === undefined ? { label: packed.name || "play" } : { label: packed.name || "play", timeoutMs },
  );
  return states.map((state, r) => {
    const workerMs = played.map((p) => p.ms[r]);
    return { round: r + 1, state, results: played.map((p) => p.results[r]), workerMs, workMs: Math.max(...workerMs) };
  });
}
