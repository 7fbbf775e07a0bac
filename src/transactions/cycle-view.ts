// A dependency cycle drawn as SVG, as the deadlock view draws a wait-for cycle: one node per
// transaction on a circle, an arrow per edge labelled with its kind and key (ww, wr, rw), red.

import { RaceLabArgumentError } from "../core/errors";
import { showBundle } from "../display/display";
import { escapeHtml } from "../display/table";
import type { Anomaly, HistoryVerdict } from "./checker";

const COLORS: Record<string, string> = { ww: "#b00020", wr: "#1f5fbf", rw: "#8a4baf" };

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
    throw new RaceLabArgumentError("anomaly", "an anomaly with a cycle (G0, G1c, G-single, lost update, G2-item, G2) from checkHistory", anomaly);
  }
  const nodes = anomaly.cycle!.slice(0, -1);
  const n = nodes.length;
  const size = 320;
  const radius = 100;
  const at = new Map(nodes.map((id, i) => {
    const angle = (2 * Math.PI * i) / n - Math.PI / 2;
    return [id, { x: size / 2 + radius * Math.cos(angle), y: size / 2 + radius * Math.sin(angle) }];
  }));
  const parts: string[] = [];
  for (const e of anomaly.edges) {
    const from = at.get(e.from)!, to = at.get(e.to)!;
    const dx = to.x - from.x, dy = to.y - from.y;
    const len = Math.hypot(dx, dy) || 1;
    const [x1, y1, x2, y2] = [from.x + (dx * 28) / len, from.y + (dy * 28) / len, to.x - (dx * 32) / len, to.y - (dy * 32) / len];
    // Bend each arrow to its own side, so two transactions' arrows both ways stay apart.
    const cx = (x1 + x2) / 2 - (dy / len) * 34, cy = (y1 + y2) / 2 + (dx / len) * 34;
    const color = COLORS[e.kind];
    parts.push(`<path d="M${x1},${y1} Q${cx},${cy} ${x2},${y2}" fill="none" stroke="${color}" stroke-width="2.5" marker-end="url(#rl-dep-${e.kind})"/>`);
    parts.push(`<text x="${cx}" y="${cy}" font-size="12" text-anchor="middle" fill="${color}">${e.kind} ${escapeHtml(e.key)}${e.predicate ? " (pred.)" : ""}</text>`);
  }
  for (const [id, p] of at) {
    parts.push(`<circle cx="${p.x}" cy="${p.y}" r="26" fill="#fff4d6" stroke="#333333" stroke-width="1.5"/>`);
    parts.push(`<text x="${p.x}" y="${p.y + 5}" font-size="14" text-anchor="middle">${escapeHtml(id)}</text>`);
  }
  const markers = Object.entries(COLORS).map(([k, c]) => `<marker id="rl-dep-${k}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`).join("");
  const title = `<text x="${size / 2}" y="18" font-size="14" text-anchor="middle" font-weight="bold">${escapeHtml(anomaly.name)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif"><defs>${markers}</defs>${title}${parts.join("")}</svg>`;
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
  const pictures = verdict.anomalies.filter((a) => a.edges).slice(0, 3).map(cycleSvg);
  const html = `<div><pre>${escapeHtml(text)}</pre>${pictures.join(" ")}</div>`;
  showBundle({ "text/html": html, "text/plain": text });
}
