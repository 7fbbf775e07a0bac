// The charts of a trial report: the histogram of observed values, each trial's difference from the
// expected value, and reports side by side. Generic charts (bars, the renderer, the palette) are
// display/chart.ts's; these know what a trial and a report are.

import { RaceLabArgumentError } from "../core/errors";
import { CHART_COLORS, COUNT_AXIS, checkNumbers, checkTitle, type VegaLiteSpec } from "../display/chart";

/**
 * Spec: histogram of observed values, with the expected value marked by a vertical rule.
 *
 * @example
 * ```ts
 * const svg = await renderVegaLite(histogramSpec([1990, 2000, 1987], { expected: 2000 }));
 * ```
 * Warning: with more than 12 distinct values they are binned (20 bins at most): nearby values share one bar.
 */
export function histogramSpec(values: number[], opts: { expected?: number; title?: string } = {}): VegaLiteSpec {
  checkNumbers("values", values);
  const { expected } = opts;
  if (expected !== undefined && (typeof expected !== "number" || !Number.isFinite(expected))) {
    throw new RaceLabArgumentError("expected", "a finite number", expected);
  }
  const title = checkTitle(opts.title, "observed values");
  const distinct = new Set(values).size;
  const whole = values.every(Number.isInteger) && (expected === undefined || Number.isInteger(expected));
  const xAxis = whole ? { axis: COUNT_AXIS } : {};
  // Few distinct values: one bar per value (binning 3 values into 10 bins only confuses).
  const x =
    distinct <= 12
      ? { field: "observed", type: "quantitative", title: "observed value", ...xAxis }
      : { field: "observed", type: "quantitative", bin: { maxbins: 20 }, title: "observed value", ...xAxis };
  const layers: object[] = [
    {
      data: { values: values.map((observed) => ({ observed, anomaly: expected !== undefined && observed !== expected })) },
      mark: distinct <= 12 ? { type: "bar", size: 14 } : { type: "bar" },
      encoding: {
        x,
        y: { aggregate: "count", type: "quantitative", title: "trials", axis: COUNT_AXIS },
        // Red for the values that are anomalies, blue for the expected one: binned bars stack the two.
        color:
          expected !== undefined
            ? {
                field: "anomaly",
                type: "nominal",
                scale: { domain: [false, true], range: [CHART_COLORS.ok, CHART_COLORS.anomaly] },
                legend: null,
              }
            : { value: CHART_COLORS.measure },
      },
    },
  ];
  if (expected !== undefined) {
    layers.push({
      data: { values: [{ expected }] },
      mark: { type: "rule", color: CHART_COLORS.expected, strokeDash: [4, 3], strokeWidth: 2 },
      encoding: { x: { field: "expected", type: "quantitative", ...xAxis } },
    });
  }
  const subtitle = expected === undefined ? "" : `dashed line: the expected value, ${expected}`;
  const off = expected === undefined ? 0 : values.filter((v) => v !== expected).length;
  const description =
    `Histogram of ${values.length} observed values, from ${Math.min(...values)} to ${Math.max(...values)}` +
    (expected === undefined ? "." : `; ${off} of ${values.length} differ from the expected ${expected}.`);
  return { title: { text: title, subtitle }, description, width: 240, height: 160, layer: layers, resolve: { scale: { x: "shared" } } };
}

/** One trial as charted by {@link perTrialSpec}. */
export interface TrialPoint {
  trial: number;
  observed: number;
  expected: number;
  anomaly: boolean;
}

/**
 * Spec: how far each trial's observed value fell from the expected one (observed − expected), one bar
 * per trial, red when the trial shows the anomaly. Lost updates show as bars below the zero line
 * ("expected"); a correct trial is a flat mark on it.
 *
 * @example
 * ```ts
 * renderVegaLite(perTrialSpec([{ trial: 1, observed: 1990, expected: 2000, anomaly: true }]));
 * ```
 * Warning: red follows each point's `anomaly` flag as given, not its difference: a wrong flag is drawn as it is.
 */
export function perTrialSpec(points: TrialPoint[], opts: { title?: string } = {}): VegaLiteSpec {
  if (!Array.isArray(points) || points.length === 0) {
    throw new RaceLabArgumentError("points", "a non-empty array of { trial, observed, expected, anomaly }", points);
  }
  points.forEach((p, i) => {
    if (
      typeof p !== "object" ||
      p === null ||
      typeof p.observed !== "number" ||
      typeof p.expected !== "number" ||
      typeof p.trial !== "number"
    ) {
      throw new RaceLabArgumentError(`points[${i}]`, "an object { trial, observed, expected, anomaly }", p);
    }
  });
  const title = checkTitle(opts.title, "observed − expected, per trial");
  const values = points.map((p) => ({ ...p, difference: p.observed - p.expected, status: p.anomaly ? "anomaly" : "as expected" }));
  const many = points.length > 40;
  const x = many
    ? { field: "trial", type: "quantitative", title: "trial" }
    : { field: "trial", type: "ordinal", title: "trial", axis: { labelAngle: 0 } };
  const color = {
    field: "status",
    type: "nominal",
    title: null,
    scale: { domain: ["as expected", "anomaly"], range: [CHART_COLORS.ok, CHART_COLORS.anomaly] },
    legend: { orient: "bottom" }, // below the chart: beside it, two charts and a legend pass 900 px
  };
  const tooltip = [{ field: "trial" }, { field: "observed" }, { field: "expected" }, { field: "difference" }];
  const yAxis = values.every((v) => Number.isInteger(v.difference)) ? { axis: COUNT_AXIS } : {};
  const anomalies = points.filter((p) => p.anomaly).length;
  return {
    title: { text: title, subtitle: "0 = the expected value" },
    description: `Per-trial chart of observed minus expected over ${points.length} trials: ${anomalies} ${anomalies === 1 ? "trial" : "trials"} with the anomaly, ${points.length - anomalies} as expected.`,
    width: Math.min(300, Math.max(160, points.length * 14)),
    height: 160,
    data: { values },
    layer: [
      // The zero line first, so the marks of correct trials are drawn over it.
      { mark: { type: "rule", color: CHART_COLORS.expected, strokeWidth: 1 }, encoding: { y: { datum: 0 } } },
      {
        mark: { type: "bar" },
        encoding: { x, y: { field: "difference", type: "quantitative", title: "observed − expected", ...yAxis }, color, tooltip },
      },
      // A tick at every value, so a trial with difference 0 is still visible as a flat mark.
      { mark: { type: "tick", thickness: 2 }, encoding: { x, y: { field: "difference", type: "quantitative" }, color } },
    ],
  };
}

/** One report summarised for {@link comparisonSpec}. */
export interface ComparedReport {
  demo: string;
  variant: string;
  trials: number;
  anomalies: number;
  anomalyRate: number;
  medianMs: number;
}

/**
 * Short, unique bar labels for compared reports: the variant when that tells them apart; else what
 * differs between their demos (the words they share up front dropped) and the variant.
 */
function shortLabels(reports: ComparedReport[]): string[] {
  const unique = (labels: string[]) => new Set(labels).size === labels.length;
  const variants = reports.map((r) => r.variant);
  if (unique(variants)) return variants;
  const words = reports.map((r) => r.demo.split(" "));
  let shared = 0;
  while (words.every((w) => shared < w.length - 1 && w[shared] === words[0][shared])) shared++;
  const labels = reports.map((r, i) => `${words[i].slice(shared).join(" ")}: ${r.variant}`);
  return unique(labels) ? labels : labels.map((l, i) => `${l} (${i + 1})`);
}

/**
 * Spec: side-by-side comparison of trial reports — how many trials showed the anomaly (red) and the
 * median time per trial (grey), one bar per report, labelled by its variant.
 *
 * @example
 * ```ts
 * renderVegaLite(comparisonSpec([unsafe, safe]));
 * ```
 * Warning: labels are shortened to the variant, or to what differs between demos; reports alike in both are told apart
 * only by a number.
 */
export function comparisonSpec(reports: ComparedReport[], opts: { title?: string } = {}): VegaLiteSpec {
  if (!Array.isArray(reports) || reports.length === 0) {
    throw new RaceLabArgumentError("reports", "a non-empty array of trial reports", reports);
  }
  const title = checkTitle(opts.title, "comparison");
  const labels = shortLabels(reports);
  // Long labels take room from the panels (about 6 px a character), so that the chart fits 900 px.
  const panelWidth = Math.max(100, Math.min(180, Math.floor((560 - Math.max(...labels.map((l) => l.length)) * 6) / 2)));
  const values = reports.map((r, i) => ({
    label: labels[i],
    anomalyPct: Math.round(r.anomalyRate * 1000) / 10,
    medianMs: Math.round(r.medianMs * 100) / 100,
    anomalyText: `${r.anomalies} of ${r.trials}`,
    msText: `${r.medianMs.toFixed(r.medianMs >= 100 ? 0 : 1)} ms`,
  }));
  // All-zero timings (a trivial demo) would give an empty scale domain: show 0 to 1 ms then.
  const msDomain = values.every((v) => v.medianMs === 0) ? [0, 1] : undefined;
  const y = { field: "label", type: "nominal", title: null, sort: null };
  const panel = (field: string, text: string, axisTitle: string, color: string, labels: boolean, domain?: number[]) => ({
    width: panelWidth,
    height: { step: 22 },
    encoding: { y: labels ? y : { ...y, axis: null } },
    layer: [
      {
        mark: { type: "bar", color },
        encoding: { x: { field, type: "quantitative", title: axisTitle, ...(domain ? { scale: { domain } } : {}) } },
      },
      {
        mark: { type: "text", align: "left", dx: 3, color: "#222222", fontSize: 11 },
        encoding: { x: { field, type: "quantitative" }, text: { field: text } },
      },
    ],
  });
  return {
    title,
    description:
      `Comparison of ${values.length} runs: ` +
      values.map((v) => `${v.label}: ${v.anomalyText} trials with the anomaly, median ${v.msText}`).join("; ") +
      ".",
    data: { values },
    hconcat: [
      panel("anomalyPct", "anomalyText", "trials with the anomaly (%)", CHART_COLORS.anomaly, true, [0, 100]),
      panel("medianMs", "msText", "median time per trial (ms)", CHART_COLORS.measure, false, msDomain),
    ],
  };
}
