// stepperHtml(...): the page side shared by the explorers (threads' schedules, transactions'
// interleavings). A static table that stands where scripts do not run (GitHub, nbviewer, an
// untrusted notebook), the explored tree as JSON, and a script in plain ES2017 (JupyterLab 4 and the
// classic Notebook 6) that finds its container, redraws on each click, plays a bad order step by
// step, keeps the keyboard focus on the button pressed, and says each step in a live region.

import { checkOptions, checkText } from "../core/validate";
import { escapeHtml } from "./table";

/** What an explorer gives {@link stepperHtml}. */
export interface StepperParts {
  /** The container's class, also its id's prefix ("rl-explorer"). */
  rootClass: string;
  /** CSS for the container. */
  style: string;
  /** The title and one-line summary above the static table. */
  title: string;
  summary: string;
  /** The static table (HTML) shown without scripts. */
  table: string;
  /** The explored data the view reads (JSON-serialisable). */
  data: unknown;
  /** The attribute of a "goes next" button that holds the child's key ("data-worker"). */
  goAttribute: string;
  /**
   * Browser source of `function makeView(data, esc)` returning `{ render(path) → { html, say },
   * bad() → orders, other(button) → true when the path starts again }`.
   */
  view: string;
}

const RUNTIME = String.raw`
(function () {
  var me = document.currentScript, tries = 0;
  function esc(t) { return String(t).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  __VIEW__
  // JupyterLab runs the script as a copy put in place of this one, maybe before the output is on the
  // page: find the container from the script itself, else by id, else try again shortly.
  function start() {
    var root = (me && me.closest && me.closest(".__ROOT__")) || document.getElementById("__ID__");
    if (!root) { if (tries++ < 50) setTimeout(start, 100); return; }
    if (!root.getAttribute("data-live")) attach(root);
  }
  function attach(root) {
    var data = JSON.parse(root.querySelector("script.rl-data").textContent);
    root.setAttribute("data-live", "1");
    var view = makeView(data, esc), path = [], badIndex = -1, timer = null;
    var live = document.createElement("div");
    live.className = "rl-live";
    // Outside the part that is redrawn: a screen reader announces changes only in a live region
    // that was already on the page.
    var said = document.createElement("div");
    said.className = "rl-said";
    said.setAttribute("role", "status");
    said.setAttribute("aria-live", "polite");
    root.querySelector(".rl-static").style.display = "none";
    root.appendChild(live);
    root.appendChild(said);
    function draw() {
      var out = view.render(path);
      live.innerHTML = out.html;
      said.textContent = out.say;
    }
    function stop() { if (timer) { clearInterval(timer); timer = null; } }
    function play(order) {
      path = [];
      timer = setInterval(function () { if (path.length >= order.length) return stop(); path.push(order[path.length]); draw(); }, 350);
    }
    // The redraw replaces the buttons: put the focus back on the same one (or the first), so that a
    // keyboard user keeps their place.
    function refocus(cls, key) {
      if (!live.querySelector) return;
      var same = live.querySelector("button." + cls + (key === null ? "" : "[__GO__='" + key + "']") + ":not([disabled])");
      var next = same || live.querySelector("button:not([disabled])");
      if (next) next.focus();
    }
    live.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest("button") : null;
      if (!b) return;
      var focused = document.activeElement === b, key = b.getAttribute("__GO__");
      var cls = ["rl-go", "rl-back", "rl-restart", "rl-bad"].filter(function (c) { return b.classList.contains(c); })[0];
      stop();
      if (cls === "rl-go") path.push(Number(key));
      else if (cls === "rl-back") path.pop();
      else if (cls === "rl-restart") path = [];
      else if (cls === "rl-bad") { var bad = view.bad(); badIndex = (badIndex + 1) % bad.length; play(bad[badIndex]); }
      else if (view.other(b)) { path = []; badIndex = -1; }
      draw();
      if (focused && cls) refocus(cls, cls === "rl-go" ? key : null);
    });
    draw();
  }
  start();
})();
`;

/**
 * An explorer's whole output: the static table, the data, and the stepper script around its view.
 *
 * @example
 * ```ts
 * const html = stepperHtml({ rootClass: "rl-explorer", style, title, summary, table, data, goAttribute: "data-worker", view });
 * ```
 * Warning: the data travels inside the page; keep it to a few hundred explored orders.
 */
export function stepperHtml(parts: StepperParts): string {
  const id = `${parts.rootClass}-${Math.random().toString(36).slice(2, 10)}`;
  // JSON inside a script element: "<" escaped, so no "</script>" in the data can end it early.
  const json = JSON.stringify(parts.data).replace(/</g, "\\u003c");
  const script = RUNTIME.replace("__VIEW__", () => parts.view)
    .replace("__ROOT__", parts.rootClass)
    .replace("__ID__", id)
    .replace(/__GO__/g, parts.goAttribute);
  // The live region is for screen readers: the same words are on the page already.
  const hidden = `.${parts.rootClass} .rl-said { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }`;
  return (
    `<div class="${parts.rootClass}" id="${id}"><style>${parts.style}${hidden}</style>` +
    `<div class="rl-static"><b>${escapeHtml(parts.title)}</b> — ${escapeHtml(parts.summary)}${parts.table}` +
    `<p><i>(The interactive explorer needs JavaScript: run the notebook in JupyterLab or Jupyter Notebook.)</i></p></div>` +
    `<script type="application/json" class="rl-data">${json}</script>` +
    `<script>${script}</script></div>`
  );
}

/**
 * The title an explorer shows: `options.title` when given (checked), else `fallback`.
 *
 * @example
 * ```ts
 * const title = explorerTitle(options, report.name || "explored schedules");
 * ```
 * Warning: `options` may hold only `title`; anything else is an error naming it.
 */
export function explorerTitle(options: unknown, fallback: string): string {
  const { title } = checkOptions<{ title?: unknown }>("options", options, "{ title }", ["title"]);
  return title === undefined ? fallback : checkText("options.title", title);
}
