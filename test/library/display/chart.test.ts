// Charts: each spec renders (Vega-Lite → Vega View → SVG) to an SVG holding the expected marks with
// the expected data. Vega writes an aria-label per mark ("field: value; …"), which we parse.
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderVegaLite } from "race-lab";
import {
  histogramSpec,
  perTrialSpec,
  barChartSpec,
  barChartSvg,
  comparisonSpec,
  CHART_COLORS,
  GROUP_COLORS,
  MAX_CHART_WIDTH,
  RaceLabArgumentError,
} from "race-lab/internal";
import { markLabels } from "../helpers/display";

test("renderVegaLite returns a standalone SVG with a white background", async () => {
  const svg = await renderVegaLite({
    data: { values: [{ x: 1 }, { x: 2 }] },
    mark: "point",
    encoding: { x: { field: "x", type: "quantitative" } },
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* width="\d+" height="\d+"/);
  assert.match(svg, /<rect width="\d+" height="\d+" fill="white"\/>/);
  assert.equal(markLabels(svg, "point").length, 2);
  assert.match(svg, /<\/svg>$/);
});

test("every chart is described: a description in its spec, role=img, aria-label and <title> in its SVG", async () => {
  const specs = [
    histogramSpec([1990, 2000, 2000], { expected: 2000 }),
    perTrialSpec([{ trial: 1, observed: 1990, expected: 2000, anomaly: true }]),
    barChartSpec([{ label: "Lock", value: 120 }], { title: "time", unit: "ms" }),
    comparisonSpec([{ demo: "d", variant: "unsafe", anomalies: 1, trials: 2, anomalyRate: 0.5, medianMs: 3 } as never]),
  ];
  for (const spec of specs) {
    assert.equal(typeof spec.description, "string", JSON.stringify(spec).slice(0, 80));
    const svg = await renderVegaLite(spec);
    const text = (spec.description as string).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    assert.ok(svg.startsWith("<svg ") && svg.includes(`role="img" aria-label="${text}"><title>${text}</title>`), svg.slice(0, 300));
  }
  assert.match(
    specs[0].description as string,
    /^Histogram of 3 observed values, from 1990 to 2000; 1 of 3 differ from the expected 2000\.$/,
  );
  const untitled = await renderVegaLite({
    title: "a & b",
    data: { values: [{ x: 1 }] },
    mark: "point",
    encoding: { x: { field: "x", type: "quantitative" } },
  });
  assert.match(untitled, /aria-label="Chart: a &amp; b"><title>Chart: a &amp; b<\/title>/, "a spec without one is described by its title");
});

test("bar chart: values a hundredfold apart go on a log axis that says so", async () => {
  const spec = barChartSpec(
    [
      { label: "local sum", value: 900 },
      { label: "Lock", value: 2 },
    ],
    { unit: "M updates/s" },
  ) as { layer: { encoding: { x: { scale?: { type: string }; title?: string } } }[] };
  assert.equal(spec.layer[0].encoding.x.scale?.type, "log");
  assert.equal(spec.layer[0].encoding.x.title, "M updates/s (log scale)");
  const near = barChartSpec([
    { label: "a", value: 90 },
    { label: "b", value: 2 },
  ]) as typeof spec;
  assert.equal(near.layer[0].encoding.x.scale, undefined, "a linear axis when the values are close enough");
});

test("histogram: one bar per observed value with its count, and the expected value as a dashed rule", async () => {
  const svg = await renderVegaLite(histogramSpec([1990, 2000, 2000, 1987, 2000], { expected: 2000, title: "counts" }));
  const bars = markLabels(svg, "bar").map((b) => [b["observed value"], b.trials, b.anomaly]);
  assert.deepEqual(bars.sort(), [
    ["1,987", "1", "true"],
    ["1,990", "1", "true"],
    ["2,000", "3", "false"],
  ]);
  const rule = svg.match(
    /<line aria-label="expected: ([\d,]+)" role="graphics-symbol" aria-roledescription="rule mark"[^>]*stroke-dasharray="4,3"/,
  );
  assert.ok(rule, "a dashed rule marks the expected value");
  assert.equal(rule[1], "2,000");
  assert.match(svg, />counts</);
  assert.match(svg, />dashed line: the expected value, 2000</);
});

test("histogram of many distinct values is binned", async () => {
  const values = Array.from({ length: 100 }, (_, i) => 1000 + i * 3);
  const svg = await renderVegaLite(histogramSpec(values));
  const bars = markLabels(svg, "bar");
  assert.ok(bars.length > 1 && bars.length <= 20, `${bars.length} bins`);
  assert.equal(
    bars.reduce((s, b) => s + Number(b.trials), 0),
    100,
  );
});

test("per-trial chart: one bar per trial at observed − expected, colored by anomaly", async () => {
  const points = [
    { trial: 1, observed: 1990, expected: 2000, anomaly: true },
    { trial: 2, observed: 2000, expected: 2000, anomaly: false },
    { trial: 3, observed: 1500, expected: 2000, anomaly: true },
  ];
  const svg = await renderVegaLite(perTrialSpec(points));
  const bars = markLabels(svg, "bar");
  assert.deepEqual(
    bars.map((b) => [b.trial, b.difference, b.status]),
    [
      ["1", "-10", "anomaly"],
      ["2", "0", "as expected"],
      ["3", "-500", "anomaly"],
    ],
  );
  assert.equal(markLabels(svg, "tick").length, 3);
  assert.ok(svg.includes(`fill="${CHART_COLORS.anomaly}"`), "anomalies in the anomaly colour");
});

test("bar chart: labelled values with their unit; grouped when rows have groups", async () => {
  const svg = await barChartSvg(
    [
      { label: "Lock", value: 120.4 },
      { label: "no lock", value: 40 },
    ],
    { title: "time", unit: "ms" },
  );
  assert.deepEqual(
    markLabels(svg, "bar").map((b) => [b.label, b.ms]),
    [
      ["Lock", "120.4"],
      ["no lock", "40"],
    ],
  );
  assert.match(svg, />120 ms</);
  assert.match(svg, />40 ms</);
  const grouped = await renderVegaLite(
    barChartSpec(
      [
        { label: "Lock", value: 1, group: "threads" },
        { label: "Lock", value: 2, group: "processes" },
      ],
      { unit: "ops/s" },
    ),
  );
  assert.deepEqual(
    markLabels(grouped, "bar")
      .map((b) => b.group)
      .sort(),
    ["processes", "threads"],
  );
});

test("comparison: anomaly rate (red) and median time (grey) per variant, labelled by the variant alone", async () => {
  const reports = [
    { demo: "counter", variant: "unsafe", trials: 10, anomalies: 8, anomalyRate: 0.8, medianMs: 12 },
    { demo: "counter", variant: "safe", trials: 10, anomalies: 0, anomalyRate: 0, medianMs: 30 },
  ];
  const svg = await renderVegaLite(comparisonSpec(reports));
  const bars = markLabels(svg, "bar");
  assert.equal(bars.length, 4);
  assert.deepEqual(
    bars.filter((b) => "trials with the anomaly (%)" in b).map((b) => [b.label, b["trials with the anomaly (%)"]]),
    [
      ["unsafe", "80"],
      ["safe", "0"],
    ],
  );
  assert.deepEqual(
    bars.filter((b) => "median time per trial (ms)" in b).map((b) => [b.label, b["median time per trial (ms)"]]),
    [
      ["unsafe", "12"],
      ["safe", "30"],
    ],
  );
  assert.match(svg, />8 of 10</);
  assert.doesNotMatch(svg, /counter/, "one demo: its name is the title's business, not each label's");
});

/** The width of a rendered chart, in px. */
const widthOf = (svg: string) => Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);

test("comparison: long variant names are shown whole, and the chart still fits 900 px without a legend", async () => {
  const variant = (v: string) => ({
    demo: "Value of 2000, ±1 × 2000 by two threads",
    variant: v,
    trials: 20,
    anomalies: 3,
    anomalyRate: 0.15,
    medianMs: 4,
  });
  const svg = await renderVegaLite(
    comparisonSpec([variant("value += 1, no lock"), variant("getLock().withLock(…)"), variant("Atomics.add on typed")]),
  );
  assert.ok(widthOf(svg) <= MAX_CHART_WIDTH, `${widthOf(svg)} px`);
  assert.doesNotMatch(svg, /…</, "no label cut off");
  assert.match(svg, />getLock\(\)\.withLock\(…\)</);
  assert.doesNotMatch(svg, /role-legend/);
  const twoDemos = await renderVegaLite(
    comparisonSpec([
      variant("unsafe"),
      { ...variant("safe"), demo: "Value of 2000, ±1 × 100000 in two threads, balance.getLock() around each update" },
    ]),
  );
  assert.ok(widthOf(twoDemos) <= MAX_CHART_WIDTH, `${widthOf(twoDemos)} px: reports of different demos are labelled by their variants too`);
  const deposits = (demo: string, v: string) => ({ ...variant(v), demo: `100 async deposits, ${demo}` });
  const same = await renderVegaLite(
    comparisonSpec([deposits("await between read and write", "unsafe"), deposits("no await", "safe"), deposits("AsyncLock", "safe")]),
  );
  assert.deepEqual(
    markLabels(same, "bar")
      .filter((b) => "trials with the anomaly (%)" in b)
      .map((b) => b.label),
    ["await between read and write: unsafe", "no await: safe", "AsyncLock: safe"],
    "repeated variants: what differs between the demos tells them apart",
  );
  assert.ok(widthOf(same) <= MAX_CHART_WIDTH);
  const bank = (rest: string, v: string) => ({ ...variant(v), demo: `bank of 20000, 2 pools of 2, ±10 × ${rest}`, medianMs: 5575 });
  const banks = await renderVegaLite(
    comparisonSpec([
      bank("1000000 per task", "unsafe"),
      bank("200000 per task, @simpleLock on the task", "safe"),
      bank("200000 per task, simpleLock block per update", "safe"),
      bank("200000 per task, @lock.synchronized per update", "safe"),
    ]),
  );
  assert.ok(widthOf(banks) <= MAX_CHART_WIDTH, `${widthOf(banks)} px with labels of 50 characters`);
});

test("colours keep one meaning: anomalies red even in a binned histogram, measurements grey, groups in neither", async () => {
  const wrong = Array.from({ length: 20 }, (_, i) => 1000 + i * 7); // 20 distinct wrong values: binned
  const svg = await renderVegaLite(histogramSpec(wrong, { expected: 2000 }));
  assert.match(svg, new RegExp(`fill="${CHART_COLORS.anomaly}"`));
  assert.doesNotMatch(svg, new RegExp(`fill="${CHART_COLORS.ok}"`), "no blue: not one trial was as expected");
  const timing = await barChartSvg([{ label: "Lock", value: 3 }]);
  assert.match(timing, new RegExp(`fill="${CHART_COLORS.measure}"`));
  for (const c of GROUP_COLORS)
    assert.ok(![CHART_COLORS.ok, CHART_COLORS.anomaly, CHART_COLORS.measure, CHART_COLORS.expected].includes(c as never), c);
});

test("counts are whole numbers on their axes, even when every trial gave the same value", async () => {
  const same = [1, 2, 3].map((trial) => ({ trial, observed: 3000, expected: 3000, anomaly: false }));
  for (const spec of [
    perTrialSpec(same),
    histogramSpec([3000, 3000, 3000], { expected: 3000 }),
    histogramSpec([5, 7, 7, 9], { expected: 7 }),
  ]) {
    const svg = await renderVegaLite(spec);
    assert.doesNotMatch(svg, />[-−\d,]*\.\d+</, "no axis label with decimals");
  }
});

test("chart functions reject bad input", async () => {
  await assert.rejects(renderVegaLite(null as never), /^RaceLabArgumentError: spec must be a Vega-Lite specification object/);
  await assert.rejects(renderVegaLite([] as never), RaceLabArgumentError);
  assert.throws(() => histogramSpec([]), /^RaceLabArgumentError: values must be a non-empty array of finite numbers/);
  assert.throws(() => histogramSpec([1, NaN]), /values must be/);
  assert.throws(() => histogramSpec([1], { expected: "2" as never }), /^RaceLabArgumentError: expected must be a finite number/);
  assert.throws(() => histogramSpec([1], { title: 3 as never }), /^RaceLabArgumentError: title must be a string/);
  assert.throws(() => perTrialSpec([]), /^RaceLabArgumentError: points must be a non-empty array/);
  assert.throws(() => perTrialSpec([{ trial: 1 }] as never), /^RaceLabArgumentError: points\[0\] must be an object/);
  assert.throws(() => barChartSpec([{ label: "a" }] as never), /^RaceLabArgumentError: rows\[0\]\.value must be a finite number/);
  assert.throws(() => barChartSpec([{ label: "a", value: 1, group: 2 }] as never), /rows\[0\]\.group must be a string/);
  assert.throws(() => comparisonSpec([]), /^RaceLabArgumentError: reports must be a non-empty array/);
});

test("a table's title sits above it as wide as it needs, not in a caption as narrow as the table", async () => {
  const { htmlTable } = await import("race-lab/internal");
  const html = htmlTable([{ trial: 1, observed: 2 }], { title: "✘ counter — unsafe: 9 of 10 trials showed the anomaly" });
  assert.doesNotMatch(html, /<caption/);
  assert.match(
    html,
    /^<div style="[^"]*font-weight:bold[^"]*">✘ counter — unsafe: 9 of 10 trials showed the anomaly<\/div><table aria-label="✘ counter — unsafe: 9 of 10 trials showed the anomaly"/,
  );
});
