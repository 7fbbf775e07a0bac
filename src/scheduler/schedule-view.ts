// showSchedule(schedule): one schedule drawn as a timeline, one column per worker and one row per
// step, with the shared state after each step and how it ended. Exercises show a wrong solution's
// counterexample this way.

import { showBundle } from "../display/display";
import { RaceLabArgumentError } from "../core/errors";
import { escapeHtml } from "../display/table";
import type { Schedule } from "./schedule";

/** A state for people: `clash: 0, together: 2` for an object, `1, 2` for an array, numbers as they are. */
function stateText(value: unknown, depth = 0): string {
  if (value === undefined) return "";
  if (Array.isArray(value) && depth < 3) return value.map((v) => stateText(v, depth + 1)).join(", ");
  if (typeof value === "object" && value !== null && depth < 3) {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${typeof v === "object" && v !== null ? `(${stateText(v, depth + 1)})` : stateText(v, depth + 1)}`)
      .join(", ");
  }
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * Shows one schedule (from a report, or from `replay`) as a timeline table.
 *
 * @example
 * ```ts
 * const bad = report.schedules.find((s) => s.anomaly);
 * if (bad) showSchedule(bad, { title: "a schedule that loses an update" });
 * ```
 * Warning: every step is a row with the whole shared state after it: a long schedule or a large state makes a long,
 * wide table.
 */
export function showSchedule(schedule: Schedule, options: { title?: string } = {}): void {
  if (typeof schedule !== "object" || schedule === null || !Array.isArray(schedule.order) || !Array.isArray(schedule.steps)) {
    throw new RaceLabArgumentError("schedule", "one of report.schedules, or what replay() returned", schedule);
  }
  const workers = Math.max(0, ...schedule.order) + 1;
  const title = options.title ?? `schedule [${schedule.order.join(", ")}]`;
  const head = Array.from({ length: workers }, (_, w) => `<th>worker ${w}</th>`).join("");
  const cell = (text: string) => `<td style="border:1px solid #ddd;padding:2px 8px">${text}</td>`;
  const rows = [
    `<tr>${cell("start")}${Array.from({ length: workers }, () => cell("")).join("")}${cell(`<code>${escapeHtml(stateText(schedule.start))}</code>`)}</tr>`,
  ];
  schedule.steps.forEach((step, i) => {
    const lanes = Array.from({ length: workers }, (_, w) => cell(w === step.worker ? `<b>${escapeHtml(step.label)}</b>` : ""));
    rows.push(`<tr>${cell(String(i + 1))}${lanes.join("")}${cell(`<code>${escapeHtml(stateText(step.state))}</code>`)}</tr>`);
  });
  const ending = schedule.deadlock
    ? schedule.description!
    : schedule.errors
      ? schedule.errors.join("; ")
      : `observed ${stateText(schedule.observed)}`;
  const verdict = schedule.anomaly
    ? `<span style="color:#b00020;font-weight:bold">${escapeHtml(ending)} ✗</span>`
    : `<span style="color:#1b7f3b">${escapeHtml(ending)} ✓</span>`;
  const html = `<div><b>${escapeHtml(title)}</b><table style="border-collapse:collapse;font-size:13px"><tr><th>step</th>${head}<th>shared state after</th></tr>${rows.join("")}</table>${verdict}</div>`;
  const text = [title, ...schedule.steps.map((s, i) => `${i + 1}. worker ${s.worker}: ${s.label} → ${stateText(s.state)}`), ending].join(
    "\n",
  );
  showBundle({ "text/html": html, "text/plain": text });
}
