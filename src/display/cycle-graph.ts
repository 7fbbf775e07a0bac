// cycleGraphSvg(graph): a small directed graph as SVG, its nodes on a circle, each edge a bent arrow
// whose label sits beside the curve on a white halo (never across a line or a node). The picture of
// a wait-for cycle (a deadlock) and of a dependency cycle (a transaction anomaly).

import { escapeHtml } from "./table";

/** A node: its name in bold, with an optional smaller word above it ("worker" over "0"). */
export interface GraphNode {
  id: string | number;
  name: string;
  above?: string;
}

/** An arrow from one node to another, with its label, colour and dash pattern (a second channel). */
export interface GraphEdge {
  from: string | number;
  to: string | number;
  label: string;
  color: string;
  dash?: string;
}

/** A line of text under a node (a worker that waits for nobody in the graph). */
export interface GraphNote {
  at: string | number;
  label: string;
  color: string;
}

const NODE_RADIUS = 30;
const BEND = 32;

/**
 * The SVG of a small graph on a circle.
 *
 * @example
 * ```ts
 * const svg = cycleGraphSvg({ description: "a deadlock", nodes: [{ id: 0, name: "0", above: "worker" }, { id: 1, name: "1", above: "worker" }],
 *   edges: [{ from: 0, to: 1, label: "waits for b", color: "#b00020" }, { from: 1, to: 0, label: "waits for a", color: "#b00020" }] });
 * ```
 * Warning: it is laid out for a handful of nodes (a cycle of 2 to 6); more crowd the circle.
 */
export function cycleGraphSvg(graph: {
  nodes: GraphNode[];
  edges: GraphEdge[];
  notes?: GraphNote[];
  title?: string;
  /** What the picture shows, in words: the SVG's title, read by screen readers and shown on hover. */
  description: string;
}): string {
  const n = graph.nodes.length;
  // More nodes, a larger circle: the arrows between neighbours stay long enough for their labels.
  const radius = n === 1 ? 0 : 115 + 25 * Math.max(0, n - 4);
  const width = 2 * radius + 230;
  const height = 2 * radius + 150;
  const at = new Map(
    graph.nodes.map((node, i) => {
      const angle = (2 * Math.PI * i) / n - Math.PI / 2;
      return [node.id, { x: width / 2 + radius * Math.cos(angle), y: height / 2 + 8 + radius * Math.sin(angle) }];
    }),
  );
  const colors = [...new Set(graph.edges.map((e) => e.color))];
  const marker = (color: string) => `rl-arrow-${colors.indexOf(color)}`;
  const center = { x: width / 2, y: height / 2 + 8 };
  const parts = graph.edges.map((e) => {
    const paired = graph.edges.some((r) => r.from === e.to && r.to === e.from);
    return edgeSvg(at.get(e.from)!, at.get(e.to)!, e, marker(e.color), paired ? undefined : center);
  });
  for (const note of graph.notes ?? []) {
    const p = at.get(note.at)!;
    parts.push(textSvg(p.x, p.y + NODE_RADIUS + 16, "middle", note.label, note.color));
  }
  for (const node of graph.nodes) parts.push(nodeSvg(at.get(node.id)!, node));
  const markers = colors.map(
    (c) =>
      `<marker id="${marker(c)}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
  );
  const title = graph.title
    ? `<text x="${width / 2}" y="18" font-size="14" text-anchor="middle" font-weight="bold">${escapeHtml(graph.title)}</text>`
    : "";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">` +
    `<title>${escapeHtml(graph.description)}</title><defs>${markers.join("")}</defs>${title}${parts.join("")}</svg>`
  );
}

type Point = { x: number; y: number };

/**
 * A bent arrow between two nodes' edges, and its label just outside the bend. Two arrows between the
 * same pair bend to opposite sides; a lone arrow bends away from `center`, so labels stay outside.
 */
function edgeSvg(from: Point, to: Point, edge: GraphEdge, marker: string, center?: Point): string {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const len = Math.hypot(dx, dy) || 1;
  const outward =
    center === undefined || (-dy / len) * ((from.x + to.x) / 2 - center.x) + (dx / len) * ((from.y + to.y) / 2 - center.y) >= 0;
  const nx = outward ? -dy / len : dy / len;
  const ny = outward ? dx / len : -dx / len;
  const start = { x: from.x + (dx * NODE_RADIUS) / len, y: from.y + (dy * NODE_RADIUS) / len };
  const end = { x: to.x - (dx * (NODE_RADIUS + 4)) / len, y: to.y - (dy * (NODE_RADIUS + 4)) / len };
  const control = { x: (start.x + end.x) / 2 + nx * BEND, y: (start.y + end.y) / 2 + ny * BEND };
  // The curve's midpoint (a quadratic Bézier's point at t = 1/2), then a few pixels further out.
  const mid = { x: (start.x + 2 * control.x + end.x) / 4 + nx * 8, y: (start.y + 2 * control.y + end.y) / 4 + ny * 8 };
  const anchor = nx > 0.3 ? "start" : nx < -0.3 ? "end" : "middle";
  const baseline = ny > 0.3 ? mid.y + 12 : ny < -0.3 ? mid.y - 2 : mid.y + 4;
  const dash = edge.dash ? ` stroke-dasharray="${edge.dash}"` : "";
  return (
    `<path d="M${start.x},${start.y} Q${control.x},${control.y} ${end.x},${end.y}" fill="none" stroke="${edge.color}" stroke-width="2.5"${dash} marker-end="url(#${marker})"/>` +
    textSvg(mid.x, baseline, anchor, edge.label, edge.color)
  );
}

function textSvg(x: number, y: number, anchor: string, text: string, color: string): string {
  // The white halo keeps the words readable where they pass near another line.
  return `<text x="${x}" y="${y}" font-size="12" text-anchor="${anchor}" fill="${color}" stroke="#ffffff" stroke-width="4" paint-order="stroke">${escapeHtml(text)}</text>`;
}

function nodeSvg(p: Point, node: GraphNode): string {
  const circle = `<circle cx="${p.x}" cy="${p.y}" r="${NODE_RADIUS}" fill="#fff4d6" stroke="#333333" stroke-width="1.5"/>`;
  if (node.above === undefined)
    return (
      circle + `<text x="${p.x}" y="${p.y + 5}" font-size="14" text-anchor="middle" font-weight="bold">${escapeHtml(node.name)}</text>`
    );
  return (
    circle +
    `<text x="${p.x}" y="${p.y - 4}" font-size="10" text-anchor="middle">${escapeHtml(node.above)}</text>` +
    `<text x="${p.x}" y="${p.y + 12}" font-size="15" text-anchor="middle" font-weight="bold">${escapeHtml(node.name)}</text>`
  );
}
