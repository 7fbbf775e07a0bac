// showTimeline: the interleaving a trace recorded, drawn (display/timeline-chart.ts) and explained.
import { RaceLabArgumentError } from "../core/errors";
import { checkOptions } from "../core/validate";
import { renderVegaLite } from "../display/chart";
import { showMarkdown, showSvg } from "../display/display";
import { TIMELINE_STATUS, timelineSpec } from "../display/timeline-chart";
import { type AnalyzedEvent, analyzeTrace, type TraceAnalysis, type TraceEvent } from "./analysis";
import { Trace } from "./trace";

/** Options of {@link showTimeline}. */
export interface TimelineOptions {
  title?: string;
  /**
   * The most events drawn (default 120, at most 2000): the first ones, or, when the first stale write
   * comes later, a window starting just before it. The analysis always covers every event.
   */
  maxEvents?: number;
}

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
  checkOptions("options", opts, "{ title, maxEvents }");
  const { title = "interleaving", maxEvents = 120 } = opts;
  if (typeof title !== "string") throw new RaceLabArgumentError("title", "a string", title);
  if (typeof maxEvents !== "number" || !Number.isInteger(maxEvents) || maxEvents < 1 || maxEvents > 2000) {
    throw new RaceLabArgumentError("maxEvents", "an integer from 1 to 2000", maxEvents);
  }
  const analysis = analyzeTrace(trace instanceof Trace ? trace.events() : trace);
  const all = analysis.events;
  if (all.length === 0) {
    showMarkdown(
      `**${title}**: the trace is empty — call \`trace.read(worker, value)\` and \`trace.write(worker, value)\` in the workers.`,
    );
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
  const status = (e: AnalyzedEvent) =>
    e.kind === "read" ? TIMELINE_STATUS[0] : e.lost ? TIMELINE_STATUS[3] : e.stale ? TIMELINE_STATUS[2] : TIMELINE_STATUS[1];
  const points = shown.map((e) => ({ seq: e.seq, lane: `worker ${e.worker}`, kind: e.kind, value: e.value, status: status(e) }));
  const windows = shown
    .filter((e) => e.kind === "write" && e.base !== null)
    .map((e) => ({ from: e.base, to: e.seq, lane: `worker ${e.worker}`, stale: e.stale }));
  const lanes = [...new Set(points.map((p) => p.lane))].sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
  const subtitle =
    `${analysis.lostUpdates} lost update${analysis.lostUpdates === 1 ? "" : "s"}, ${analysis.staleWrites} stale write${analysis.staleWrites === 1 ? "" : "s"}` +
    (shown.length < all.length ? ` — events #${shown[0].seq} to #${lastSeq} of ${all.length} shown` : "");
  const spec = timelineSpec({ title, subtitle, points, windows, lanes, first: shown[0].seq, last: lastSeq });
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
  // Under the chart: what it shows in one line, then how to read it.
  showMarkdown(`${svg !== null ? `${spec.description as string}\n\n` : ""}${legend(analysis, trace instanceof Trace ? trace.dropped : 0)}`);
  return analysis;
}

function legend(analysis: TraceAnalysis, dropped: number): string {
  const lines = [
    "Each lane is one worker; left to right is the order in which the accesses happened. " +
      "A line joins each write to the read it was computed from.",
    `**Stale write** (orange triangle, its line dashed): another worker wrote between this write's read and the write, so it overwrote a value it never saw. ` +
      `**Lost write** (red cross): a write whose effect vanished because a stale write overwrote it. Reads are circles, other writes squares.`,
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
