// showTransactionExplorer(report): step through explored transactions by hand, as lesson 11's
// explorer steps through threads: one column per transaction (its statements, the next one marked,
// what each returned, whether it waits and for whom, its id, snapshot and locks as the server said),
// one button per transaction that can move, and at the end how each ended, the final rows, the
// check and the history checker's verdict with its cycle. Every explored interleaving travels inside
// the output (no kernel round trip); without JavaScript the static table of interleavings stays.

import { RaceLabArgumentError } from "../core/errors";
import { showBundle } from "../display/display";
import { explorerTitle, stepperHtml } from "../display/stepper";
import { escapeHtml } from "../display/table";
import { checkHistory } from "./checker";
import { cycleSvg } from "./cycle-view";
import type { TransactionsReport } from "./explore-transactions";
import { historyOf } from "./history";
import { interleavingRow } from "./report-view";

const compact = (rows: Record<string, unknown>[] | undefined) =>
  rows === undefined ? "" : rows.length === 0 ? "no rows" : rows.map((r) => `(${Object.values(r).map(String).join(", ")})`).join(" ");

// The browser side of the stepper (see display/stepper.ts): builds each level's tree of orders and
// draws where the chosen path stands: each transaction's statements, what answered, who waits.
const VIEW = String.raw`
function makeView(data, esc) {
  var trees = {};
  data.runs.forEach(function (run, i) {
    var node = trees[run.level] || (trees[run.level] = { children: {}, run: null });
    run.order.forEach(function (t, k) {
      if (!node.children[t]) node.children[t] = { children: {}, run: null, first: i, k: k };
      node = node.children[t];
    });
    node.run = i;
  });
  var level = data.levels[0];
  function nodeAt(p) { var n = trees[level]; for (var i = 0; i < p.length; i++) n = n.children[p[i]]; return n; }
  function anyRun(node) { while (node.run === null) { node = node.children[Object.keys(node.children)[0]]; } return data.runs[node.run]; }
  function render(path) {
    var node = nodeAt(path), run = anyRun(node), k = path.length, t, s, i;
    var h = '<div class="rl-head"><b>' + esc(data.title) + "</b> — " + esc(level) + "</div>";
    if (data.levels.length > 1) {
      h += "<div>";
      data.levels.forEach(function (l) { h += '<button class="rl-level' + (l === level ? " rl-on" : "") + '" data-level="' + esc(l) + '">' + esc(l) + "</button> "; });
      h += "</div>";
    }
    // What had answered by step k, and who waits after it.
    var answered = {}, waiting = {};
    for (i = 0; i < k; i++) run.steps[i].answered.forEach(function (a) { answered[a.transaction + ":" + a.statement] = a; });
    if (k > 0) run.steps[k - 1].waiting.forEach(function (w) { waiting[w.transaction] = w["for"]; });
    var taken = data.transactions.map(function () { return 0; });
    for (i = 0; i < k; i++) taken[path[i]]++;
    var details = k > 0 ? run.steps[k - 1].details : null;
    h += '<div class="rl-cols">';
    for (t = 0; t < data.transactions.length; t++) {
      var tx = data.transactions[t], ended = null;
      for (s = 0; s < tx.statements.length; s++) { var a = answered[t + ":" + s]; if (a && a.error) ended = "aborted: " + a.error; }
      if (!ended && taken[t] === tx.statements.length && answered[t + ":" + (tx.statements.length - 1)]) ended = tx.statements[tx.statements.length - 1] === "ROLLBACK" ? "rolled back" : "committed";
      var state = ended ? ended : waiting[t] ? "waits for " + waiting[t].join(", ") : node.children[t] ? "can move" : "";
      h += '<div class="rl-col"><div class="rl-worker">' + esc(tx.name) + ' <span class="' + (waiting[t] ? "rl-wait" : ended && ended.indexOf("aborted") === 0 ? "rl-wrong" : "") + '">' + esc(state) + "</span></div><ol>";
      for (s = 0; s < tx.statements.length; s++) {
        var done = answered[t + ":" + s], sent = s < taken[t], here = s === taken[t] && !ended;
        var note = done ? (done.error ? " ✘ " + done.error : " → " + run.results[t][s]) : sent ? " … waiting" : "";
        h += '<li class="' + (here ? "rl-here" : sent ? "rl-sent" : "") + '"><code>' + esc(tx.statements[s]) + "</code>" + esc(note) + "</li>";
      }
      h += "</ol>";
      if (details) h += '<div class="rl-detail">xid ' + esc(details[t].xid || "none yet") + ", snapshot xmin " + esc(details[t].snapshotXmin || "none") + "<br>locks: " + esc(details[t].locks.join("; ") || "none") + "</div>";
      h += "</div>";
    }
    h += "</div><div class='rl-buttons'>";
    Object.keys(node.children).forEach(function (c) { h += '<button class="rl-go" data-tx="' + c + '">' + esc(data.transactions[c].name) + " runs its next statement</button> "; });
    if (node.run !== null) {
      var r = data.runs[node.run];
      var outcome = r.ended + " · final rows " + r.final + (r.held === false ? " · ✗ the check failed" : r.held ? " · ✓ the check held" : "");
      h += '<div class="rl-outcome ' + (r.held === false ? "rl-wrong" : "rl-right") + '">' + esc(outcome) + "</div>";
      h += '<div class="rl-verdict">checker: ' + esc(r.verdict) + "</div>" + (r.svg || "");
    }
    h += '<br><button class="rl-back"' + (path.length ? "" : " disabled") + ">back</button> <button class='rl-restart'>start again</button> ";
    h += "<button class='rl-bad'" + (data.bad[level].length ? "" : " disabled") + ">show me a broken interleaving</button></div>";
    var last = k > 0 ? path[k - 1] : null, said = last === null ? null : taken[last] - 1;
    var say = node.run !== null ? "the end: " + outcome : last === null ? "the start: " + level : data.transactions[last].name + " sent " + data.transactions[last].statements[said] + (waiting[last] ? ", it waits for " + waiting[last].join(", ") : "");
    return { html: h, say: say };
  }
  function other(b) {
    if (!b.classList.contains("rl-level")) return false;
    level = b.getAttribute("data-level");
    return true;
  }
  return { render: render, bad: function () { return data.bad[level].map(function (i) { return data.runs[i].order; }); }, other: other };
}
`;

const STYLE = `
.rl-tx-explorer { font-family: sans-serif; font-size: 13px; }
.rl-tx-explorer .rl-cols { display: flex; gap: 12px; flex-wrap: wrap; }
.rl-tx-explorer .rl-col { border: 1px solid #ccc; border-radius: 4px; padding: 4px 8px; min-width: 300px; max-width: 520px; }
.rl-tx-explorer ol { margin: 4px 0; padding-left: 22px; }
.rl-tx-explorer li { margin: 2px 0; }
.rl-tx-explorer .rl-here { background: #ffe08a; font-weight: bold; }
.rl-tx-explorer .rl-sent { color: #555; }
.rl-tx-explorer .rl-wait { color: #a05a00; font-weight: bold; }
.rl-tx-explorer .rl-worker { font-weight: bold; }
.rl-tx-explorer .rl-detail { font-size: 11px; color: #444; margin-top: 4px; }
.rl-tx-explorer button { margin: 4px 4px 4px 0; padding: 3px 10px; cursor: pointer; }
.rl-tx-explorer button.rl-on { font-weight: bold; }
.rl-tx-explorer .rl-wrong { color: #b00020; font-weight: bold; }
.rl-tx-explorer .rl-right { color: #1b7f3b; font-weight: bold; }
.rl-tx-explorer table { border-collapse: collapse; margin-top: 6px; }
.rl-tx-explorer td, .rl-tx-explorer th { border: 1px solid #ddd; padding: 2px 8px; text-align: left; }
`;

/**
 * The transaction explorer's HTML: the static table of interleavings, and the script that turns it
 * into the stepper.
 *
 * @example
 * ```ts
 * const html = transactionExplorerHtml(report, { title: "the lost update" });
 * ```
 * Warning: every interleaving travels inside the page (with the checker's verdict on each): keep
 * explorations to a few hundred interleavings.
 */
export function transactionExplorerHtml(report: TransactionsReport, options: { title?: string } = {}): string {
  if (
    typeof report !== "object" ||
    report === null ||
    !Array.isArray((report as TransactionsReport).interleavings) ||
    report.interleavings.length === 0
  ) {
    throw new RaceLabArgumentError("report", "what exploreTransactions returned (with at least one interleaving)", report);
  }
  const title = explorerTitle(options, report.name);
  const levels = [...new Set(report.interleavings.map((i) => i.level))];
  const runs = report.interleavings.map((i) => {
    const row = interleavingRow(i);
    const verdict = checkHistory(historyOf(i));
    const cycle = verdict.anomalies.find((a) => a.edges);
    return {
      level: i.level,
      order: i.order,
      steps: i.steps.map((s) => ({ answered: s.answered, waiting: s.waiting, ...(s.details ? { details: s.details } : {}) })),
      results: i.transactions.map((t) => t.results.map((r) => compact(r))),
      ended: row.ended,
      final: row["final rows"],
      held: i.held,
      verdict: verdict.ok ? verdict.summary : verdict.anomalies.map((a) => `${a.name}: ${a.text}`).join("; "),
      svg: cycle ? cycleSvg(cycle) : "",
    };
  });
  const data = {
    title,
    levels,
    transactions: report.transactions,
    runs,
    bad: Object.fromEntries(levels.map((l) => [l, runs.flatMap((r, i) => (r.level === l && r.held === false ? [i] : []))])),
  };
  const rows = report.interleavings.map((i, n) => {
    const r = interleavingRow(i);
    return `<tr><td>${n + 1}</td><td>${escapeHtml(r.level)}</td><td>${escapeHtml(r.order)}</td><td>${escapeHtml(r.waited)}</td><td>${escapeHtml(r.ended)}</td><td>${escapeHtml(r["final rows"])}</td><td>${escapeHtml(r.check)}</td></tr>`;
  });
  const table = `<table><thead><tr><th>#</th><th>level</th><th>order</th><th>waited</th><th>ended</th><th>final rows</th><th>check</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
  return stepperHtml({
    rootClass: "rl-tx-explorer",
    style: STYLE,
    title,
    summary: report.summary,
    table,
    data,
    goAttribute: "data-tx",
    view: VIEW,
  });
}

/**
 * Shows explored transactions as an interactive stepper: pick which transaction runs its next
 * statement; see each one's statements (the next marked, what each returned), whether it waits and
 * for whom, and — when the exploration ran with `details: true` — its transaction id, snapshot and
 * locks as the server reported them; at the end how each transaction ended, the final rows, the
 * check, and the history checker's verdict with its cycle. "Show me a broken interleaving" plays one.
 *
 * @example
 * ```ts
 * const report = await exploreTransactions({ ...options, details: true });
 * showTransactionExplorer(report, { title: "the lost update" });
 * ```
 * Warning: the whole report travels inside the output; without JavaScript (GitHub, nbviewer) it is a
 * table of the interleavings.
 */
export function showTransactionExplorer(report: TransactionsReport, options: { title?: string } = {}): void {
  const html = transactionExplorerHtml(report, options);
  const lines = report.interleavings.slice(0, 30).map((i) => {
    const r = interleavingRow(i);
    return `${r.level}: ${r.order} → ${r.ended}, ${r["final rows"]} ${r.check}`;
  });
  const more = report.interleavings.length > 30 ? `\n… (${report.interleavings.length - 30} more)` : "";
  showBundle({ "text/html": html, "text/plain": `${report.summary}\n${lines.join("\n")}${more}` });
}
