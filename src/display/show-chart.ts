// Charts shown inline: rendered to SVG, with the spec's description as a line of text under it (for
// whoever cannot see the picture) and a text fallback outside Jupyter.

import { checkOptions } from "../core/validate";
import { barChartSpec, renderVegaLite, type BarRow } from "./chart";
import { showHtml, showSvg, showText } from "./display";
import { escapeHtml } from "./table";

/**
 * Renders and shows a Vega-Lite chart, with its description as a line of text under it; a chart
 * that cannot be drawn is reported as text, and the numbers stay.
 *
 * @example
 * ```ts
 * await showChart(barChartSpec(rows, { title: "time" }), "Lock: 120 ms, no lock: 40 ms");
 * ```
 * Warning: async — `await` it so the chart lands in this cell.
 */
export async function showChart(spec: Record<string, unknown>, text: string): Promise<void> {
  let svg: string;
  try {
    svg = await renderVegaLite(spec);
  } catch (e) {
    showText(`(chart not available: ${(e as Error).message})`);
    return;
  }
  showSvg(svg, text);
  // The chart in one line of text under it: for whoever cannot see it, and for a quick read.
  if (typeof spec.description === "string")
    showHtml(`<div style="font-size:12px;color:#333333;margin:0 0 6px">${escapeHtml(spec.description)}</div>`, spec.description);
}

/**
 * Shows a bar chart of labelled values (timings, throughput), with a text fallback listing them.
 *
 * @example
 * ```ts
 * await showBarChart([{ label: "Lock", value: 120 }, { label: "no lock", value: 40 }], { title: "time for 10 000 increments", unit: "ms" });
 * ```
 * Warning: async — `await` it so the chart lands in this cell.
 */
export async function showBarChart(
  rows: { label: string; value: number; group?: string }[],
  opts: { title?: string; unit?: string } = {},
): Promise<void> {
  checkOptions("options", opts, "{ title, unit }");
  const spec = barChartSpec(rows as BarRow[], opts); // validates rows, title and unit
  const unit = opts.unit ? " " + opts.unit : "";
  const text =
    (opts.title ? opts.title + "\n" : "") +
    rows
      .map((r) => `  ${r.group ? r.group + " / " : ""}${r.label}: ${Number.isInteger(r.value) ? r.value : r.value.toFixed(2)}${unit}`)
      .join("\n");
  await showChart(spec, text);
}
