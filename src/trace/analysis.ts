/**
 * Lost updates, precisely. Take the events in sequence order. A read observes the latest write before
 * it. A write W by worker w is BASED on w's latest earlier event: if that is a read R, W builds on the
 * write R observed; if it is w's own write, W builds on it; if w has no earlier event, W is a blind
 * write that builds on nothing. W is STALE (the cause of a lost update) when another worker wrote
 * between W's base event and W: W overwrites writes it never saw. Following "builds on" back from the
 * final write gives the chain of writes whose effects survive. A write is LOST when it is off that
 * chain and some stale write overwrote it. For a counter that every worker increments
 * (`v = read(); write(v + 1)`) from 0, `lostUpdates() === expected - final value`.

 */
import { RaceLabArgumentError } from "../core/errors";

/** One recorded access. */
export interface TraceEvent {
  /** Global order: 0, 1, 2, … across all workers. */
  seq: number;
  worker: number;
  kind: "read" | "write";
  value: number;
}

/** An event with what {@link analyzeTrace} found about it. */
export interface AnalyzedEvent extends TraceEvent {
  /** For a write: the seq of the event it is based on (its worker's previous event), or null. */
  base: number | null;
  /** For a write: the seq of the write it builds on (null: initial value or a blind write). */
  buildsOn: number | null;
  /** For a read: the seq of the write it observed (null: the initial value). */
  observed: number | null;
  /** For a write: seqs of other workers' writes between its base and itself (it overwrote them unseen). */
  overwrote: number[];
  /** A write that overwrote another worker's write it never saw: the cause of a lost update. */
  stale: boolean;
  /** A write whose effect was lost: overwritten unseen by a stale write, and off the surviving chain. */
  lost: boolean;
}

/** What {@link analyzeTrace} returns. */
export interface TraceAnalysis {
  events: AnalyzedEvent[];
  /** How many writes were lost. */
  lostUpdates: number;
  /** How many writes were stale (caused a loss). */
  staleWrites: number;
}

/**
 * Finds the stale and lost writes of a sequence of events (see the definition at the top of this file).
 * Events need not be sorted; their `seq` numbers must be distinct.
 *
 * @example
 * ```ts
 * analyzeTrace([
 *   { seq: 0, worker: 1, kind: "read", value: 0 }, { seq: 1, worker: 2, kind: "read", value: 0 },
 *   { seq: 2, worker: 1, kind: "write", value: 1 }, { seq: 3, worker: 2, kind: "write", value: 1 },
 * ]).lostUpdates; // 1: worker 2's write overwrote worker 1's, which it never read
 * ```
 * Warning: it judges only the events it is given: if the trace dropped events (`trace.dropped > 0`), the counts can be
 * wrong.
 */
export function analyzeTrace(events: TraceEvent[]): TraceAnalysis {
  if (!Array.isArray(events)) throw new RaceLabArgumentError("events", "an array of trace events", events);
  events.forEach((e, i) => {
    if (
      typeof e !== "object" ||
      e === null ||
      !Number.isInteger(e.seq) ||
      e.seq < 0 ||
      !Number.isInteger(e.worker) ||
      (e.kind !== "read" && e.kind !== "write") ||
      typeof e.value !== "number"
    ) {
      throw new RaceLabArgumentError(`events[${i}]`, 'an event { seq, worker, kind: "read" | "write", value }', e);
    }
  });
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].seq === sorted[i - 1].seq) throw new RaceLabArgumentError("events", "events with distinct seq numbers", sorted[i].seq);
  }
  const out: AnalyzedEvent[] = sorted.map((e) => ({
    ...e,
    base: null,
    buildsOn: null,
    observed: null,
    overwrote: [],
    stale: false,
    lost: false,
  }));
  const bySeq = new Map(out.map((e) => [e.seq, e]));
  const lastOf = new Map<number, AnalyzedEvent>(); // worker → its latest event
  const writes: AnalyzedEvent[] = [];
  let lastWrite: AnalyzedEvent | null = null;
  for (const e of out) {
    if (e.kind === "read") {
      e.observed = lastWrite ? lastWrite.seq : null;
    } else {
      const base = lastOf.get(e.worker);
      if (base) {
        e.base = base.seq;
        e.buildsOn = base.kind === "write" ? base.seq : base.observed;
        // `writes` is in seq order: find the first write after the base by binary search.
        let lo = 0;
        let hi = writes.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (writes[mid].seq > base.seq) hi = mid;
          else lo = mid + 1;
        }
        for (let i = lo; i < writes.length; i++) if (writes[i].worker !== e.worker) e.overwrote.push(writes[i].seq);
        e.stale = e.overwrote.length > 0;
      }
      writes.push(e);
      lastWrite = e;
    }
    lastOf.set(e.worker, e);
  }
  const survives = new Set<number>();
  for (let w: AnalyzedEvent | undefined = lastWrite ?? undefined; w; w = w.buildsOn === null ? undefined : bySeq.get(w.buildsOn)) {
    if (survives.has(w.seq)) break;
    survives.add(w.seq);
  }
  const overwritten = new Set(out.flatMap((e) => e.overwrote));
  for (const w of writes) w.lost = !survives.has(w.seq) && overwritten.has(w.seq);
  return {
    events: out,
    lostUpdates: writes.filter((w) => w.lost).length,
    staleWrites: writes.filter((w) => w.stale).length,
  };
}
