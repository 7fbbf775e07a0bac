// The pictures of wait-for and dependency cycles keep every label readable: no label's box crosses
// an arrow or a node, for cycles of 2 to 6 nodes, paired arrows both ways, and long labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cycleGraphSvg, type GraphEdge } from "../../../src/display/cycle-graph";

type Box = { left: number; right: number; top: number; bottom: number; text: string };

/** Each label's box, from its anchor and a generous width per character at 12 px. */
function labelBoxes(svg: string): Box[] {
  return [...svg.matchAll(/<text x="([\d.e-]+)" y="([\d.e-]+)" font-size="12" text-anchor="(\w+)"[^>]*>([^<]*)<\/text>/g)].map((m) => {
    const [x, y, anchor, text] = [Number(m[1]), Number(m[2]), m[3], m[4]];
    const width = 6.8 * text.length;
    const left = anchor === "start" ? x : anchor === "end" ? x - width : x - width / 2;
    return { left, right: left + width, top: y - 11, bottom: y + 2, text };
  });
}

/** Points along every arrow (quadratic curves). */
function curvePoints(svg: string): { x: number; y: number }[] {
  const points: { x: number; y: number }[] = [];
  for (const m of svg.matchAll(/d="M([\d.e-]+),([\d.e-]+) Q([\d.e-]+),([\d.e-]+) ([\d.e-]+),([\d.e-]+)"/g)) {
    const [x0, y0, cx, cy, x1, y1] = m.slice(1).map(Number);
    for (let t = 0; t <= 1; t += 0.02) {
      points.push({ x: (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t ** 2 * x1, y: (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t ** 2 * y1 });
    }
  }
  return points;
}

function circles(svg: string) {
  return [...svg.matchAll(/<circle cx="([\d.e-]+)" cy="([\d.e-]+)" r="([\d.]+)"/g)].map((m) => ({
    x: Number(m[1]),
    y: Number(m[2]),
    r: Number(m[3]),
  }));
}

function assertLabelsClear(svg: string, what: string) {
  const boxes = labelBoxes(svg);
  assert.ok(boxes.length > 0, `${what}: labels found`);
  for (const b of boxes) {
    for (const p of curvePoints(svg)) {
      assert.ok(
        p.x < b.left || p.x > b.right || p.y < b.top || p.y > b.bottom,
        `${what}: label "${b.text}" crosses an arrow at (${p.x.toFixed(0)}, ${p.y.toFixed(0)})`,
      );
    }
    for (const c of circles(svg)) {
      const nx = Math.max(b.left, Math.min(c.x, b.right));
      const ny = Math.max(b.top, Math.min(c.y, b.bottom));
      assert.ok(Math.hypot(nx - c.x, ny - c.y) > c.r, `${what}: label "${b.text}" covers a node`);
    }
    const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    assert.ok(b.left >= 0 && b.right <= width && b.top >= 0 && b.bottom <= height, `${what}: label "${b.text}" inside the picture`);
  }
}

const workers = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: String(i), above: "worker" }));

test("a cycle of n workers, each waiting for the next: labels clear of arrows and nodes", () => {
  for (let n = 2; n <= 6; n++) {
    const edges: GraphEdge[] = workers(n).map((w) => ({
      from: w.id,
      to: (w.id + 1) % n,
      label: `waits for fork${(w.id + 1) % n}`,
      color: "#b00020",
    }));
    assertLabelsClear(cycleGraphSvg({ description: "a cycle", nodes: workers(n), edges }), `${n} workers`);
  }
});

test("two arrows between the same pair bend to opposite sides, each label beside its own", () => {
  for (let n = 2; n <= 4; n++) {
    const edges: GraphEdge[] = [
      { from: 0, to: 1, label: "waits for lock_b", color: "#b00020" },
      { from: 1, to: 0, label: "waits for lock_a", color: "#b00020" },
    ];
    assertLabelsClear(cycleGraphSvg({ description: "both ways", nodes: workers(n), edges }), `a pair among ${n}`);
  }
});

test("the picture says what it shows, escaped, and marks each colour's arrows", () => {
  const svg = cycleGraphSvg({
    description: "T1 <waits>",
    title: "G2",
    nodes: [
      { id: "T1", name: "T1" },
      { id: "T2", name: "T2" },
    ],
    edges: [
      { from: "T1", to: "T2", label: "rw x", color: "#8a4baf", dash: "2 4" },
      { from: "T2", to: "T1", label: "ww x", color: "#b00020" },
    ],
  });
  assert.match(svg, /role="img"><title>T1 &lt;waits&gt;<\/title>/);
  assert.match(svg, /stroke-dasharray="2 4"/);
  assert.equal((svg.match(/<marker /g) ?? []).length, 2);
});
