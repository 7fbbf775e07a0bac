// The Vega-Lite spec of an interleaving timeline (trace/timeline.ts): one lane per worker, each read
// (circle) and write (square) at its place in the global order, a line from each write back to the
// event it was based on, stale writes in orange and lost writes in red.
import { CHART_COLORS, type VegaLiteSpec } from "./chart";

/**
 * The statuses a timeline colors events by. Short labels keep the chart's legend compact; the text
 * legend below the chart explains them.
 *
 * @internal
 * @example
 * ```ts
 * const status = event.kind === "read" ? TIMELINE_STATUS[0] : TIMELINE_STATUS[1];
 * ```
 */
export const TIMELINE_STATUS = ["read", "write", "stale write", "lost write"] as const;

/** @internal What a timeline draws: its events (points) and each write's window back to its base. */
export interface TimelineData {
  title: string;
  subtitle: string;
  points: { seq: number; lane: string; kind: string; value: number; status: string }[];
  windows: { from: number | null; to: number; lane: string; stale: boolean }[];
  /** Lane names in drawing order. */
  lanes: string[];
  /** Sequence numbers of the first and last event shown. */
  first: number;
  last: number;
}

/**
 * The Vega-Lite spec of a timeline.
 *
 * @internal
 * @example
 * ```ts
 * const svg = await renderVegaLite(timelineSpec({ title, subtitle, points, windows, lanes, first: 0, last: 9 }));
 * ```
 */
export function timelineSpec({ title, subtitle, points, windows, lanes, first, last }: TimelineData): VegaLiteSpec {
  const x = { field: "seq", type: "quantitative", title: "global order (sequence number)", scale: { domain: [first - 0.5, last + 0.5], nice: false }, axis: { tickMinStep: 1, format: "d" } };
  const y = { field: "lane", type: "nominal", title: null, sort: lanes };
  return {
    title: { text: title, subtitle },
    // At most 720 px wide, so the chart and its legend fit a notebook's output area.
    width: Math.min(720, Math.max(320, points.length * 16)),
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
            mark: { type: "point", filled: true, size: points.length > 50 ? 45 : 110, opacity: 1 },
            encoding: {
              x,
              y,
              shape: { field: "kind", type: "nominal", scale: { domain: ["read", "write"], range: ["circle", "square"] }, title: "access", legend: { orient: "bottom", direction: "horizontal" } },
              color: { field: "status", type: "nominal", scale: { domain: [...TIMELINE_STATUS], range: [CHART_COLORS.read, CHART_COLORS.write, CHART_COLORS.stale, CHART_COLORS.lost] }, title: "event", legend: { orient: "bottom", direction: "horizontal" } },
              tooltip: [{ field: "seq" }, { field: "lane" }, { field: "kind" }, { field: "value" }, { field: "status" }],
            },
          },
          ...(points.length <= 45
            ? [{ mark: { type: "text", dy: -13, fontSize: 10, color: "#222222" }, encoding: { x, y, text: { field: "value" } } }]
            : []),
        ],
      },
    ],
  };
}
