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
 * Colors (Okabe and Ito's palette, made to stay apart for readers with any common colour-vision
 * deficiency; a test checks the pairs that carry meaning under simulated deuteranopia, protanopia and
 * tritanopia). Charts never rely on colour alone: timelines give each status a shape too. Each
 * means one thing in every chart of the course: red an anomaly (a wrong result, a lost update), blue a
 * result as expected, grey a measurement (a time, a count) that is neither right nor wrong, black the
 * expected value; a timeline's reads, writes and stale writes have colours of their own. Categories
 * with no meaning of right or wrong (groups of bars) take {@link GROUP_COLORS}, none of these.
 *
 * @example
 * ```ts
 * renderVegaLite({ ...spec, mark: { type: "bar", color: CHART_COLORS.anomaly } });
 * ```
 */
export const CHART_COLORS = {
  ok: "#0072b2",
  anomaly: "#d55e00",
  expected: "#222222",
  measure: "#8c8c8c",
  read: "#56b4e9",
  write: "#009e73",
  stale: "#e69f00",
  lost: "#d55e00",
} as const;

/**
 * Colors of groups that mean nothing right or wrong (bars grouped by primitive, say): none of them is
 * the red, blue or grey of {@link CHART_COLORS}.
 *
 * @example
 * ```ts
 * renderVegaLite({ ...spec, encoding: { color: { field: "group", scale: { range: [...GROUP_COLORS] } } } });
 * ```
 */
export const GROUP_COLORS = ["#cc79a7", "#e69f00", "#009e73", "#56b4e9", "#f0e442", "#000000"] as const;

/** The widest a chart may be, legend included: the width of a notebook's output area. */
export const MAX_CHART_WIDTH = 900;

/** Axis settings for a count: whole numbers only, with thousands separators. */
/** @internal An axis of whole counts. */
export const COUNT_AXIS = { tickMinStep: 1, format: ",d" };

const CONFIG = {
  background: "white",
  padding: 8,
  font: "sans-serif",
  view: { stroke: "#dddddd" },
  title: { color: "#222222", fontSize: 13, anchor: "start" },
  // labelLimit 0: a label is never cut off with "…" (charts use short labels instead).
  axis: { labelColor: "#333333", titleColor: "#333333", gridColor: "#e6e6e6", domainColor: "#888888", tickColor: "#888888", labelLimit: 0 },
  legend: { labelColor: "#333333", titleColor: "#333333", labelLimit: 0 },
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
  const description = describeChart(spec);
  const full = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    ...spec,
    description,
    config: { ...CONFIG, ...(spec.config as object) },
  };
  // Vega logs its warnings with console.warn, which would land in the student's cell as noise; keep
  // errors only (they also reject the promise).
  const compiled = vegaLite.compile(full, { logger: vega.logger(vega.Error) }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    return withAltText(await view.toSVG(), description);
  } finally {
    view.finalize();
  }
}

/** A chart's description: the spec's own, else its title; what a screen reader says for the image. */
function describeChart(spec: VegaLiteSpec): string {
  if (typeof spec.description === "string" && spec.description.trim() !== "") return spec.description.trim();
  const title = spec.title as string | { text?: unknown } | undefined;
  const text = typeof title === "string" ? title : typeof title?.text === "string" ? title.text : "";
  return text ? `Chart: ${text}` : "Chart";
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The SVG as an image with a name: role="img", aria-label and a <title> carrying the description. */
function withAltText(svg: string, description: string): string {
  const text = escapeXml(description);
  return svg.replace(/^<svg\b([^>]*)>/, `<svg$1 role="img" aria-label="${text}"><title>${text}</title>`);
}

/** @internal A non-empty array of finite numbers, or an error naming the argument. */
export function checkNumbers(name: string, values: unknown): number[] {
  if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new RaceLabArgumentError(name, "a non-empty array of finite numbers", values);
  }
  return values;
}

/** @internal A chart's title, or the fallback when none is given. */
export function checkTitle(title: unknown, fallback: string): string {
  if (title === undefined) return fallback;
  if (typeof title !== "string") throw new RaceLabArgumentError("title", "a string", title);
  return title;
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
 * Warning: when every value is positive and they lie a hundredfold apart, the axis is logarithmic: compare the printed
 * values, not the bar lengths.
 */
export function barChartSpec(rows: BarRow[], opts: { title?: string; unit?: string } = {}): VegaLiteSpec {
  checkBarRows(rows);
  const title = checkTitle(opts.title, "");
  const unit = opts.unit ?? "";
  if (typeof unit !== "string") throw new RaceLabArgumentError("unit", 'a string such as "ms"', unit);
  const grouped = rows.some((r) => r.group !== undefined);
  const values = rows.map((r) => ({
    label: r.label,
    value: r.value,
    group: r.group ?? "",
    text: `${Number.isInteger(r.value) ? r.value : r.value.toFixed(r.value >= 100 ? 0 : 2)}${unit ? " " + unit : ""}`,
  }));
  const y = { field: "label", type: "nominal", title: null, sort: null };
  // Values a hundredfold apart (a local sum beside a locked counter): on a linear axis the small ones
  // are slivers. A log axis shows each bar's order of magnitude, and says so in its title.
  const positive = values.map((v) => v.value).filter((v) => v > 0);
  const log = positive.length === values.length && Math.max(...positive) / Math.min(...positive) >= 100;
  const encoding: Record<string, unknown> = {
    y,
    x: log
      ? { field: "value", type: "quantitative", title: `${unit || "value"} (log scale)`, scale: { type: "log" } }
      : { field: "value", type: "quantitative", title: unit || "value" },
  };
  if (grouped) {
    encoding.yOffset = { field: "group", type: "nominal", sort: null };
    encoding.color = { field: "group", type: "nominal", title: null, scale: { range: [...GROUP_COLORS] }, legend: { orient: "bottom" } };
  }
  const groupCount = grouped ? new Set(values.map((v) => v.group)).size : 1;
  const listed = values
    .slice(0, 12)
    .map((v) => `${v.label}${v.group ? ` (${v.group})` : ""} ${v.text}`)
    .join("; ");
  return {
    title,
    description: `Bar chart${title ? ` of ${title}` : ""}: ${listed}${values.length > 12 ? "; …" : ""}.`,
    width: 320,
    height: { step: grouped ? Math.max(12, 36 / groupCount) : 22 },
    data: { values },
    layer: [
      { mark: grouped ? { type: "bar" } : { type: "bar", color: CHART_COLORS.measure }, encoding },
      {
        mark: { type: "text", align: "left", dx: 3, color: "#222222", fontSize: 11 },
        encoding: { y, x: encoding.x, text: { field: "text" }, ...(grouped ? { yOffset: encoding.yOffset } : {}) },
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
 * Warning: async — `await` it; values a hundredfold apart get a logarithmic axis (see {@link barChartSpec}).
 */
export async function barChartSvg(rows: BarRow[], opts: { title?: string; unit?: string } = {}): Promise<string> {
  return renderVegaLite(barChartSpec(rows, opts));
}
