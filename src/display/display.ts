/**
 * Inline display: rich output (HTML, SVG, Markdown) in a Jupyter notebook run by the tslab kernel,
 * plain text everywhere else (a terminal, a test, a worker).
 *
 * Every rich output is sent as ONE `display_data` message that carries both the rich form and a
 * `text/plain` fallback, so that a front end (or `jupyter nbconvert --to script`, or a grader reading
 * the notebook's JSON) that cannot render the rich form still shows something meaningful.
 */
import { RaceLabArgumentError } from "../core/errors";
import { kernelDisplayWriter } from "../kernel/tslab";

/** The mime bundle of one display_data message: mime type → content. */
export type MimeBundle = Record<string, string>;

/**
 * True when this code runs inside a tslab Jupyter kernel that is executing a cell, so rich output will
 * be rendered.
 *
 * @example
 * ```ts
 * if (inJupyter()) showHtml("<b>hello</b>"); else console.log("hello");
 * ```
 * Warning: false in a worker thread or child process even inside a notebook, and under a tslab version race-lab does
 * not support: rich output then falls back to text.
 */
export function inJupyter(): boolean {
  return kernelDisplayWriter() !== null;
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
  const writer = kernelDisplayWriter();
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

let liveDisplays = 0;

/**
 * Shows a line that can be replaced in place later (progress, say): in Jupyter one output updated
 * through its display id; elsewhere nothing until {@link LiveLine.done}, which prints the last text.
 *
 * @example
 * ```ts
 * const progress = showLiveLine("0 of 200 trials done");
 * progress.set("12 of 200 trials done");
 * progress.done("200 of 200 trials done");
 * ```
 * Warning: outside Jupyter nothing is printed until `done()` is called: forget it and the line never appears.
 */
export function showLiveLine(text: string): LiveLine {
  checkText("text", text);
  const writer = kernelDisplayWriter();
  const id = `race-lab-live-${process.pid}-${++liveDisplays}`;
  let last = text;
  const send = (t: string, update: boolean) => {
    try {
      writer?.({ data: { "text/plain": t }, metadata: {}, transient: { display_id: id } }, update);
    } catch {
      // the kernel's socket is closing: progress is a nicety
    }
  };
  send(text, false);
  return {
    set: (t: string) => {
      last = checkText("text", t);
      send(t, true);
    },
    done: (t?: string) => {
      if (t !== undefined) last = checkText("text", t);
      if (writer) send(last, true);
      else process.stdout.write(last + "\n");
    },
  };
}

/** A line shown by {@link showLiveLine}. */
export interface LiveLine {
  /** Replaces the line's text. */
  set(text: string): void;
  /** The last update (with `text`, that text); outside Jupyter, prints it. */
  done(text?: string): void;
}

/**
 * A readable plain-text form of a small piece of HTML, used when no text fallback is given.
 *
 * @example
 * ```ts
 * htmlToText("<p>a &amp; b</p>"); // "a & b"
 * ```
 * Warning: a rough form for small, trusted HTML: it is not a sanitizer, and tables lose their alignment.
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
 * Warning: the SVG is shown as-is: never pass one built from untrusted input. Outside Jupyter only `text` (by default a
 * note to open the notebook) is printed.
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
 * Warning: outside Jupyter the Markdown source is printed, markup and all.
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
 * Warning: `text` must be a string (a number throws); outside Jupyter it goes to stdout, with a newline added if it
 * lacks one.
 */
export function showText(text: string): void {
  checkText("text", text);
  showBundle({ "text/plain": text });
}
