// showDeadlock(schedule): the wait-for graph of a deadlocked schedule, drawn as SVG: one node per
// stuck worker, an arrow from each worker to the worker holding what it waits for, labelled with
// the primitive. A cycle of arrows is the deadlock (red and solid; other waits grey and dashed).

import { showBundle } from "../display/display";
import { RaceLabArgumentError } from "../core/errors";
import { cycleGraphSvg } from "../display/cycle-graph";
import type { Schedule } from "./schedule";

/**
 * Draws who waits for whom in a deadlocked schedule (its wait-for graph, the cycle in red).
 *
 * @example
 * ```ts
 * const dead = report.schedules.find((s) => s.deadlock);
 * if (dead) showDeadlock(dead);
 * ```
 * Warning: throws a RaceLabArgumentError for a schedule without `deadlock: true`; outside Jupyter only the description
 * is printed.
 */
export function showDeadlock(schedule: Schedule): void {
  if (typeof schedule !== "object" || schedule === null || !schedule.deadlock || !schedule.waits) {
    throw new RaceLabArgumentError("schedule", "a deadlocked schedule (one with deadlock: true, from explore or replay)", schedule);
  }
  const inCycle = new Set(schedule.cycle ?? []);
  const onCycle = (w: { worker: number; heldBy?: number }) => inCycle.has(w.worker) && w.heldBy !== undefined && inCycle.has(w.heldBy);
  // An arrow needs its holder in the picture; a wait on nobody drawn is a line under the worker.
  const drawn = (w: { heldBy?: number }) => schedule.waits!.some((x) => x.worker === w.heldBy);
  const svg = cycleGraphSvg({
    description: schedule.description ?? "deadlock",
    nodes: schedule.waits.map((w) => ({ id: w.worker, name: String(w.worker), above: "worker" })),
    // The cycle in red and solid, the other waits grey and dashed: told apart without colour too.
    edges: schedule.waits.filter(drawn).map((w) => ({
      from: w.worker,
      to: w.heldBy!,
      label: `waits for ${w.resource}`,
      color: onCycle(w) ? "#b00020" : "#555555",
      dash: onCycle(w) ? undefined : "6 4",
    })),
    notes: schedule.waits
      .filter((w) => !drawn(w))
      .map((w) => ({ at: w.worker, label: `waits in ${w.call} for ${w.resource}`, color: "#555555" })),
  });
  showBundle({ "image/svg+xml": svg, "text/plain": schedule.description ?? "deadlock" });
}
