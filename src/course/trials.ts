/**
 * Trials: run a demo many times, count how often it shows its anomaly (a lost update, a torn write,
 * an oversold seat…), show the result inline and record it (see outcomes.ts).
 *
 * A race is a matter of chance: one run proves little, ten runs show a rate. Trials run one after
 * another (never overlapping), so each trial has the machine to itself and timings are comparable.
 */
import { performance } from "node:perf_hooks";
import { RaceLabArgumentError, RunInterruptedError } from "../core/errors";
import { noteTrialProgress } from "../core/interrupt-note";
import { checkCount, checkFunction, checkOptions, checkText } from "../core/validate";
import { showHtml, showLiveLine, showSvg, showText, type LiveLine } from "../display/display";
import { escapeHtml, htmlTable, textTable, TableRow } from "../display/table";
import { barChartSpec, renderVegaLite, BarRow } from "../display/chart";
import { comparisonSpec, histogramSpec, perTrialSpec } from "./trial-charts";
import { currentLesson } from "./lesson-start";
import { recordOutcome } from "./outcomes";

/**
 * The most trials one `runTrials` may run.
 *
 * @example
 * ```ts
 * await runTrials({ ...demo, trials: MAX_TRIALS });
 * ```
 */
export const MAX_TRIALS = 1000;

function checkFinite(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RaceLabArgumentError(name, "a finite number", value);
  return value;
}

/** What one trial's `run` may return: the observed number, or it with a detail to keep and the trial's ms when timed elsewhere (in threads). */
export type TrialResult = number | { observed: number; detail?: unknown; ms?: number };

/** How long a series of trials runs before it shows its progress. */
const PROGRESS_AFTER_MS = 3000;

/** Options of {@link runTrials}. */
export interface TrialOptions {
  /** A short name of the demo, e.g. "two processes, one file". */
  demo: string;
  /** Which version of the demo: "unsafe", "safe", "rare", or any short name. */
  variant: string;
  /** How many trials, 1 to 1000. */
  trials: number;
  /** The value a correct run gives. */
  expected: number;
  /** Runs one trial (numbered from 1) and returns what it observed. */
  run: (trial: number) => TrialResult | Promise<TrialResult>;
  /** Whether an observed value is an anomaly (default: `observed !== expected`). */
  isAnomaly?: (observed: number, expected: number) => boolean;
  /** Show the table and chart inline (default true). */
  show?: boolean;
}

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

/** What {@link runTrials} found. */
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

/** The median of a list of numbers (the mean of the middle two for an even count); NaN when empty. */
function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function readResult(result: unknown, trial: number): { observed: number; detail?: unknown; ms?: number } {
  if (typeof result === "number" && Number.isFinite(result)) return { observed: result };
  if (typeof result === "object" && result !== null && "observed" in result) {
    const { observed, detail, ms } = result as { observed: unknown; detail?: unknown; ms?: unknown };
    checkFinite(`the observed value of trial ${trial}`, observed);
    if (ms !== undefined && !(checkFinite(`the ms of trial ${trial}`, ms) >= 0)) throw new RaceLabArgumentError(`the ms of trial ${trial}`, "milliseconds, from 0 up", ms);
    return { observed: observed as number, ...(detail === undefined ? {} : { detail }), ...(ms === undefined ? {} : { ms: ms as number }) };
  }
  throw new RaceLabArgumentError(`the value run(${trial}) returned`, "a finite number or { observed: number, detail?, ms? }", result);
}

/**
 * One line summarising a report.
 *
 * @example
 * ```ts
 * summarizeReport(report); // "counter — unsafe: 7 of 10 trials showed the anomaly (70%), median 12.3 ms per trial"
 * ```
 */
export function summarizeReport(report: Pick<TrialReport, "variant" | "demo" | "anomalies" | "trials" | "anomalyRate" | "medianMs">): string {
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

async function showReport(report: TrialReport): Promise<void> {
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
  const html =
    `<div style="max-height:520px;overflow:auto;display:inline-block">` +
    htmlTable(rows, { title, highlight }) +
    `</div>`;
  showHtml(html, textTable(rows, { title, highlight, maxRows: TEXT_ROWS }));
  const anomalies = report.rows.filter((r) => r.anomaly).length;
  await showChart(
    {
      description: `Two charts of ${report.demo} — ${report.variant}: observed minus expected per trial, and how often each value was observed; ${anomalies} of ${report.rows.length} trials differ from the expected ${report.expected}.`,
      hconcat: [
        perTrialSpec(report.rows, { title: `${report.variant}: observed per trial` }),
        histogramSpec(report.rows.map((r) => r.observed), { expected: report.expected, title: "how often each value was observed" }),
      ],
      resolve: { scale: { color: "independent" } },
    },
    `[chart] ${report.variant}: observed per trial (expected ${report.expected}): ` +
      report.rows.slice(0, TEXT_ROWS).map((r) => r.observed).join(", ") +
      (report.rows.length > TEXT_ROWS ? ", …" : ""),
  );
}

/** Renders and shows a chart; a chart that cannot be drawn is reported as text, the numbers stay. */
async function showChart(spec: Record<string, unknown>, text: string): Promise<void> {
  let svg: string;
  try {
    svg = await renderVegaLite(spec);
  } catch (e) {
    showText(`(chart not available: ${(e as Error).message})`);
    return;
  }
  showSvg(svg, text);
  // The chart in one line of text under it: for whoever cannot see it, and for a quick read.
  if (typeof spec.description === "string") showHtml(`<div style="font-size:12px;color:#333333;margin:0 0 6px">${escapeHtml(spec.description)}</div>`, spec.description);
}

/**
 * Runs a demo `trials` times, one trial after another, and reports how often it showed the anomaly.
 * Shows a table and a chart inline (text outside Jupyter) and, when `RACE_LAB_OUTCOMES` is set,
 * appends one line to the outcomes file.
 *
 * @example
 * ```ts
 * setLesson("01-lost-updates");
 * const report = await runTrials({
 *   demo: "two threads, one counter", variant: "unsafe", trials: 10, expected: 2000,
 *   run: async () => { const c = new Value("i", 0); await runThreads(addMany, [[c, 1000], [c, 1000]]); return c.value; },
 * });
 * report.anomalyRate; // e.g. 0.8
 * ```
 * Warning: `await` it — the chart is drawn asynchronously, and trials run one after another, so many
 * slow trials take long. If a trial throws, the run stops with that error and nothing is recorded.
 */
export async function runTrials(options: TrialOptions): Promise<TrialReport> {
  options = checkOptions<TrialOptions>("options", options, "{ demo, variant, trials, expected, run }");
  const demo = checkText("demo", options.demo);
  const variant = checkText("variant", options.variant);
  const trials = checkCount("trials", options.trials, MAX_TRIALS);
  const expected = checkFinite("expected", options.expected);
  const run = checkFunction("run", options.run) as TrialOptions["run"];
  const isAnomaly =
    options.isAnomaly === undefined
      ? (observed: number, exp: number) => observed !== exp
      : (checkFunction("isAnomaly", options.isAnomaly) as NonNullable<TrialOptions["isAnomaly"]>);
  const show = options.show ?? true;
  if (typeof show !== "boolean") throw new RaceLabArgumentError("show", "true or false", show);

  const rows: TrialRow[] = [];
  const label = `${demo} — ${variant}`;
  const began = performance.now();
  let progress: LiveLine | null = null;
  for (let trial = 1; trial <= trials; trial++) {
    noteTrialProgress({ done: trial - 1, of: trials, label });
    // A run past a few seconds shows how far it is (one line, updated in place).
    const elapsed = performance.now() - began;
    if (show && trial > 1 && elapsed > PROGRESS_AFTER_MS) {
      const text = `${label}: ${trial - 1} of ${trials} trials done (${Math.round(elapsed / 1000)} s)`;
      if (progress) progress.set(text);
      else progress = showLiveLine(text);
    }
    const start = performance.now();
    let result: TrialResult;
    try {
      result = await run(trial);
    } catch (e) {
      noteTrialProgress(null);
      progress?.done(`${label}: stopped after ${trial - 1} of ${trials} trials`);
      // Interrupted (■): keep what was measured — the finished trials' table and charts — then stop.
      if (e instanceof RunInterruptedError && rows.length > 0 && show) await makeReport(demo, variant, expected, rows).show();
      throw e;
    }
    // Work timed elsewhere (inside threads, by playRounds) brings its own ms: the wait here is not the work.
    const { observed, detail, ms = performance.now() - start } = readResult(result, trial);
    const anomaly = isAnomaly(observed, expected);
    if (typeof anomaly !== "boolean") throw new RaceLabArgumentError("the value isAnomaly returned", "true or false", anomaly);
    const row: TrialRow = { trial, expected, observed, anomaly, ms };
    if (detail !== undefined) row.detail = detail;
    rows.push(row);
  }
  noteTrialProgress(null);
  progress?.done(`${label}: ${trials} of ${trials} trials done (${Math.round((performance.now() - began) / 1000)} s)`);
  const report = makeReport(demo, variant, expected, rows);
  recordOutcome({
    notebook: report.notebook,
    demo,
    variant,
    trials,
    anomalies: report.anomalies,
    expected,
    observed: rows.map((r) => r.observed),
    ms: Math.round(report.totalMs * 1000) / 1000,
  });
  if (show) await report.show();
  return report;
}

function makeReport(demo: string, variant: string, expected: number, rows: TrialRow[]): TrialReport {
  const anomalies = rows.filter((r) => r.anomaly).length;
  const report: TrialReport = {
    notebook: currentLesson(),
    demo,
    variant,
    trials: rows.length,
    expected,
    rows,
    anomalies,
    anomalyRate: anomalies / rows.length,
    medianMs: median(rows.map((r) => r.ms)),
    totalMs: rows.reduce((sum, r) => sum + r.ms, 0),
    show: () => showReport(report),
  };
  return report;
}

function checkReport(value: unknown, name: string): TrialReport {
  const r = value as TrialReport;
  if (
    typeof r !== "object" || r === null || typeof r.demo !== "string" || typeof r.variant !== "string" ||
    typeof r.anomalies !== "number" || typeof r.trials !== "number" || typeof r.medianMs !== "number"
  ) {
    throw new RaceLabArgumentError(name, "a report returned by runTrials", value);
  }
  return r;
}

/**
 * Shows reports side by side: one table row per report and a grouped chart of anomaly rate and median
 * time (unsafe vs safe, say).
 *
 * @example
 * ```ts
 * await compareReports([unsafeReport, safeReport]);
 * ```
 * Warning: async — `await` it so the chart lands in this cell.
 */
export async function compareReports(reports: TrialReport[], opts: { title?: string } = {}): Promise<void> {
  if (!Array.isArray(reports) || reports.length === 0 || reports.length > 50) {
    throw new RaceLabArgumentError("reports", "an array of 1 to 50 reports returned by runTrials", reports);
  }
  reports.forEach((r, i) => checkReport(r, `reports[${i}]`));
  checkOptions("options", opts, "{ title }");
  const title = opts.title ?? "unsafe vs safe";
  if (typeof title !== "string") throw new RaceLabArgumentError("title", "a string", title);
  const rows: TableRow[] = reports.map((r) => ({
    demo: r.demo,
    variant: r.variant,
    trials: r.trials,
    anomalies: r.anomalies,
    "anomaly rate": `${Math.round(r.anomalyRate * 100)}%`,
    "median ms": r.medianMs,
  }));
  showHtml(htmlTable(rows, { title }), textTable(rows, { title }));
  await showChart(comparisonSpec(reports, { title }), reports.map((r) => summarizeReport(r)).join("\n"));
}

/**
 * Shows a table of any rows (HTML in Jupyter, aligned text elsewhere).
 *
 * @example
 * ```ts
 * showTable([{ primitive: "Lock", ms: 120 }, { primitive: "Semaphore", ms: 131 }], { title: "time for 10 000 increments" });
 * ```
 */
export function showTable(rows: Record<string, unknown>[], opts: { title?: string } = {}): void {
  checkOptions("options", opts, "{ title }");
  const html = htmlTable(rows, { title: opts.title });
  showHtml(html, textTable(rows, { title: opts.title }));
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
export async function showBarChart(rows: { label: string; value: number; group?: string }[], opts: { title?: string; unit?: string } = {}): Promise<void> {
  checkOptions("options", opts, "{ title, unit }");
  const spec = barChartSpec(rows as BarRow[], opts); // validates rows, title and unit
  const unit = opts.unit ? " " + opts.unit : "";
  const text =
    (opts.title ? opts.title + "\n" : "") +
    rows.map((r) => `  ${r.group ? r.group + " / " : ""}${r.label}: ${Number.isInteger(r.value) ? r.value : r.value.toFixed(2)}${unit}`).join("\n");
  await showChart(spec, text);
}
