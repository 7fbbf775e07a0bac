// showExplorer(report): an interactive stepper over an explored report, as self-contained HTML and
// JavaScript (the explored tree travels inside the output: no kernel round trip). Where scripts do
// not run (GitHub, nbviewer, an untrusted notebook), the static table of schedules stays.

import { showBundle } from "../display/display";
import { RaceLabArgumentError } from "../core/errors";
import { explorerTitle, stepperHtml } from "../display/stepper";
import { escapeHtml } from "../display/table";
import type { ExploreReport } from "./explore";
import type { Schedule } from "./schedule";

/** How a schedule ended, in a few words ("observed 1", "deadlock", "error"). */
function outcomeOf(s: Schedule): string {
  if (s.deadlock) return "deadlock";
  if (s.errors) return "error";
  return `observed ${JSON.stringify(s.observed)}`;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * The static table of a report's schedules: what GitHub and nbviewer show, and the text under the
 * interactive explorer.
 *
 * @example
 * ```ts
 * const html = scheduleTableHtml(report);
 * ```
 * Warning: one row per schedule, none left out: a report of thousands of schedules makes a very long table.
 */
export function scheduleTableHtml(report: ExploreReport): string {
  const rows = report.schedules.map((s, i) => {
    const steps = s.steps.map((st) => `w${st.worker}:${escapeHtml(st.label)}`).join(" → ");
    const mark = s.anomaly ? "✗" : "✓";
    return (
      `<tr class="${s.anomaly ? "rl-bad-row" : ""}"><td>${i + 1}</td><td><code>${s.order.join(" ")}</code></td><td>${steps}</td>` +
      `<td>${escapeHtml(outcomeOf(s))}</td><td>${mark}${s.description ? " " + escapeHtml(s.description) : ""}</td></tr>`
    );
  });
  return (
    `<table class="rl-schedules"><thead><tr><th>#</th><th>order (the worker of each step)</th><th>steps</th><th>outcome</th><th>as expected?</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

/** Counts of schedules per outcome, worst first. */
function outcomeCounts(report: ExploreReport): { outcome: string; count: number; anomaly: boolean }[] {
  const counts = new Map<string, { outcome: string; count: number; anomaly: boolean }>();
  for (const s of report.schedules) {
    const outcome = outcomeOf(s);
    const entry = counts.get(outcome) ?? { outcome, count: 0, anomaly: s.anomaly };
    entry.count++;
    counts.set(outcome, entry);
  }
  return [...counts.values()].sort((a, b) => Number(b.anomaly) - Number(a.anomaly) || b.count - a.count);
}

// The browser side of the stepper (see display/stepper.ts): builds the tree of choices from the
// schedules and draws where the chosen path stands: each worker's code with its next step marked.
const VIEW = String.raw`
function makeView(data, esc) {
  var tree = { children: {}, schedule: null };
  data.schedules.forEach(function (s, i) {
    var node = tree;
    s.order.forEach(function (w, k) {
      if (!node.children[w]) node.children[w] = { children: {}, step: s.steps[k], schedule: null };
      node = node.children[w];
    });
    node.schedule = i;
  });
  function nodeAt(p) { var n = tree; for (var i = 0; i < p.length; i++) n = n.children[p[i]]; return n; }
  function leafOf(node) { while (node.schedule === null) { var keys = Object.keys(node.children); node = node.children[keys[0]]; } return data.schedules[node.schedule]; }
  var lines = data.source.split("\n");
  function lineOf(label) {
    if (label === null) return -1;
    var quoted = ['"' + label + '"', "'" + label + "'", "\x60" + label + "\x60"];
    for (var i = 0; i < lines.length; i++) for (var q = 0; q < 3; q++) if (lines[i].indexOf("point(" + quoted[q]) >= 0) return i;
    var call = label.replace(/\(\)$/, "").split(".").pop();
    for (var j = 0; j < lines.length; j++) if (lines[j].indexOf("." + call + "(") >= 0) return j;
    return -1;
  }
  function nextLabels(p) {
    // Where each worker stands: the label of its next step, or null once it has finished.
    var node = nodeAt(p), leaf = leafOf(node), labels = [], w, k;
    for (w = 0; w < data.workers; w++) labels.push(null);
    var seenCount = {};
    for (k = 0; k < p.length; k++) seenCount[p[k]] = (seenCount[p[k]] || 0) + 1;
    var full = leaf.steps, taken = {};
    for (k = 0; k < full.length; k++) {
      w = full[k].worker; taken[w] = (taken[w] || 0) + 1;
      if (labels[w] === null && taken[w] > (seenCount[w] || 0)) labels[w] = full[k].label;
    }
    return labels;
  }
  function render(path) {
    var node = nodeAt(path), leaf = leafOf(node);
    var state = path.length === 0 ? leaf.start : node.step.state;
    var labels = nextLabels(path);
    var h = '<div class="rl-head"><b>' + esc(data.title) + "</b> — " + esc(data.summary) + "</div>";
    h += '<div class="rl-cols">';
    for (var w = 0; w < data.workers; w++) {
      var at = lineOf(labels[w]);
      var canGo = node.children[w] !== undefined;
      h += '<div class="rl-col"><div class="rl-worker">worker ' + w + (labels[w] === null ? " (finished)" : canGo ? "" : " (waiting)") + "</div><pre>";
      for (var i = 0; i < lines.length; i++) h += '<span class="' + (i === at ? "rl-here" : "") + '">' + esc(lines[i] || " ") + "</span>\n";
      h += "</pre></div>";
    }
    h += "</div>";
    h += '<div class="rl-state">shared state: <code>' + esc(JSON.stringify(state)) + "</code></div>";
    h += '<ol class="rl-steps">';
    var n = tree;
    for (var k = 0; k < path.length; k++) { n = n.children[path[k]]; h += "<li>worker " + n.step.worker + ": " + esc(n.step.label) + " → <code>" + esc(JSON.stringify(n.step.state)) + "</code></li>"; }
    h += "</ol><div class='rl-buttons'>";
    var keys = Object.keys(node.children);
    keys.forEach(function (k) { h += '<button class="rl-go" data-worker="' + k + '">worker ' + k + " goes next</button> "; });
    if (node.schedule !== null) {
      var s = data.schedules[node.schedule];
      var outcome = s.outcome + (s.anomaly ? " ✗ " + s.anomalyText : " ✓ as expected");
      h += '<div class="rl-outcome ' + (s.anomaly ? "rl-wrong" : "rl-right") + '">' + esc(outcome) + "</div>";
    }
    h += '<br><button class="rl-back"' + (path.length ? "" : " disabled") + ">back</button> <button class='rl-restart'>start again</button> ";
    h += "<button class='rl-bad'" + (data.bad.length ? "" : " disabled") + ">show me a bad schedule</button></div>";
    h += '<table class="rl-counts"><tr><th>how it ends</th><th>schedules</th></tr>';
    data.counts.forEach(function (c) { h += "<tr class='" + (c.anomaly ? "rl-wrong" : "") + "'><td>" + esc(c.outcome) + "</td><td>" + c.count + "</td></tr>"; });
    h += "</table>";
    var say = node.schedule !== null ? "the end: " + outcome : path.length ? "worker " + n.step.worker + ": " + n.step.label + ", shared state " + JSON.stringify(state) : "the start: shared state " + JSON.stringify(state);
    return { html: h, say: say };
  }
  return { render: render, bad: function () { return data.bad.map(function (i) { return data.schedules[i].order; }); }, other: function () { return false; } };
}
`;

const STYLE = `
.rl-explorer { font-family: sans-serif; font-size: 13px; }
.rl-explorer .rl-cols { display: flex; gap: 12px; flex-wrap: wrap; }
.rl-explorer .rl-col { border: 1px solid #ccc; border-radius: 4px; padding: 4px 8px; min-width: 260px; }
.rl-explorer pre { margin: 4px 0; font-size: 12px; line-height: 1.35; }
.rl-explorer .rl-here { background: #ffe08a; font-weight: bold; }
.rl-explorer .rl-worker { font-weight: bold; }
.rl-explorer button { margin: 4px 4px 4px 0; padding: 3px 10px; cursor: pointer; }
.rl-explorer .rl-wrong { color: #b00020; font-weight: bold; }
.rl-explorer .rl-right { color: #1b7f3b; font-weight: bold; }
.rl-explorer .rl-bad-row td { color: #b00020; }
.rl-explorer table { border-collapse: collapse; margin-top: 6px; }
.rl-explorer td, .rl-explorer th { border: 1px solid #ddd; padding: 2px 8px; text-align: left; }
`;

/** Options of {@link showExplorer}. */
export interface ExplorerOptions {
  /** A title above the explorer (default: the function's name). */
  title?: string;
}

/**
 * The explorer's HTML (a static table, and the script that turns it into the stepper).
 *
 * @example
 * ```ts
 * const html = explorerHtml(report, { title: "two increments" });
 * ```
 * Warning: the HTML carries a script: the stepper works only where the notebook's output may run JavaScript; elsewhere
 * the static table shows.
 */
export function explorerHtml(report: ExploreReport, options: ExplorerOptions = {}): string {
  if (
    typeof report !== "object" ||
    report === null ||
    !Array.isArray((report as ExploreReport).schedules) ||
    typeof report.source !== "string"
  ) {
    throw new RaceLabArgumentError("report", "what explore() returned", report);
  }
  const title = explorerTitle(options, report.name || "explored schedules");
  const expectedText = "expected" in report ? `expected ${show(report.expected)}` : "not as expected";
  const data = {
    title,
    summary: report.summary,
    source: report.source,
    workers: report.workers,
    schedules: report.schedules.map((s) => ({
      order: s.order,
      steps: s.steps,
      start: s.start,
      anomaly: s.anomaly,
      outcome: outcomeOf(s),
      anomalyText:
        s.description ??
        (s.anomaly
          ? `${expectedText}${typeof s.observed === "number" && typeof report.expected === "number" && s.observed < report.expected ? ": a lost update" : ""}`
          : ""),
    })),
    bad: report.schedules.flatMap((s, i) => (s.anomaly ? [i] : [])),
    counts: outcomeCounts(report),
  };
  return stepperHtml({
    rootClass: "rl-explorer",
    style: STYLE,
    title,
    summary: report.summary,
    table: scheduleTableHtml(report),
    data,
    goAttribute: "data-worker",
    view: VIEW,
  });
}

/**
 * Shows an explored report as an interactive stepper: each worker's code with its next step
 * highlighted, the shared state after each step, one button per worker that may go next, the
 * outcome at the end (a lost update marked), "show me a bad schedule", and how many schedules end
 * each way. Without JavaScript (GitHub, nbviewer) it is a table of the schedules.
 *
 * @example
 * ```ts
 * const report = await explore({ fn: increment, workers: 2, setup, expected: 2 });
 * showExplorer(report, { title: "two increments" });
 * ```
 * Warning: the whole report travels inside the output: keep explorations small (a few hundred
 * schedules) for a light notebook.
 */
export function showExplorer(report: ExploreReport, options: ExplorerOptions = {}): void {
  const html = explorerHtml(report, options);
  const lines = report.schedules.slice(0, 30).map((s) => `[${s.order.join(", ")}] → ${outcomeOf(s)}${s.anomaly ? "  ✗" : ""}`);
  const more = report.schedules.length > 30 ? `\n… (${report.schedules.length - 30} more)` : "";
  showBundle({ "text/html": html, "text/plain": `${report.summary}\n${lines.join("\n")}${more}` });
}
