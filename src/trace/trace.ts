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
 *
 * Warning: the trace records what the workers tell it, in the order their `read`/`write` calls got
 * sequence numbers. Call them immediately next to the real access (`const v = c.value;
 * trace.read(id, v)`), or the recorded order may differ from the real one.
 */
import { RaceLabArgumentError, RaceLabError } from "../core/errors";
import { defineSharable } from "../core/shared-object";
import { checkOptions } from "../core/validate";
import { analyzeTrace, type TraceAnalysis, type TraceEvent } from "./analysis";

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
export class Trace {
  private readonly buffer: SharedArrayBuffer;
  private readonly values: Float64Array;
  private readonly header: Int32Array;
  private readonly marks: Int32Array;
  private readonly workers: Int32Array;
  private readonly kinds: Int32Array;

  constructor(options: { capacity?: number } = {}, buffer?: SharedArrayBuffer) {
    checkOptions("options", options, "{ capacity: 10_000 }");
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
   * the top of analysis.ts).
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
}

defineSharable(Trace, {
  name: "Trace",
  module: __filename,
  fields: ["buffer", "capacity"],
  // Rebuilt by its constructor, over the same shared buffer.
  decode({ buffer, capacity }) {
    if (!(buffer instanceof SharedArrayBuffer)) throw new RaceLabArgumentError("state.buffer", "a SharedArrayBuffer", buffer);
    return new Trace({ capacity: capacity as number }, buffer);
  },
});
