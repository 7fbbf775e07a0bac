/**
 * Charts as SVG: a Vega-Lite spec is compiled to Vega, run in a headless Vega View and rendered with
 * `view.toSVG()`.
 *
 * Why Vega-Lite: a chart is a small declarative description (data + marks + encodings), so each chart
 * below reads as what it shows rather than as drawing code; Vega/Vega-Lite are well kept (the UW
 * Interactive Data Lab, used by Altair in Python, so the lessons' charts match what Python students
 * see); and the Vega View renders SVG headless in plain Node with the "none" renderer, without a
 * browser, a canvas or any native module, so it works on any machine that runs the kernel. We never
 * hand-assemble SVG.
 *
 * vega@6 and vega-lite@6 are ESM-only while this library is CommonJS, so they are loaded with a real
 * dynamic `import()` (TypeScript would rewrite a literal `import()` into `require()`, which cannot load
 * ESM on Node 20) and cached after the first load.
 *
 * Every chart has a white background and dark text, so it reads the same in JupyterLab's light theme,
 * classic Notebook and an exported HTML page.
 */
import { pathToFileURL } from "node:url";
import { RaceLabArgumentError } from "../core/errors";

/** A Vega-Lite specification (a plain JSON object). */
export type VegaLiteSpec = Record<string, unknown>;

interface VegaModules {
  vega: any;
  vegaLite: any;
}

// `new Function` hides the import() from TypeScript, so it stays a real ESM dynamic import.
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;
let modules: Promise<VegaModules> | null = null;

/** Loads vega and vega-lite once, resolved from this library's own node_modules tree. */
function loadVega(): Promise<VegaModules> {
  if (modules === null) {
    // Resolve here (CommonJS resolution honours their "default" export condition) and import by file
    // URL: an import() inside `new Function` would otherwise resolve from the current directory.
    const url = (name: string) => pathToFileURL(require.resolve(name)).href;
    modules = Promise.all([importEsm(url("vega")), importEsm(url("vega-lite"))]).then(([vega, vegaLite]) => ({
      vega,
      vegaLite,
    }));
    modules.catch(() => {
      modules = null; // let a later call try again
    });
  }
  return modules;
}

/**
 * Colors (Tableau 10): readable on white, distinguishable for most color-blind readers.
 *
 * @example
 * ```ts
 * renderVegaLite({ ...spec, mark: { type: "bar", color: CHART_COLORS.anomaly } });
 * ```
 */
export const CHART_COLORS = {
  ok: "#4c78a8",
  anomaly: "#e45756",
  expected: "#222222",
  read: "#4c78a8",
  write: "#54a24b",
  stale: "#f58518",
  lost: "#e45756",
} as const;

const CONFIG = {
  background: "white",
  padding: 8,
  font: "sans-serif",
  view: { stroke: "#dddddd" },
  title: { color: "#222222", fontSize: 13, anchor: "start" },
  axis: { labelColor: "#333333", titleColor: "#333333", gridColor: "#e6e6e6", domainColor: "#888888", tickColor: "#888888" },
  legend: { labelColor: "#333333", titleColor: "#333333" },
  header: { labelColor: "#333333", titleColor: "#333333" },
};

/**
 * Renders a Vega-Lite spec to an SVG string (with the course's white-background theme).
 *
 * @example
 * ```ts
 * const svg = await renderVegaLite({ data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" } } });
 * showSvg(svg);
 * ```
 * Warning: async — `await` it, or the chart appears after the cell has moved on (or not at all).
 */
export async function renderVegaLite(spec: VegaLiteSpec): Promise<string> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new RaceLabArgumentError("spec", "a Vega-Lite specification object", spec);
  }
  const { vega, vegaLite } = await loadVega();
  const full = { $schema: "https://vega.github.io/schema/vega-lite/v6.json", ...spec, config: { ...CONFIG, ...(spec.config as object) } };
  // Vega logs its warnings with console.warn, which would land in the student's cell as noise; keep
  // errors only (they also reject the promise).
  const compiled = vegaLite.compile(full, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function checkNumbers(name: string, values: unknown): number[] {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new RaceLabArgumentError(name, "a non-empty array of finite numbers", values);
  }
  return values;
}

function checkTitle(title: unknown, fallback: string): string {
  if (title === undefined) return fallback;
  if (typeof title !== "string") throw new RaceLabArgumentError("title", "a string", title);
  return title;
}

/**
 * Spec: histogram of observed values, with the expected value marked by a vertical rule.
 *
 * @example
 * ```ts
 * const svg = await renderVegaLite(histogramSpec([1990, 2000, 1987], { expected: 2000 }));
 * ```
 */
export function histogramSpec(values: number[], opts: { expected?: number; title?: string } = {}): VegaLiteSpec {
  checkNumbers("values", values);
  const { expected } = opts;
  if (expected !== undefined && (typeof expected !== "number" || !Number.isFinite(expected))) {
    throw new RaceLabArgumentError("expected", "a finite number", expected);
  }
  const title = checkTitle(opts.title, "observed values");
  const distinct = new Set(values).size;
  // Few distinct values: one bar per value (binning 3 values into 10 bins only confuses).
  const x =
    distinct <= 12
      ? { field: "observed", type: "quantitative", title: "observed value" }
      : { field: "observed", type: "quantitative", bin: { maxbins: 20 }, title: "observed value" };
  const layers: object[] = [
    {
      data: { values: values.map((observed) => ({ observed, anomaly: expected !== undefined && observed !== expected })) },
      mark: distinct <= 12 ? { type: "bar", size: 14 } : { type: "bar" },
      encoding: {
        x,
        y: { aggregate: "count", type: "quantitative", title: "trials", axis: { tickMinStep: 1, format: "d" } },
        color: distinct <= 12 && expected !== undefined
          ? { field: "anomaly", type: "nominal", scale: { domain: [false, true], range: [CHART_COLORS.ok, CHART_COLORS.anomaly] }, legend: null }
          : { value: CHART_COLORS.ok },
      },
    },
  ];
  if (expected !== undefined) {
    layers.push({
      data: { values: [{ expected }] },
      mark: { type: "rule", color: CHART_COLORS.expected, strokeDash: [4, 3], strokeWidth: 2 },
      encoding: { x: { field: "expected", type: "quantitative" } },
    });
  }
  const subtitle = expected === undefined ? "" : `dashed line: the expected value, ${expected}`;
  return { title: { text: title, subtitle }, width: 280, height: 160, layer: layers, resolve: { scale: { x: "shared" } } };
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
 */
export function perTrialSpec(points: TrialPoint[], opts: { title?: string } = {}): VegaLiteSpec {
  if (!Array.isArray(points) || points.length === 0) {
    throw new RaceLabArgumentError("points", "a non-empty array of { trial, observed, expected, anomaly }", points);
  }
  points.forEach((p, i) => {
    if (typeof p !== "object" || p === null || typeof p.observed !== "number" || typeof p.expected !== "number" || typeof p.trial !== "number") {
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
  };
  const tooltip = [{ field: "trial" }, { field: "observed" }, { field: "expected" }, { field: "difference" }];
  return {
    title: { text: title, subtitle: "0 = the expected value; below 0 = updates lost" },
    width: Math.min(420, Math.max(160, points.length * 18)),
    height: 160,
    data: { values },
    layer: [
      // The zero line first, so the marks of correct trials are drawn over it.
      { mark: { type: "rule", color: CHART_COLORS.expected, strokeWidth: 1 }, encoding: { y: { datum: 0 } } },
      { mark: { type: "bar" }, encoding: { x, y: { field: "difference", type: "quantitative", title: "observed − expected" }, color, tooltip } },
      // A tick at every value, so a trial with difference 0 is still visible as a flat mark.
      { mark: { type: "tick", thickness: 2 }, encoding: { x, y: { field: "difference", type: "quantitative" }, color } },
    ],
  };
}

/** One bar of {@link barChartSpec}. */
export interface BarRow {
  label: string;
  value: number;
  /** Optional group: bars of the same label are placed side by side, one per group. */
  group?: string;
}

function checkBarRows(rows: unknown): BarRow[] {
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > 1000) {
    throw new RaceLabArgumentError("rows", "an array of 1 to 1000 { label, value } objects", rows);
  }
  rows.forEach((r, i) => {
    if (typeof r !== "object" || r === null) throw new RaceLabArgumentError(`rows[${i}]`, "an object { label, value }", r);
    if (typeof r.label !== "string") throw new RaceLabArgumentError(`rows[${i}].label`, "a string", r.label);
    if (typeof r.value !== "number" || !Number.isFinite(r.value)) {
      throw new RaceLabArgumentError(`rows[${i}].value`, "a finite number", r.value);
    }
    if (r.group !== undefined && typeof r.group !== "string") throw new RaceLabArgumentError(`rows[${i}].group`, "a string", r.group);
  });
  return rows as BarRow[];
}

/**
 * Spec: a horizontal bar chart of labelled values (timings, throughput), the value printed at the end
 * of each bar; with `group`s, bars of one label are grouped and colored by group.
 *
 * @example
 * ```ts
 * renderVegaLite(barChartSpec([{ label: "Lock", value: 120 }, { label: "no lock", value: 40 }], { title: "time", unit: "ms" }));
 * ```
 */
export function barChartSpec(rows: BarRow[], opts: { title?: string; unit?: string } = {}): VegaLiteSpec {
  checkBarRows(rows);
  const title = checkTitle(opts.title, "");
  const unit = opts.unit ?? "";
  if (typeof unit !== "string") throw new RaceLabArgumentError("unit", "a string such as \"ms\"", unit);
  const grouped = rows.some((r) => r.group !== undefined);
  const values = rows.map((r) => ({
    label: r.label,
    value: r.value,
    group: r.group ?? "",
    text: `${Number.isInteger(r.value) ? r.value : r.value.toFixed(r.value >= 100 ? 0 : 2)}${unit ? " " + unit : ""}`,
  }));
  const y = { field: "label", type: "nominal", title: null, sort: null };
  const encoding: Record<string, unknown> = {
    y,
    x: { field: "value", type: "quantitative", title: unit || "value" },
  };
  if (grouped) {
    encoding.yOffset = { field: "group", type: "nominal", sort: null };
    encoding.color = { field: "group", type: "nominal", title: null, scale: { scheme: "tableau10" } };
  }
  const groupCount = grouped ? new Set(values.map((v) => v.group)).size : 1;
  return {
    title,
    width: 320,
    height: { step: grouped ? Math.max(12, 36 / groupCount) : 22 },
    data: { values },
    layer: [
      { mark: grouped ? { type: "bar" } : { type: "bar", color: CHART_COLORS.ok }, encoding },
      {
        mark: { type: "text", align: "left", dx: 3, color: "#222222", fontSize: 11 },
        encoding: { y, x: { field: "value", type: "quantitative" }, text: { field: "text" }, ...(grouped ? { yOffset: encoding.yOffset } : {}) },
      },
    ],
  };
}

/**
 * Renders a bar chart of labelled values to SVG.
 *
 * @example
 * ```ts
 * showSvg(await barChartSvg([{ label: "Lock", value: 120 }], { title: "time", unit: "ms" }));
 * ```
 */
export async function barChartSvg(rows: BarRow[], opts: { title?: string; unit?: string } = {}): Promise<string> {
  return renderVegaLite(barChartSpec(rows, opts));
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
 * Spec: side-by-side comparison of trial reports — anomaly rate and median time per trial, one bar per
 * variant, grouped by demo.
 *
 * @example
 * ```ts
 * renderVegaLite(comparisonSpec([unsafe, safe]));
 * ```
 */
export function comparisonSpec(reports: ComparedReport[], opts: { title?: string } = {}): VegaLiteSpec {
  if (!Array.isArray(reports) || reports.length === 0) {
    throw new RaceLabArgumentError("reports", "a non-empty array of trial reports", reports);
  }
  const title = checkTitle(opts.title, "comparison");
  const values = reports.map((r) => ({
    demo: r.demo,
    variant: r.variant,
    anomalyPct: Math.round(r.anomalyRate * 1000) / 10,
    medianMs: Math.round(r.medianMs * 100) / 100,
    anomalyText: `${r.anomalies}/${r.trials}`,
    msText: `${r.medianMs.toFixed(r.medianMs >= 100 ? 0 : 1)} ms`,
  }));
  // All-zero timings (a trivial demo) would give an empty scale domain: show 0 to 1 ms then.
  const msDomain = values.every((v) => v.medianMs === 0) ? [0, 1] : undefined;
  const panel = (field: string, text: string, axisTitle: string, domain?: number[]) => ({
    width: 240,
    height: { step: 20 },
    layer: [
      {
        mark: "bar",
        encoding: {
          y: { field: "demo", type: "nominal", title: null, sort: null },
          yOffset: { field: "variant", type: "nominal", sort: null },
          x: { field, type: "quantitative", title: axisTitle, ...(domain ? { scale: { domain } } : {}) },
          color: { field: "variant", type: "nominal", title: "variant", sort: null, scale: { scheme: "tableau10" } },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 3, color: "#222222", fontSize: 11 },
        encoding: {
          y: { field: "demo", type: "nominal", sort: null },
          yOffset: { field: "variant", type: "nominal", sort: null },
          x: { field, type: "quantitative" },
          text: { field: text },
        },
      },
    ],
  });
  return {
    title,
    data: { values },
    hconcat: [panel("anomalyPct", "anomalyText", "trials with the anomaly (%)", [0, 100]), panel("medianMs", "msText", "median time per trial (ms)", msDomain)],
    resolve: { scale: { color: "shared" } },
  };
}
