// showDeadlock(schedule): the wait-for graph of a deadlocked schedule, drawn as SVG: one node per
// stuck worker, an arrow from each worker to the worker holding what it waits for, labelled with
// the primitive. A cycle of arrows is the deadlock.

import { showBundle } from "../display/display";
import { RaceLabArgumentError } from "../core/errors";
import { escapeHtml } from "../display/table";
import type { Schedule } from "./schedule";

/**
 * Draws who waits for whom in a deadlocked schedule (its wait-for graph, the cycle in red).
 *
 * @example
 * ```ts
 * const dead = report.schedules.find((s) => s.deadlock);
 * if (dead) showDeadlock(dead);
 * ```
 */
export function showDeadlock(schedule: Schedule): void {
  if (typeof schedule !== "object" || schedule === null || !schedule.deadlock || !schedule.waits) {
    throw new RaceLabArgumentError("schedule", "a deadlocked schedule (one with deadlock: true, from explore or replay)", schedule);
  }
  const waits = schedule.waits;
  const n = waits.length;
  const size = 360;
  const radius = n === 1 ? 0 : 110;
  const at = new Map(waits.map((w, i) => {
    const angle = (2 * Math.PI * i) / n - Math.PI / 2;
    return [w.worker, { x: size / 2 + radius * Math.cos(angle), y: size / 2 + radius * Math.sin(angle) }];
  }));
  const inCycle = new Set(schedule.cycle ?? []);
  const parts: string[] = [];
  for (const w of waits) {
    const from = at.get(w.worker)!;
    const held = w.heldBy === undefined ? undefined : at.get(w.heldBy);
    const red = inCycle.has(w.worker) && w.heldBy !== undefined && inCycle.has(w.heldBy);
    const color = red ? "#b00020" : "#555555";
    if (held) {
      // Stop the arrow at the target circle's edge (radius 28).
      const dx = held.x - from.x;
      const dy = held.y - from.y;
      const len = Math.hypot(dx, dy) || 1;
      const [x1, y1, x2, y2] = [from.x + (dx * 28) / len, from.y + (dy * 28) / len, held.x - (dx * 32) / len, held.y - (dy * 32) / len];
      // Two workers waiting for each other: bend each arrow to its own side so both labels show.
      const bend = 30;
      const cx = (x1 + x2) / 2 - (dy / len) * bend;
      const cy = (y1 + y2) / 2 + (dx / len) * bend;
      parts.push(`<path d="M${x1},${y1} Q${cx},${cy} ${x2},${y2}" fill="none" stroke="${color}" stroke-width="2.5" marker-end="url(#rl-arrow-${red ? "red" : "grey"})"/>`);
      parts.push(`<text x="${cx}" y="${cy}" font-size="12" text-anchor="middle" fill="${color}">waits for ${escapeHtml(w.resource)}</text>`);
    } else {
      parts.push(`<text x="${from.x}" y="${from.y + 46}" font-size="12" text-anchor="middle" fill="${color}">waits in ${escapeHtml(w.call)} for ${escapeHtml(w.resource)}</text>`);
    }
  }
  for (const w of waits) {
    const p = at.get(w.worker)!;
    parts.push(`<circle cx="${p.x}" cy="${p.y}" r="28" fill="#fff4d6" stroke="#333333" stroke-width="1.5"/>`);
    parts.push(`<text x="${p.x}" y="${p.y + 5}" font-size="14" text-anchor="middle">worker ${w.worker}</text>`);
  }
  const markers = ["red", "grey"].map((c) => `<marker id="rl-arrow-${c}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${c === "red" ? "#b00020" : "#555555"}"/></marker>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif"><defs>${markers}</defs>${parts.join("")}</svg>`;
  showBundle({ "image/svg+xml": svg, "text/plain": schedule.description ?? "deadlock" });
}
