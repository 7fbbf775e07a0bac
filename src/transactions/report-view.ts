// An exploration as a table: one row per interleaving — the order, who waited, how each
// transaction ended, the final rows, whether the check held.

import { RaceLabArgumentError } from "../core/errors";
import { showTable } from "../display/show-table";
import type { TransactionsReport } from "./explore-transactions";
import type { Interleaving } from "./interleaving";

/** The final rows in a few characters: `(1,11) (2,20)`, prefixed by the table when there are several. */
function compactState(state: Interleaving["state"]): string {
  const tables = Object.entries(state);
  return tables
    .map(
      ([name, rows]) =>
        `${tables.length > 1 ? `${name}: ` : ""}${rows
          .map(
            (r) =>
              `(${Object.values(r)
                .map((v) => String(v))
                .join(",")})`,
          )
          .join(" ")}`,
    )
    .join("; ");
}

/**
 * One interleaving in words, for a table row: its order by name, who waited for whom and at which
 * step, how each transaction ended, the final rows, and the check.
 *
 * @example
 * ```ts
 * interleavingRow(report.interleavings[0]); // { level: "READ COMMITTED", order: "T1 T1 T1 T2 T2 T2", waited: "", ended: "T1 ✔ T2 ✔", … }
 * ```
 * Warning: the final rows are shortened to their values: column names are left out.
 */
export function interleavingRow(i: Interleaving): Record<string, string> {
  if (typeof i !== "object" || i === null || !Array.isArray(i.order) || !Array.isArray(i.steps)) {
    throw new RaceLabArgumentError("interleaving", "an interleaving from exploreTransactions or replayTransactions", i);
  }
  const names = i.transactions.map((t) => t.name);
  const waited = i.steps.flatMap((s, k) =>
    s.waiting
      .filter((w) => w.transaction === s.transaction)
      .map((w) => `${names[w.transaction]} at step ${k + 1} (for ${w.for.join(", ")})`),
  );
  const ended = i.transactions
    .map((t) => `${t.name} ${t.status === "committed" ? "✔" : t.status === "rolled back" ? "rolled back" : `✘ ${t.code ?? "error"}`}`)
    .join(" ");
  return {
    level: i.level,
    order: i.order.map((t) => names[t]).join(" "),
    waited: waited.join("; "),
    ended,
    "final rows": compactState(i.state),
    check: i.held === undefined ? "" : i.held ? "✓ held" : "✗ broken",
  };
}

/**
 * Shows an exploration as a table, one row per interleaving (at most `limit`, broken ones first),
 * with the report's summary as the title.
 *
 * @example
 * ```ts
 * showInterleavings(await exploreTransactions(options), { limit: 10 });
 * ```
 * Warning: a long exploration is cut at `limit` rows (default 20); the title says how many there were.
 */
export function showInterleavings(report: TransactionsReport, options: { limit?: number; level?: string } = {}): void {
  if (typeof report !== "object" || report === null || !Array.isArray((report as TransactionsReport).interleavings)) {
    throw new RaceLabArgumentError("report", "what exploreTransactions returned", report);
  }
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RaceLabArgumentError("options.limit", "a positive whole number of rows", options.limit);
  const chosen = report.interleavings.filter((i) => options.level === undefined || i.level === options.level);
  const sorted = [...chosen].sort((a, b) => Number(a.held !== false) - Number(b.held !== false));
  const rows = sorted.slice(0, limit).map((i) => ({ "#": String(report.interleavings.indexOf(i) + 1), ...interleavingRow(i) }));
  const cut = chosen.length > limit ? ` (the first ${limit} of ${chosen.length}, broken ones first)` : "";
  showTable(rows, { title: `${report.name}: ${report.summary}${cut}` });
}
