// A table of any rows, shown inline: HTML in Jupyter, aligned text elsewhere.

import { checkOptions } from "../core/validate";
import { showHtml } from "./display";
import { htmlTable, textTable } from "./table";

/**
 * Shows a table of any rows (HTML in Jupyter, aligned text elsewhere).
 *
 * @example
 * ```ts
 * showTable([{ primitive: "Lock", ms: 120 }, { primitive: "Semaphore", ms: 131 }], { title: "time for 10 000 increments" });
 * ```
 * Warning: shows the first 1000 rows only (a last line counts the rest), and rounds numbers to 2 decimals.
 */
export function showTable(rows: Record<string, unknown>[], opts: { title?: string } = {}): void {
  checkOptions("options", opts, "{ title }");
  const html = htmlTable(rows, { title: opts.title });
  showHtml(html, textTable(rows, { title: opts.title }));
}
