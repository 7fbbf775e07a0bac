/**
 * A timeline from timed events: each worker (thread or process) notes when it read and wrote, on a
 * clock every process of the machine shares; the notebook merges the logs by time into the global
 * order that `showTimeline` draws. For races between processes, where no shared `Trace` exists.
 */
import { RaceLabArgumentError } from "../core/errors";
import type { TraceEvent } from "./analysis";

const READ = 0;
const WRITE = 1;

/** Microseconds on the monotonic clock, which every process and thread of one machine shares. */
function nowMicros(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

/**
 * One worker's reads and writes with the time of each, kept as a flat list of numbers so that it
 * travels back from a thread or a process as plain data.
 *
 * @example
 * ```ts
 * function work(maxCount: number, filename: string) {
 *   const log = new TimedLog();
 *   // … log.read(count) after each read, log.write(count + 1) after each write …
 *   return log.events;             // plain numbers: they travel back to the notebook
 * }
 * ```
 * Warning: two events of different processes a few microseconds apart may be merged in the wrong
 * order: the clock is shared, but noting the time is not part of the access itself.
 */
export class TimedLog {
  /** time (µs), kind (0 = read, 1 = write), value; three numbers per event. */
  readonly events: number[] = [];

  /**
   * Notes a read of `value`, now.
   *
   * @example
   * ```ts
   * log.read(count);
   * ```
   */
  read(value: number): void {
    this.events.push(nowMicros(), READ, value);
  }

  /**
   * Notes a write of `value`, now.
   *
   * @example
   * ```ts
   * log.write(count + 1);
   * ```
   */
  write(value: number): void {
    this.events.push(nowMicros(), WRITE, value);
  }
}

/**
 * Merges the logs of several workers by time into trace events (`seq` in time order; worker `i + 1`
 * for the `i`-th log), ready for `showTimeline` and `analyzeTrace`.
 *
 * @example
 * ```ts
 * const logs = await new Pool(2, { kind: "process" }).map(partial(work, { filename }), [1000, 2000]);
 * await showTimeline(mergeTimedLogs(logs), { title: "two processes, one file" });
 * ```
 * Warning: orders by each worker's clock: events of different processes a few microseconds apart may come out in the
 * wrong order.
 */
export function mergeTimedLogs(logs: Array<number[] | { events: number[] }>): TraceEvent[] {
  if (!Array.isArray(logs)) throw new RaceLabArgumentError("logs", "an array of TimedLog events (one per worker)", logs);
  const timed: { time: number; worker: number; kind: "read" | "write"; value: number }[] = [];
  logs.forEach((log, i) => {
    const events = Array.isArray(log) ? log : (log as { events?: unknown })?.events;
    if (!Array.isArray(events) || events.length % 3 !== 0 || !events.every((n) => typeof n === "number")) {
      throw new RaceLabArgumentError(`logs[${i}]`, "a TimedLog or its events (time, kind, value numbers)", log);
    }
    for (let e = 0; e < events.length; e += 3) {
      timed.push({ time: events[e], worker: i + 1, kind: events[e + 1] === READ ? "read" : "write", value: events[e + 2] });
    }
  });
  // A stable sort: one worker's events keep their order when two times are equal.
  timed.sort((a, b) => a.time - b.time);
  return timed.map(({ worker, kind, value }, seq) => ({ seq, worker, kind, value }));
}

/**
 * The events around one of them: `before` events before `events[index]` and `count` in all, for a
 * readable picture of a long run (a negative `index`, "not found", gives the first `count`).
 *
 * @example
 * ```ts
 * const torn = events.findIndex((e, i) => i > 10 && e.kind === "read" && e.value === 0);
 * await showTimeline(eventsAround(events, torn, 20, 50), { title: "50 accesses around a torn read" });
 * ```
 * Warning: a negative `index` (findIndex's "not found") gives the first `count` events, not an error: check it first.
 */
export function eventsAround(events: TraceEvent[], index: number, before = 20, count = 50): TraceEvent[] {
  if (!Array.isArray(events)) throw new RaceLabArgumentError("events", "an array of trace events", events);
  for (const [name, value] of [
    ["index", index],
    ["before", before],
    ["count", count],
  ] as const) {
    if (!Number.isInteger(value)) throw new RaceLabArgumentError(name, "an integer", value);
  }
  if (before < 0 || count < 1)
    throw new RaceLabArgumentError(before < 0 ? "before" : "count", before < 0 ? "0 or more" : "1 or more", before < 0 ? before : count);
  const from = index < 0 ? 0 : Math.max(0, index - before);
  return events.slice(from, from + count);
}
