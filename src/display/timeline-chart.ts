// The Vega-Lite spec of an interleaving timeline (trace/timeline.ts): one lane per worker, each event
// at its place in the global order, a line from each write back to the event it was based on. Each
// status has its own shape as well as its own colour (read circle, write square, stale write
// triangle, lost write cross), and a stale write's line is dashed: readable without colour.
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

/**
 * The shape of each {@link TIMELINE_STATUS}: the channel beside colour that tells them apart.
 *
 * @internal
 * @example
 * ```ts
 * TIMELINE_SHAPES[2]; // "triangle-up" (a stale write)
 * ```
 */
export const TIMELINE_SHAPES = ["circle", "square", "triangle-up", "cross"] as const;

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
  const x = {
    field: "seq",
    type: "quantitative",
    title: "global order (sequence number)",
    scale: { domain: [first - 0.5, last + 0.5], nice: false },
    axis: { tickMinStep: 1, format: "d" },
  };
  const y = { field: "lane", type: "nominal", title: null, sort: lanes };
  const count = (status: string) => points.filter((p) => p.status === status).length;
  const many = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  const description =
    `Timeline: ${many(points.length, "event")} of ${many(lanes.length, "worker")} (${lanes.join(", ")}) in global order ${first} to ${last}; ` +
    `${many(count("read"), "read")}, ${many(count("write"), "write")}, ${many(count("stale write"), "stale write")}, ${many(count("lost write"), "lost write")}.`;
  return {
    title: { text: title, subtitle },
    description,
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
          // Dashed for a stale write's window: told apart without colour.
          strokeDash: { condition: { test: "datum.stale", value: [6, 3] }, value: [1, 0] },
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
              // Shape and colour on the same field and title: one legend showing both.
              shape: {
                field: "status",
                type: "nominal",
                scale: { domain: [...TIMELINE_STATUS], range: [...TIMELINE_SHAPES] },
                title: "event",
                legend: { orient: "bottom", direction: "horizontal" },
              },
              color: {
                field: "status",
                type: "nominal",
                scale: {
                  domain: [...TIMELINE_STATUS],
                  range: [CHART_COLORS.read, CHART_COLORS.write, CHART_COLORS.stale, CHART_COLORS.lost],
                },
                title: "event",
                legend: { orient: "bottom", direction: "horizontal" },
              },
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
