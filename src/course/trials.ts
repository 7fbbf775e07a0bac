/**
 * Trials: run a demo many times, count how often it shows its anomaly (a lost update, a torn write,
 * an oversold seat…), show the result inline (trial-report.ts) and record it (outcomes.ts); and
 * reports side by side.
 *
 * A race is a matter of chance: one run proves little, ten runs show a rate. Trials run one after
 * another (never overlapping), so each trial has the machine to itself and timings are comparable.
 */
import { performance } from "node:perf_hooks";
import { RaceLabArgumentError, RunInterruptedError } from "../core/errors";
import { onInterrupt } from "../core/lifecycle";
import { checkCount, checkFunction, checkOptions, checkText } from "../core/validate";
import { showHtml, showLiveLine, showText, type LiveLine } from "../display/display";
import { showChart } from "../display/show-chart";
import { htmlTable, textTable, type TableRow } from "../display/table";
import { comparisonSpec } from "./trial-charts";
import { showReport, summarizeReport, type TrialReport, type TrialRow } from "./trial-report";
import { currentLesson } from "./lesson-start";
import { queueClassRecord, takeClassProblem } from "./class-records";
import { recordOutcome } from "./outcomes";
import { noteTrialProgress } from "./trial-progress";

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
    if (ms !== undefined && !(checkFinite(`the ms of trial ${trial}`, ms) >= 0))
      throw new RaceLabArgumentError(`the ms of trial ${trial}`, "milliseconds, from 0 up", ms);
    return { observed: observed as number, ...(detail === undefined ? {} : { detail }), ...(ms === undefined ? {} : { ms: ms as number }) };
  }
  throw new RaceLabArgumentError(`the value run(${trial}) returned`, "a finite number or { observed: number, detail?, ms? }", result);
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
 * slow trials take long. If a trial throws, the run stops with that error and nothing is recorded. An
 * interrupt (■) lets no further trial start: the run rejects with `RunInterruptedError`.
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
  // An interrupt (■) ends the cell at once, but trials that only await (database queries, timers) would
  // go on, and their report would land under whichever cell runs next: none starts after an interrupt.
  let interrupted = false;
  const stopWatching = onInterrupt(() => {
    interrupted = true;
  });
  const stopIfInterrupted = (done: number) => {
    if (!interrupted) return;
    noteTrialProgress(null);
    progress?.done(`${label}: stopped after ${done} of ${trials} trials`);
    throw new RunInterruptedError(`runTrials '${label}' was interrupted after ${done} of ${trials} trials`);
  };
  try {
    for (let trial = 1; trial <= trials; trial++) {
      stopIfInterrupted(trial - 1);
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
    stopIfInterrupted(trials);
  } finally {
    stopWatching();
  }
  noteTrialProgress(null);
  progress?.done(`${label}: ${trials} of ${trials} trials done (${Math.round((performance.now() - began) / 1000)} s)`);
  const report = makeReport(demo, variant, expected, rows);
  const outcome = {
    notebook: report.notebook,
    demo,
    variant,
    trials,
    anomalies: report.anomalies,
    expected,
    observed: rows.map((r) => r.observed),
    ms: Math.round(report.totalMs * 1000) / 1000,
  };
  recordOutcome(outcome);
  queueClassRecord(outcome);
  if (show) await report.show();
  const problem = takeClassProblem();
  if (problem && show) showText(problem);
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
    typeof r !== "object" ||
    r === null ||
    typeof r.demo !== "string" ||
    typeof r.variant !== "string" ||
    typeof r.anomalies !== "number" ||
    typeof r.trials !== "number" ||
    typeof r.medianMs !== "number"
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
