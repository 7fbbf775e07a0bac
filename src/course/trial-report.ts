// A trial report: its shape, and how the student reads it: one line summing it up, then a table of
// the trials and two charts (observed per trial, how often each value came), or one line when
// nothing went wrong.

import { showChart } from "../display/show-chart";
import { showHtml } from "../display/display";
import { escapeHtml, htmlTable, textTable, type TableRow } from "../display/table";
import { histogramSpec, perTrialSpec } from "./trial-charts";

/** One trial of a {@link TrialReport}. */
export interface TrialRow {
  trial: number;
  expected: number;
  observed: number;
  anomaly: boolean;
  /** How long the trial took, in milliseconds (the `ms` that `run` returned, if it did). */
  ms: number;
  /** What `run` returned as `detail`, if anything. */
  detail?: unknown;
}

/** What `runTrials` found. */
export interface TrialReport {
  notebook: string | null;
  demo: string;
  variant: string;
  trials: number;
  expected: number;
  rows: TrialRow[];
  /** How many trials showed the anomaly. */
  anomalies: number;
  /** anomalies / trials, from 0 to 1. */
  anomalyRate: number;
  /** The median time of one trial, in milliseconds. */
  medianMs: number;
  /** The time of all trials together, in milliseconds. */
  totalMs: number;
  /** Shows the table and the chart inline (again). */
  show(): Promise<void>;
}

/**
 * One line summarising a report.
 *
 * @example
 * ```ts
 * summarizeReport(report); // "counter — unsafe: 7 of 10 trials showed the anomaly (70%), median 12.3 ms per trial"
 * ```
 * Warning: the percentage is rounded to a whole number: 1 anomaly in 300 trials shows as 0%.
 */
export function summarizeReport(
  report: Pick<TrialReport, "variant" | "demo" | "anomalies" | "trials" | "anomalyRate" | "medianMs">,
): string {
  const pct = Math.round(report.anomalyRate * 100);
  return (
    `${report.demo} — ${report.variant}: ${report.anomalies} of ${report.trials} trial${report.trials === 1 ? "" : "s"} ` +
    `showed the anomaly (${pct}%), median ${report.medianMs.toFixed(1)} ms per trial`
  );
}

const TEXT_ROWS = 20;

/**
 * A trial's detail as a person reads it in a table, not as JSON.
 *
 * @example
 * ```ts
 * describeDetail({ readErrors: "202 + 244" }); // "readErrors: 202 + 244"
 * ```
 * Warning: strings lose their quotes (`"1"` and `1` read alike), and a cyclic detail overflows the stack.
 */
export function describeDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return "";
  if (Array.isArray(detail)) return detail.map(describeDetail).join(", ");
  if (typeof detail === "object") {
    return Object.entries(detail as Record<string, unknown>)
      .map(([key, value]) => `${key}: ${typeof value === "object" && value !== null ? describeDetail(value) : String(value)}`)
      .join("; ");
  }
  return String(detail);
}

/** True when every trial gave exactly the expected value: nothing to chart. */
function neverWentWrong(report: TrialReport): boolean {
  return report.anomalies === 0 && report.rows.every((r) => r.observed === report.expected);
}

/**
 * Shows a report inline: its table and charts, or one line when every trial gave the expected value.
 *
 * @example
 * ```ts
 * await showReport(report);
 * ```
 * Warning: async — `await` it so the charts land in this cell.
 */
export async function showReport(report: TrialReport): Promise<void> {
  if (neverWentWrong(report)) {
    // Two flat charts of zeros teach nothing: one line says it all.
    const line = `✔ ${summarizeReport(report)}: every trial gave ${report.expected}, as expected.`;
    showHtml(`<div style="color:#2e7d32">${escapeHtml(line)}</div>`, line);
    return;
  }
  const rows: TableRow[] = report.rows.map((r) => {
    const row: TableRow = { trial: r.trial, expected: r.expected, observed: r.observed, anomaly: r.anomaly, ms: r.ms };
    if (r.detail !== undefined) row.detail = describeDetail(r.detail);
    return row;
  });
  const title = summarizeReport(report);
  const highlight = (row: TableRow) => row.anomaly === true;
  // In the notebook the table scrolls past about 20 rows; as text only the first rows are printed.
  const html = `<div style="max-height:520px;overflow:auto;display:inline-block">` + htmlTable(rows, { title, highlight }) + `</div>`;
  showHtml(html, textTable(rows, { title, highlight, maxRows: TEXT_ROWS }));
  const anomalies = report.rows.filter((r) => r.anomaly).length;
  await showChart(
    {
      description: `Two charts of ${report.demo} — ${report.variant}: observed minus expected per trial, and how often each value was observed; ${anomalies} of ${report.rows.length} trials differ from the expected ${report.expected}.`,
      hconcat: [
        perTrialSpec(report.rows, { title: `${report.variant}: observed per trial` }),
        histogramSpec(
          report.rows.map((r) => r.observed),
          { expected: report.expected, title: "how often each value was observed" },
        ),
      ],
      resolve: { scale: { color: "independent" } },
    },
    `[chart] ${report.variant}: observed per trial (expected ${report.expected}): ` +
      report.rows
        .slice(0, TEXT_ROWS)
        .map((r) => r.observed)
        .join(", ") +
      (report.rows.length > TEXT_ROWS ? ", …" : ""),
  );
}
