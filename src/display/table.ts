/**
 * Tables of results: a compact HTML table for the notebook and the same table as aligned plain text
 * for terminals and text fallbacks. Every cell is escaped: values come from students' code.
 */
import { checkOptions } from "../core/validate";
import { RaceLabArgumentError } from "../core/errors";

/** One row of a table: column name → value. */
export type TableRow = Record<string, unknown>;

/** Options of {@link htmlTable} and {@link textTable}. */
export interface TableOptions {
  /** A caption above the table. */
  title?: string;
  /** Which columns, in which order (default: every key of every row, in first-seen order). */
  columns?: string[];
  /** The most rows shown; the rest are summarised as "… N more rows" (default 1000). */
  maxRows?: number;
  /** Rows for which this returns true are highlighted (e.g. trials with an anomaly). */
  highlight?: (row: TableRow) => boolean;
}

/**
 * Escapes text for HTML content and attribute values.
 *
 * @example
 * ```ts
 * escapeHtml("<b>&"); // "&lt;b&gt;&amp;"
 * ```
 * Warning: for text only: it does not make a URL or a script safe inside `href` or `<script>`.
 */
export function escapeHtml(text: string): string {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/**
 * The text form of one cell: integers as they are, other numbers with at most 2 decimals, booleans
 * as yes/no, objects as compact JSON.
 *
 * @example
 * ```ts
 * formatTableCell(12.3456); // "12.35"
 * ```
 * Warning: lossy: numbers are rounded to 2 decimals and JSON longer than 80 characters is cut, so do not parse it back.
 */
export function formatTableCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Math.round(value * 100) / 100);
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  try {
    const json = JSON.stringify(value);
    return json === undefined ? String(value) : json.length > 80 ? json.slice(0, 77) + "..." : json;
  } catch {
    return String(value);
  }
}

interface Prepared {
  columns: string[];
  rows: TableRow[];
  hidden: number;
}

function prepare(rows: unknown, opts: TableOptions | undefined, fn: string): Prepared {
  if (!Array.isArray(rows)) throw new RaceLabArgumentError("rows", "an array of row objects", rows);
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new RaceLabArgumentError(`rows[${i}]`, "an object (column name → value)", row);
    }
  });
  checkOptions(`${fn} options`, opts, "{ title }");
  const { title, columns, maxRows = 1000, highlight } = opts ?? {};
  if (title !== undefined && typeof title !== "string") throw new RaceLabArgumentError("title", "a string", title);
  if (columns !== undefined && (!Array.isArray(columns) || columns.some((c) => typeof c !== "string"))) {
    throw new RaceLabArgumentError("columns", "an array of column names (strings)", columns);
  }
  if (typeof maxRows !== "number" || !Number.isInteger(maxRows) || maxRows < 1) {
    throw new RaceLabArgumentError("maxRows", "a positive integer", maxRows);
  }
  if (highlight !== undefined && typeof highlight !== "function") {
    throw new RaceLabArgumentError("highlight", "a function (row) => boolean", highlight);
  }
  const cols = columns ?? [...new Set((rows as TableRow[]).flatMap((r) => Object.keys(r)))];
  const shown = (rows as TableRow[]).slice(0, maxRows);
  return { columns: cols, rows: shown, hidden: rows.length - shown.length };
}

/**
 * A compact HTML table. Numbers are right-aligned; highlighted rows get a translucent warm background
 * that reads well on light and dark themes.
 *
 * @example
 * ```ts
 * showHtml(htmlTable([{ trial: 1, observed: 1987 }], { title: "unsafe" }));
 * ```
 * Warning: shows at most `maxRows` rows (default 1000); the columns are the rows' keys in first-seen order unless
 * given.
 */
export function htmlTable(rows: TableRow[], opts?: TableOptions): string {
  const { columns, rows: shown, hidden } = prepare(rows, opts, "htmlTable");
  const cell = "padding:2px 8px;border-bottom:1px solid rgba(128,128,128,0.3);";
  const head = columns.map((c) => `<th style="${cell}text-align:left">${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map((row) => {
      const hot = opts?.highlight?.(row) === true;
      const style = hot ? ' style="background:rgba(230,85,13,0.18)"' : "";
      const tds = columns
        .map((c) => {
          const align = typeof row[c] === "number" ? "right" : "left";
          return `<td style="${cell}text-align:${align}">${escapeHtml(formatTableCell(row[c]))}</td>`;
        })
        .join("");
      return `<tr${style}>${tds}</tr>`;
    })
    .join("");
  const more = hidden > 0 ? `<tr><td colspan="${columns.length}" style="${cell}">… ${hidden} more rows</td></tr>` : "";
  // The title goes above the table, not in a <caption>: a caption is as wide as its table, and a long
  // title over a narrow table wraps into a column of short lines. The table names itself by it.
  const title = opts?.title
    ? `<div style="font-weight:bold;font-size:12px;font-family:sans-serif;padding:2px 0;max-width:880px">${escapeHtml(opts.title)}</div>`
    : "";
  const label = opts?.title ? ` aria-label="${escapeHtml(opts.title)}"` : "";
  return (
    `${title}<table${label} style="border-collapse:collapse;font-size:12px;font-family:sans-serif;margin:4px 0">` +
    `<thead><tr>${head}</tr></thead><tbody>${body}${more}</tbody></table>`
  );
}

/**
 * The same table as aligned plain text.
 *
 * @example
 * ```ts
 * console.log(textTable([{ trial: 1, observed: 1987 }]));
 * // trial  observed
 * // -----  --------
 * //     1      1987
 * ```
 * Warning: a column counts as numeric (right-aligned) only when every shown value in it is a number or empty.
 */
export function textTable(rows: TableRow[], opts?: TableOptions): string {
  const { columns, rows: shown, hidden } = prepare(rows, opts, "textTable");
  const cells = shown.map((row) => columns.map((c) => formatTableCell(row[c]).replace(/\s+/g, " ")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const numeric = columns.map((c) => shown.length > 0 && shown.every((r) => typeof r[c] === "number" || r[c] == null));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const out: string[] = [];
  if (opts?.title) out.push(opts.title);
  out.push(line(columns), widths.map((w) => "-".repeat(w)).join("  "));
  shown.forEach((row, r) => out.push(line(cells[r]) + (opts?.highlight?.(row) === true ? "  <" : "")));
  if (hidden > 0) out.push(`… ${hidden} more rows`);
  return out.join("\n");
}
