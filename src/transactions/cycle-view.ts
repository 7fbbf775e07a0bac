// A dependency cycle drawn as SVG, as the deadlock view draws a wait-for cycle: one node per
// transaction on a circle, an arrow per edge labelled with its kind and key (ww, wr, rw), each kind
// with its own colour and dash.

import { RaceLabArgumentError } from "../core/errors";
import { showBundle } from "../display/display";
import { cycleGraphSvg } from "../display/cycle-graph";
import { escapeHtml } from "../display/table";
import type { Anomaly, HistoryVerdict } from "./checker";

const COLORS: Record<string, string> = { ww: "#b00020", wr: "#1f5fbf", rw: "#8a4baf" };
// The kind in the line's pattern too (its label names it as well), for readers who cannot tell the colours apart.
const DASHES: Record<string, string | undefined> = { ww: undefined, wr: "7 4", rw: "2 4" };

/**
 * The SVG picture of an anomaly's cycle: transactions on a circle, each edge an arrow labelled
 * `ww key`, `wr key` or `rw key`.
 *
 * @example
 * ```ts
 * const svg = cycleSvg(verdict.anomalies[0]);
 * ```
 * Warning: only cycle anomalies have a picture (G1a and G1b are single reads): it throws for those.
 */
export function cycleSvg(anomaly: Anomaly): string {
  if (typeof anomaly !== "object" || anomaly === null || !Array.isArray(anomaly.edges) || anomaly.edges.length === 0) {
    throw new RaceLabArgumentError(
      "anomaly",
      "an anomaly with a cycle (G0, G1c, G-single, lost update, G2-item, G2) from checkHistory",
      anomaly,
    );
  }
  return cycleGraphSvg({
    title: anomaly.name,
    description: `${anomaly.name}: ${anomaly.text}`,
    nodes: anomaly.cycle!.slice(0, -1).map((id) => ({ id, name: id })),
    edges: anomaly.edges.map((e) => ({
      from: e.from,
      to: e.to,
      label: `${e.kind} ${e.key}${e.predicate ? " (pred.)" : ""}`,
      color: COLORS[e.kind],
      dash: DASHES[e.kind],
    })),
  });
}

/**
 * Shows a checker's verdict: one line per anomaly (its name and cycle in words), and each cycle's
 * picture. "no anomaly" when there is none.
 *
 * @example
 * ```ts
 * showVerdict(checkHistory(historyOf(interleaving)));
 * ```
 * Warning: it shows at most three pictures; the text lists every anomaly found.
 */
export function showVerdict(verdict: HistoryVerdict): void {
  if (typeof verdict !== "object" || verdict === null || !Array.isArray((verdict as HistoryVerdict).anomalies)) {
    throw new RaceLabArgumentError("verdict", "what checkHistory returned", verdict);
  }
  const text = verdict.ok ? verdict.summary : verdict.anomalies.map((a) => `${a.name}: ${a.text}`).join("\n");
  const pictures = verdict.anomalies
    .filter((a) => a.edges)
    .slice(0, 3)
    .map(cycleSvg);
  const html = `<div><pre>${escapeHtml(text)}</pre>${pictures.join(" ")}</div>`;
  showBundle({ "text/html": html, "text/plain": text });
}
