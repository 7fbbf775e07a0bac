/**
 * Interleaving traces: workers record each read and write of a shared value into one shared ring
 * buffer, stamped with a global sequence number, so the notebook can draw the interleaving that
 * actually happened and point at the lost updates.
 *
 * Layout of the SharedArrayBuffer (capacity = C slots):
 *   Float64Array values[C]                       (offset 0, 8-byte aligned)
 *   Int32Array   header[2]: [0] next sequence number, [1] capacity
 *   Int32Array   marks[C]:   0 = empty or being written, else (sequence number + 1) of the event held
 *   Int32Array   workers[C], kinds[C]
 * Event number `seq` lives in slot `seq % C`; once more than C events were recorded the oldest are
 * overwritten (the ring), and `dropped` says how many.
 *
 * Lost updates, precisely. Take the events in sequence order. A read observes the latest write before
 * it. A write W by worker w is BASED on w's latest earlier event: if that is a read R, W builds on the
 * write R observed; if it is w's own write, W builds on it; if w has no earlier event, W is a blind
 * write that builds on nothing. W is STALE (the cause of a lost update) when another worker wrote
 * between W's base event and W: W overwrites writes it never saw. Following "builds on" back from the
 * final write gives the chain of writes whose effects survive. A write is LOST when it is off that
 * chain and some stale write overwrote it. For a counter that every worker increments
 * (`v = read(); write(v + 1)`) from 0, `lostUpdates() === expected - final value`.
 *
 * Warning: the trace records what the workers tell it, in the order their `read`/`write` calls got
 * sequence numbers. Call them immediately next to the real access (`const v = c.value;
 * trace.read(id, v)`), or the recorded order may differ from the real one.
 */
import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { Destination, notSharable, registerSharable, Sharable, SharedState } from "../core/shared-object";
import { renderVegaLite, CHART_COLORS } from "../display/chart";
import { showMarkdown, showSvg } from "../display/display";

/**
 * The most events a trace can hold (and the highest worker number it accepts, below).
 *
 * @example
 * ```ts
 * new Trace({ capacity: MAX_TRACE_CAPACITY });
 * ```
 */
export const MAX_TRACE_CAPACITY = 1_000_000;
/** The highest worker number a trace accepts. @example `trace.read(MAX_TRACE_WORKER, 0)` */
export const MAX_TRACE_WORKER = 10_000;

const READ = 1;
const WRITE = 2;
const NEXT = 0; // header index: next sequence number
const CAPACITY = 1; // header index: capacity

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
 * Finds the stale and lost writes of a sequence of events (see the definition at the top of trace.ts).
 * Events need not be sorted; their `seq` numbers must be distinct.
 *
 * @example
 * ```ts
 * analyzeTrace([
 *   { seq: 0, worker: 1, kind: "read", value: 0 }, { seq: 1, worker: 2, kind: "read", value: 0 },
 *   { seq: 2, worker: 1, kind: "write", value: 1 }, { seq: 3, worker: 2, kind: "write", value: 1 },
 * ]).lostUpdates; // 1: worker 2's write overwrote worker 1's, which it never read
 * ```
 */
export function analyzeTrace(events: TraceEvent[]): TraceAnalysis {
  if (!Array.isArray(events)) throw new RaceLabArgumentError("events", "an array of trace events", events);
  events.forEach((e, i) => {
    if (
      typeof e !== "object" || e === null || !Number.isInteger(e.seq) || e.seq < 0 ||
      !Number.isInteger(e.worker) || (e.kind !== "read" && e.kind !== "write") || typeof e.value !== "number"
    ) {
      throw new RaceLabArgumentError(`events[${i}]`, "an event { seq, worker, kind: \"read\" | \"write\", value }", e);
    }
  });
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].seq === sorted[i - 1].seq) throw new RaceLabArgumentError("events", "events with distinct seq numbers", sorted[i].seq);
  }
  const out: AnalyzedEvent[] = sorted.map((e) => ({ ...e, base: null, buildsOn: null, observed: null, overwrote: [], stale: false, lost: false }));
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

/**
 * A shared ring buffer of read/write events with a global sequence number. Create it on the main
 * thread, pass it to `runThreads` in an argument list, record in the workers, analyse and draw in
 * the notebook.
 *
 * @example
 * ```ts
 * const trace = new Trace({ capacity: 10_000 });
 * await runThreads((id, c, t) => { for (let i = 0; i < 100; i++) { const v = c.value; t.read(id, v); c.value = v + 1; t.write(id, v + 1); } },
 *   [[1, counter, trace], [2, counter, trace]]);
 * trace.lostUpdates();
 * await showTimeline(trace, { title: "two threads, one counter" });
 * ```
 * Warning: a Trace lives in shared memory: it travels to threads, not to processes
 * (NotSharableError). Recording costs time and so changes how often the race happens.
 */
export class Trace implements Sharable {
  private readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;
  private readonly header: Int32Array;
  private readonly marks: Int32Array;
  private readonly workers: Int32Array;
  private readonly kinds: Int32Array;

  constructor(options: { capacity?: number } = {}, buffer?: SharedArrayBuffer) {
    if (typeof options !== "object" || options === null) {
      throw new RaceLabArgumentError("options", "an object such as { capacity: 10_000 }", options);
    }
    const capacity = options.capacity ?? 10_000;
    if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1 || capacity > MAX_TRACE_CAPACITY) {
      throw new RaceLabArgumentError("capacity", `an integer from 1 to ${MAX_TRACE_CAPACITY}`, capacity);
    }
    this.buffer = buffer ?? new SharedArrayBuffer(capacity * 8 + (2 + 3 * capacity) * 4);
    this.values = new Float64Array(this.buffer, 0, capacity);
    const ints = new Int32Array(this.buffer, capacity * 8, 2 + 3 * capacity);
    this.header = ints.subarray(0, 2);
    this.marks = ints.subarray(2, 2 + capacity);
    this.workers = ints.subarray(2 + capacity, 2 + 2 * capacity);
    this.kinds = ints.subarray(2 + 2 * capacity, 2 + 3 * capacity);
    // The capacity is written once, before the trace is shared, so no other thread can see it unset.
    if (!buffer) this.header[CAPACITY] = capacity;
  }

  /** How many events the ring holds at most. */
  get capacity(): number {
    return this.marks.length;
  }

  /** How many events were recorded since creation (or `clear()`), including dropped ones. */
  get recorded(): number {
    // Atomics.load: a plain read could see a stale count while workers are still recording.
    return Atomics.load(this.header, NEXT);
  }

  /** How many of the oldest events were overwritten because the ring was full. */
  get dropped(): number {
    return Math.max(0, this.recorded - this.capacity);
  }

  /**
   * Records that `worker` read `value` from the shared data.
   *
   * @example
   * ```ts
   * const v = counter.value; trace.read(id, v);
   * ```
   */
  read(worker: number, value: number): void {
    this.record(READ, worker, value);
  }

  /**
   * Records that `worker` wrote `value` to the shared data.
   *
   * @example
   * ```ts
   * counter.value = v + 1; trace.write(id, v + 1);
   * ```
   */
  write(worker: number, value: number): void {
    this.record(WRITE, worker, value);
  }

  private record(kind: number, worker: number, value: number): void {
    if (typeof worker !== "number" || !Number.isInteger(worker) || worker < 0 || worker > MAX_TRACE_WORKER) {
      throw new RaceLabArgumentError("worker", `an integer from 0 to ${MAX_TRACE_WORKER}`, worker);
    }
    if (typeof value !== "number" || Number.isNaN(value)) throw new RaceLabArgumentError("value", "a number", value);
    // Atomics.add hands out each sequence number exactly once. With `seq = next; next = seq + 1` two
    // workers could read the same `next` and write into the same slot: the trace would lose an event
    // to exactly the race it is recording.
    const seq = Atomics.add(this.header, NEXT, 1);
    if (seq < 0 || seq >= 0x7ffffffe) {
      throw new RaceLabError("this Trace has recorded 2^31 events, its most; create a new Trace (or call clear())");
    }
    const slot = seq % this.capacity;
    // Mark the slot "being written" first: a reader running events() concurrently then skips it
    // instead of returning a half-written event (worker of one event, value of another).
    Atomics.store(this.marks, slot, 0);
    this.workers[slot] = worker;
    this.kinds[slot] = kind;
    this.values[slot] = value;
    // Publish: Atomics.store orders the plain writes above before it, so a thread whose Atomics.load
    // sees this mark also sees the event's fields (no torn or stale event).
    Atomics.store(this.marks, slot, seq + 1);
  }

  /**
   * The recorded events still in the ring, in sequence order.
   *
   * @example
   * ```ts
   * trace.events().filter((e) => e.kind === "write").length;
   * ```
   */
  events(): TraceEvent[] {
    const oldest = this.recorded - this.capacity;
    const out: TraceEvent[] = [];
    for (let slot = 0; slot < this.capacity; slot++) {
      // Read the mark before and after the fields (a seqlock): if a worker rewrote the slot meanwhile,
      // the marks differ and the torn event is skipped.
      const before = Atomics.load(this.marks, slot);
      if (before === 0) continue;
      const worker = this.workers[slot];
      const kind = this.kinds[slot];
      const value = this.values[slot];
      const after = Atomics.load(this.marks, slot);
      if (before !== after || before - 1 < oldest) continue;
      out.push({ seq: before - 1, worker, kind: kind === READ ? "read" : "write", value });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /**
   * Analyses the recorded events: which writes were stale, which were lost (see the definition at
   * the top of trace.ts).
   *
   * @example
   * ```ts
   * trace.analyze().events.filter((e) => e.lost);
   * ```
   */
  analyze(): TraceAnalysis {
    return analyzeTrace(this.events());
  }

  /**
   * How many writes were lost: overwritten by another worker that never saw them.
   *
   * @example
   * ```ts
   * trace.lostUpdates(); // for a counter: expected - counter.value
   * ```
   * Warning: counts only events still in the ring; check `trace.dropped === 0`.
   */
  lostUpdates(): number {
    return this.analyze().lostUpdates;
  }

  /**
   * Forgets every event (to reuse the trace for another trial).
   *
   * @example
   * ```ts
   * trace.clear();
   * ```
   * Warning: only call it while no worker is recording.
   */
  clear(): void {
    for (let slot = 0; slot < this.capacity; slot++) Atomics.store(this.marks, slot, 0);
    // Atomics.store so that workers started after clear() see the reset counter, not a cached one.
    Atomics.store(this.header, NEXT, 0);
  }

  /** The shared form sent to a worker thread (processes share no memory: NotSharableError). */
  toSharedState(to: Destination): SharedState {
    if (to === "process") throw notSharable("Trace");
    return { __raceLab: "Trace", buffer: this.buffer, capacity: this.capacity };
  }

  /** Rebuilds a Trace on the receiving thread, over the same shared buffer. */
  static fromSharedState(state: SharedState): Trace {
    const { buffer, capacity } = state as unknown as { buffer: SharedArrayBuffer; capacity: number };
    if (!(buffer instanceof SharedArrayBuffer)) throw new RaceLabArgumentError("state.buffer", "a SharedArrayBuffer", buffer);
    return new Trace({ capacity }, buffer);
  }
}

registerSharable("Trace", (state) => Trace.fromSharedState(state));

/** Options of {@link showTimeline}. */
export interface TimelineOptions {
  title?: string;
  /**
   * The most events drawn (default 120, at most 2000): the first ones, or, when the first stale write
   * comes later, a window starting just before it. The analysis always covers every event.
   */
  maxEvents?: number;
}

// Short labels keep the legend compact; the text legend below the chart explains them.
const STATUS = ["read", "write", "stale write", "lost write"] as const;

/**
 * Draws the interleaving: one lane per worker, each read (circle) and write (square) at its place in
 * the global order, a line from each write back to the event it was based on, stale writes in orange
 * and lost writes in red; then a short text legend naming the first lost updates. Returns the
 * analysis.
 *
 * @example
 * ```ts
 * const { lostUpdates } = await showTimeline(trace, { title: "two threads, one counter", maxEvents: 60 });
 * ```
 * Warning: async — `await` it. A long trace is cut to `maxEvents`: record few iterations (10–50) to
 * get a readable picture.
 */
export async function showTimeline(trace: Trace | TraceEvent[], opts: TimelineOptions = {}): Promise<TraceAnalysis> {
  if (!(trace instanceof Trace) && !Array.isArray(trace)) throw new RaceLabArgumentError("trace", "a Trace (or an array of events)", trace);
  if (typeof opts !== "object" || opts === null) throw new RaceLabArgumentError("options", "an object { title, maxEvents }", opts);
  const { title = "interleaving", maxEvents = 120 } = opts;
  if (typeof title !== "string") throw new RaceLabArgumentError("title", "a string", title);
  if (typeof maxEvents !== "number" || !Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 2000) {
    throw new RaceLabArgumentError("maxEvents", "an integer from 1 to 2000", maxEvents);
  }
  const analysis = analyzeTrace(trace instanceof Trace ? trace.events() : trace);
  const all = analysis.events;
  if (all.length === 0) {
    showMarkdown(`**${title}**: the trace is empty — call \`trace.read(worker, value)\` and \`trace.write(worker, value)\` in the workers.`);
    return analysis;
  }
  // Show the first maxEvents events; but when the first stale write comes later than that, start the
  // window a few events before its read, so the picture shows the race rather than its quiet prelude.
  const firstStale = all.findIndex((e) => e.stale);
  let start = 0;
  if (firstStale >= maxEvents) {
    const baseIndex = all.findIndex((e) => e.seq === all[firstStale].base);
    start = Math.max(0, Math.min(baseIndex - 4, all.length - maxEvents));
  }
  const shown = all.slice(start, start + maxEvents);
  const lastSeq = shown[shown.length - 1].seq;
  const status = (e: AnalyzedEvent) => (e.kind === "read" ? STATUS[0] : e.lost ? STATUS[3] : e.stale ? STATUS[2] : STATUS[1]);
  const points = shown.map((e) => ({ seq: e.seq, lane: `worker ${e.worker}`, kind: e.kind, value: e.value, status: status(e) }));
  const windows = shown
    .filter((e) => e.kind === "write" && e.base !== null)
    .map((e) => ({ from: e.base, to: e.seq, lane: `worker ${e.worker}`, stale: e.stale }));
  const lanes = [...new Set(points.map((p) => p.lane))].sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  const x = { field: "seq", type: "quantitative", title: "global order (sequence number)", scale: { domain: [shown[0].seq - 0.5, lastSeq + 0.5], nice: false }, axis: { tickMinStep: 1, format: "d" } };
  const y = { field: "lane", type: "nominal", title: null, sort: lanes };
  const spec = {
    title: { text: title, subtitle: `${analysis.lostUpdates} lost update${analysis.lostUpdates === 1 ? "" : "s"}, ${analysis.staleWrites} stale write${analysis.staleWrites === 1 ? "" : "s"}` + (shown.length < all.length ? ` — events #${shown[0].seq} to #${lastSeq} of ${all.length} shown` : "") },
    // At most 720 px wide, so the chart and its legend fit a notebook's output area.
    width: Math.min(720, Math.max(320, shown.length * 16)),
    height: { step: 44 },
    layer: [
      {
        data: { values: windows },
        mark: { type: "rule", strokeWidth: 2, opacity: 0.7 },
        encoding: {
          x: { ...x, field: "from" },
          x2: { field: "to" },
          y,
          // A condition, not a scale: the points' color scale (event status) must stay the only one.
          color: { condition: { test: "datum.stale", value: CHART_COLORS.stale }, value: "#bbbbbb" },
        },
      },
      {
        data: { values: points },
        layer: [
          {
            mark: { type: "point", filled: true, size: shown.length > 50 ? 45 : 110, opacity: 1 },
            encoding: {
              x,
              y,
              shape: { field: "kind", type: "nominal", scale: { domain: ["read", "write"], range: ["circle", "square"] }, title: "access", legend: { orient: "bottom", direction: "horizontal" } },
              color: { field: "status", type: "nominal", scale: { domain: [...STATUS], range: [CHART_COLORS.read, CHART_COLORS.write, CHART_COLORS.stale, CHART_COLORS.lost] }, title: "event", legend: { orient: "bottom", direction: "horizontal" } },
              tooltip: [{ field: "seq" }, { field: "lane" }, { field: "kind" }, { field: "value" }, { field: "status" }],
            },
          },
          ...(shown.length <= 45
            ? [{ mark: { type: "text", dy: -13, fontSize: 10, color: "#222222" }, encoding: { x, y, text: { field: "value" } } }]
            : []),
        ],
      },
    ],
  };
  let svg: string | null = null;
  try {
    svg = await renderVegaLite(spec);
  } catch (e) {
    showMarkdown(`(timeline chart not available: ${(e as Error).message})`);
  }
  const textTimeline = shown
    .slice(0, 40)
    .map((e) => `#${e.seq} worker ${e.worker} ${e.kind} ${e.value}${e.lost ? "  (lost)" : e.stale ? "  (stale)" : ""}`)
    .join("\n");
  if (svg !== null) showSvg(svg, `${title}\n${textTimeline}${shown.length > 40 ? "\n…" : ""}`);
  showMarkdown(legend(analysis, trace instanceof Trace ? trace.dropped : 0));
  return analysis;
}

function legend(analysis: TraceAnalysis, dropped: number): string {
  const lines = [
    "Each lane is one worker; left to right is the order in which the accesses happened. " +
      "A grey line joins each write to the read it was computed from.",
    `**Stale write** (orange): another worker wrote between this write's read and the write, so it overwrote a value it never saw. ` +
      `**Lost write** (red): a write whose effect vanished because a stale write overwrote it.`,
  ];
  const bySeq = new Map(analysis.events.map((e) => [e.seq, e]));
  const examples = analysis.events.filter((e) => e.stale).slice(0, 3);
  for (const w of examples) {
    const lostOnes = w.overwrote.map((s) => bySeq.get(s)!).filter((e) => e.lost);
    if (lostOnes.length === 0) continue;
    const base = w.base === null ? undefined : bySeq.get(w.base);
    lines.push(
      `- worker ${w.worker} ${base?.kind === "read" ? `read ${base.value} (#${base.seq})` : `computed from #${w.base}`} and wrote ${w.value} (#${w.seq}), ` +
        `erasing ${lostOnes.map((e) => `worker ${e.worker}'s write of ${e.value} (#${e.seq})`).join(", ")}.`,
    );
  }
  lines.push(`**${analysis.lostUpdates}** lost update${analysis.lostUpdates === 1 ? "" : "s"} in this trace.`);
  if (dropped > 0) lines.push(`(The ring was full: the oldest ${dropped} events were overwritten and are not counted.)`);
  return lines.join("\n\n");
}
