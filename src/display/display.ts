/**
 * Inline display: rich output (HTML, SVG, Markdown) in a Jupyter notebook run by the tslab kernel,
 * plain text everywhere else (a terminal, a test, a worker).
 *
 * Every rich output is sent as ONE `display_data` message that carries both the rich form and a
 * `text/plain` fallback, so that a front end (or `jupyter nbconvert --to script`, or a grader reading
 * the notebook's JSON) that cannot render the rich form still shows something meaningful.
 */
import { createRequire } from "node:module";
import { RaceLabArgumentError } from "../core/errors";

/** The mime bundle of one display_data message: mime type → content. */
export type MimeBundle = Record<string, string>;

type WriteDisplayData = (data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

let tslabJupyterPath: string | null | undefined;

/**
 * Finds tslab's `dist/jupyter.js` as the running process resolves it (the kernel is started as
 * `node …/tslab/bin/tslab kernel`), without loading it: only a module that the process already loaded
 * can hold the kernel's live display function.
 */
function resolveTslabJupyter(): string | null {
  if (tslabJupyterPath !== undefined) return tslabJupyterPath;
  tslabJupyterPath = null;
  const roots = [require.main?.filename, process.argv[1]].filter((p): p is string => typeof p === "string" && p !== "");
  for (const root of roots) {
    try {
      tslabJupyterPath = createRequire(root).resolve("tslab/dist/jupyter");
      break;
    } catch {
      // not resolvable from this root: try the next one
    }
  }
  return tslabJupyterPath;
}

/**
 * The kernel's display function for the cell that is running now, or null outside a tslab kernel.
 * tslab sets `lastWriteDisplayData` at the start of every execute request.
 */
function kernelWriter(): WriteDisplayData | null {
  try {
    const path = resolveTslabJupyter();
    if (path === null) return null;
    const mod = require.cache[path];
    const writer = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    return typeof writer === "function" ? (writer as WriteDisplayData) : null;
  } catch {
    return null;
  }
}

/**
 * True when this code runs inside a tslab Jupyter kernel that is executing a cell, so rich output will
 * be rendered.
 *
 * @example
 * ```ts
 * if (inJupyter()) showHtml("<b>hello</b>"); else console.log("hello");
 * ```
 */
export function inJupyter(): boolean {
  return kernelWriter() !== null;
}

function checkText(name: string, value: unknown): string {
  if (typeof value !== "string") throw new RaceLabArgumentError(name, "a string", value);
  return value;
}

/**
 * Shows a mime bundle inline. In Jupyter it becomes one display_data output; elsewhere the bundle's
 * `text/plain` entry is printed to stdout. The bundle must hold a `text/plain` entry.
 *
 * @example
 * ```ts
 * showBundle({ "text/html": "<b>3</b> lost updates", "text/plain": "3 lost updates" });
 * ```
 * Warning: rich content is shown as-is; escape anything that came from outside (see `escapeHtml`).
 */
export function showBundle(bundle: MimeBundle): void {
  if (typeof bundle !== "object" || bundle === null || Array.isArray(bundle)) {
    throw new RaceLabArgumentError("bundle", "an object of mime type → string", bundle);
  }
  for (const [mime, content] of Object.entries(bundle)) checkText(`bundle["${mime}"]`, content);
  const text = bundle["text/plain"];
  if (text === undefined) throw new RaceLabArgumentError("bundle", 'an object with a "text/plain" entry', bundle);
  const writer = kernelWriter();
  if (writer !== null) {
    try {
      writer({ data: { ...bundle }, metadata: {}, transient: {} }, false);
      return;
    } catch {
      // the kernel refused (its socket is closing, say): fall back to plain text below
    }
  }
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

/**
 * A readable plain-text form of a small piece of HTML, used when no text fallback is given.
 *
 * @example
 * ```ts
 * htmlToText("<p>a &amp; b</p>"); // "a & b"
 * ```
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|h\d|li|tr|caption|table)>/gi, "\n")
    .replace(/<\/t[dh]>/gi, "  ")
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Shows HTML inline (text outside Jupyter: `text` if given, else the HTML with its tags removed).
 *
 * @example
 * ```ts
 * showHtml("<b>10</b> of 10 trials lost updates", "10 of 10 trials lost updates");
 * ```
 * Warning: the HTML is shown as-is; escape values that came from outside with `escapeHtml`.
 */
export function showHtml(html: string, text?: string): void {
  checkText("html", html);
  if (text !== undefined) checkText("text", text);
  showBundle({ "text/html": html, "text/plain": text ?? htmlToText(html) });
}

/**
 * Shows an SVG image inline (text outside Jupyter: `text`, by default a one-line note).
 *
 * @example
 * ```ts
 * showSvg(await barChartSvg([{ label: "unsafe", value: 12 }], { title: "lost updates", unit: "" }), "unsafe: 12");
 * ```
 */
export function showSvg(svg: string, text?: string): void {
  checkText("svg", svg);
  if (!/<svg[\s>]/.test(svg)) throw new RaceLabArgumentError("svg", "an SVG document (starting with <svg …>)", svg);
  if (text !== undefined) checkText("text", text);
  showBundle({ "image/svg+xml": svg, "text/plain": text ?? "[chart: open the notebook in Jupyter to see it]" });
}

/**
 * Shows Markdown inline (the Markdown source itself outside Jupyter, which reads fine as text).
 *
 * @example
 * ```ts
 * showMarkdown("**3** lost updates in `unsafe`");
 * ```
 */
export function showMarkdown(md: string): void {
  checkText("md", md);
  showBundle({ "text/markdown": md, "text/plain": md });
}

/**
 * Shows plain text as its own output (as `console.log` would, but through the same path as the rich
 * outputs, so the order of outputs is kept).
 *
 * @example
 * ```ts
 * showText("median 12 ms");
 * ```
 */
export function showText(text: string): void {
  checkText("text", text);
  showBundle({ "text/plain": text });
}
