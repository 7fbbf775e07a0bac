// The course's colours stay apart for colour-blind readers: the pairs that carry meaning (an anomaly
// beside a result as expected; a timeline's read, write, stale and lost) differ by a visible ΔE under
// simulated protanopia and deuteranopia, the common ones (Machado, Oliveira and Fernandes 2009,
// severity 1.0, in linear RGB; ΔE is CIE76 in CIELAB, D65). Under tritanopia (rare) Okabe and Ito's
// blue and green come closer: a lower bound there, and timelines give each status its own shape too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CHART_COLORS } from "race-lab/internal";

type RGB = [number, number, number];
const MACHADO: Record<string, number[][]> = {
  protanopia: [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
  ],
  deuteranopia: [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.01182, 0.04294, 0.968881],
  ],
  tritanopia: [
    [1.255528, -0.076749, -0.178779],
    [-0.078411, 0.930809, 0.147602],
    [0.004733, 0.691367, 0.3039],
  ],
};

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
function hex(color: string): RGB {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => toLinear(c / 255)) as RGB;
}
function simulate(rgb: RGB, m: number[][]): RGB {
  return m.map((row) => Math.min(1, Math.max(0, row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2]))) as RGB;
}
function lab([r, g, b]: RGB): RGB {
  const xyz = [0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0193 * r + 0.1192 * g + 0.9505 * b];
  const white = [0.95047, 1, 1.08883];
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  const [fx, fy, fz] = xyz.map((v, i) => f(v / white[i]));
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
function deltaE(a: string, b: string, m?: number[][]): number {
  const [p, q] = [a, b].map((c) => lab(m ? simulate(hex(c), m) : hex(c)));
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** The least ΔE a pair must keep: about what tells two small marks apart at a glance. */
const MIN_DELTA_E = 20;
/** Under tritanopia: a read (circle) and a write (square) differ by shape as well. */
const MIN_DELTA_E_TRITAN = 15;
const PAIRS: [keyof typeof CHART_COLORS, keyof typeof CHART_COLORS][] = [
  ["ok", "anomaly"],
  ["ok", "measure"],
  ["anomaly", "measure"],
  ["read", "write"],
  ["read", "stale"],
  ["read", "lost"],
  ["write", "stale"],
  ["write", "lost"],
];

test("the colours that carry meaning stay apart under simulated colour blindness", () => {
  const failures: string[] = [];
  for (const [a, b] of PAIRS) {
    for (const [name, m] of [["normal vision", undefined], ...Object.entries(MACHADO)] as [string, number[][] | undefined][]) {
      const d = deltaE(CHART_COLORS[a], CHART_COLORS[b], m);
      if (d < (name === "tritanopia" ? MIN_DELTA_E_TRITAN : MIN_DELTA_E)) failures.push(`${a} vs ${b} under ${name}: ΔE ${d.toFixed(1)}`);
    }
  }
  assert.deepEqual(failures, []);
});

test("the check can fail: the palette's old red and green are too close under deuteranopia", () => {
  // Tableau's red and green, once a timeline's lost and written: what this test exists to catch.
  assert.ok(deltaE("#e45756", "#54a24b", MACHADO.deuteranopia) < MIN_DELTA_E);
  assert.ok(deltaE("#e45756", "#54a24b") >= MIN_DELTA_E, "apart for normal vision");
});
