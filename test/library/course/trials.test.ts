// runTrials: report statistics, recorded outcomes, inline display (text outside Jupyter, HTML + SVG
// display_data inside), and bad input for every public function of trials/outcomes/display/table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { showTable, showBarChart, showSvg } from "race-lab";
import { runTrials, setLesson, compareReports, TrialReport } from "race-lab/course";
import { currentLesson, readOutcomes, recordOutcome } from "race-lab/instructor";
import {
  showHtml,
  showMarkdown,
  showText,
  showBundle,
  inJupyter,
  htmlTable,
  textTable,
  escapeHtml,
  RaceLabArgumentError,
  RunInterruptedError,
} from "race-lab/internal";
import { captureStdout } from "../helpers/display";
import { captureDisplays } from "../kernel/fake-display";

const quiet = { show: false } as const;

function withOutcomes<T>(fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), "race-lab-outcomes-"));
  const file = path.join(dir, "outcomes.jsonl");
  const before = process.env.RACE_LAB_OUTCOMES;
  process.env.RACE_LAB_OUTCOMES = file;
  return fn(file).finally(() => {
    if (before === undefined) delete process.env.RACE_LAB_OUTCOMES;
    else process.env.RACE_LAB_OUTCOMES = before;
    rmSync(dir, { recursive: true, force: true });
  });
}

test("a report counts anomalies, their rate and the median time", async () => {
  const observed = [10, 9, 10, 7, 10];
  const r = await runTrials({ demo: "counter", variant: "unsafe", trials: 5, expected: 10, run: (t) => observed[t - 1], ...quiet });
  assert.equal(r.demo, "counter");
  assert.equal(r.variant, "unsafe");
  assert.equal(r.trials, 5);
  assert.deepEqual(
    r.rows.map((row) => row.trial),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    r.rows.map((row) => row.observed),
    observed,
  );
  assert.deepEqual(
    r.rows.map((row) => row.anomaly),
    [false, true, false, true, false],
  );
  assert.ok(r.rows.every((row) => row.expected === 10 && row.ms >= 0));
  assert.equal(r.anomalies, 2);
  assert.equal(r.anomalyRate, 0.4);
  const sorted = r.rows.map((row) => row.ms).sort((a, b) => a - b);
  assert.equal(r.medianMs, sorted[2]);
  assert.equal(
    r.totalMs,
    r.rows.reduce((s, row) => s + row.ms, 0),
  );
});

test("the median of an even number of trials is the mean of the middle two", async () => {
  const r = await runTrials({ demo: "d", variant: "v", trials: 4, expected: 1, run: () => 1, ...quiet });
  const s = r.rows.map((row) => row.ms).sort((a, b) => a - b);
  assert.equal(r.medianMs, (s[1] + s[2]) / 2);
  assert.equal(r.anomalies, 0);
  assert.equal(r.anomalyRate, 0);
});

test("run may return { observed, detail }, and isAnomaly decides what counts", async () => {
  const r = await runTrials({
    demo: "seats",
    variant: "rare",
    trials: 3,
    expected: 100,
    run: async (t) => ({ observed: 100 + t - 2, detail: { sold: t } }),
    isAnomaly: (observed, expected) => observed > expected, // only overselling is an anomaly
    ...quiet,
  });
  assert.deepEqual(
    r.rows.map((row) => row.detail),
    [{ sold: 1 }, { sold: 2 }, { sold: 3 }],
  );
  assert.deepEqual(
    r.rows.map((row) => row.anomaly),
    [false, false, true],
  );
});

test("run may return the ms of work timed elsewhere: the report's times are those, not the wait for run", async () => {
  // Rounds played earlier in threads: run returns at once, and without its ms every trial would read ~0 ms.
  const r = await runTrials({
    demo: "rounds",
    variant: "safe",
    trials: 3,
    expected: 1,
    run: (t) => ({ observed: 1, ms: 100 * t }),
    ...quiet,
  });
  assert.deepEqual(
    r.rows.map((row) => row.ms),
    [100, 200, 300],
  );
  assert.equal(r.medianMs, 200);
  for (const ms of [-1, Number.NaN, "5"]) {
    await assert.rejects(
      runTrials({ demo: "rounds", variant: "safe", trials: 1, expected: 1, run: () => ({ observed: 1, ms }) as never, ...quiet }),
      /the ms of trial 1/,
    );
  }
});

test("trials run one after another, never overlapping", async () => {
  let running = 0;
  let most = 0;
  await runTrials({
    demo: "d",
    variant: "v",
    trials: 5,
    expected: 0,
    run: async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return 0;
    },
    ...quiet,
  });
  assert.equal(most, 1);
});

test("a trial that throws rejects runTrials with that error and records nothing", async () => {
  await withOutcomes(async (file) => {
    const boom = new Error("trial exploded");
    await assert.rejects(
      runTrials({
        demo: "d",
        variant: "v",
        trials: 3,
        expected: 1,
        run: (t) => {
          if (t === 2) throw boom;
          return 1;
        },
        ...quiet,
      }),
      (e) => e === boom,
    );
    assert.equal(existsSync(file), false);
  });
});

test("an interrupt during trials that only await lets no further trial start, and shows nothing more", async () => {
  // As in the kernel: tslab has its own SIGINT listener (so race-lab's does not end the process).
  const kernel = () => undefined;
  process.on("SIGINT", kernel);
  try {
    const ran: number[] = [];
    await withOutcomes(async (file) => {
      const { bundles } = await captureDisplays(() =>
        assert.rejects(
          runTrials({
            demo: "queries",
            variant: "unsafe",
            trials: 5,
            expected: 1,
            run: async (t) => {
              ran.push(t);
              await new Promise((resolve) => setImmediate(resolve)); // race-lab listens from the next turn on
              if (t === 2) process.emit("SIGINT", "SIGINT"); // ■ while trial 2 awaits
              return 1;
            },
          }),
          (e) => e instanceof RunInterruptedError && /after 2 of 5 trials/.test(e.message),
        ),
      );
      assert.deepEqual(ran, [1, 2], "the trial under way finishes; none starts after the interrupt");
      assert.deepEqual(bundles, [], "no report: it would land under whichever cell runs next");
      assert.equal(existsSync(file), false, "nothing recorded");
    });
  } finally {
    process.off("SIGINT", kernel);
  }
});

test("each runTrials appends one JSON line to RACE_LAB_OUTCOMES", async () => {
  await withOutcomes(async (file) => {
    setLesson("99-test-lesson");
    assert.equal(currentLesson(), "99-test-lesson");
    const unsafe = await runTrials({ demo: "two threads", variant: "unsafe", trials: 3, expected: 4, run: (t) => 4 - (t % 2), ...quiet });
    await runTrials({ demo: "two threads", variant: "safe", trials: 2, expected: 4, run: () => 4, ...quiet });
    const lines = readOutcomes(file);
    assert.equal(lines.length, 2);
    assert.deepEqual(Object.keys(lines[0]), ["notebook", "demo", "variant", "trials", "anomalies", "expected", "observed", "ms"]);
    assert.deepEqual(
      { ...lines[0], ms: 0 },
      {
        notebook: "99-test-lesson",
        demo: "two threads",
        variant: "unsafe",
        trials: 3,
        anomalies: 2,
        expected: 4,
        observed: [3, 4, 3],
        ms: 0,
      },
    );
    assert.ok(Math.abs(lines[0].ms - unsafe.totalMs) < 0.01, "ms is the total time of the trials");
    assert.equal(lines[1].variant, "safe");
    assert.equal(lines[1].anomalies, 0);
    assert.deepEqual(lines[1].observed, [4, 4]);
  });
});

test("no outcomes file is written when RACE_LAB_OUTCOMES is not set", async () => {
  const before = process.env.RACE_LAB_OUTCOMES;
  delete process.env.RACE_LAB_OUTCOMES;
  try {
    assert.equal(
      recordOutcome({ notebook: null, demo: "d", variant: "v", trials: 1, anomalies: 0, expected: 1, observed: [1], ms: 1 }),
      false,
    );
  } finally {
    if (before !== undefined) process.env.RACE_LAB_OUTCOMES = before;
  }
});

test("readOutcomes names the file and line of a broken line", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "race-lab-outcomes-"));
  try {
    const file = path.join(dir, "o.jsonl");
    writeFileSync(file, '{"demo":"a"}\n\nnot json\n');
    assert.throws(() => readOutcomes(file), /o\.jsonl:3 is not a JSON outcome line/);
    assert.throws(() => readOutcomes(""), RaceLabArgumentError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("outside Jupyter, runTrials prints a text table and a text stand-in for the chart", async () => {
  assert.equal(inJupyter(), false);
  let report: TrialReport | undefined;
  const out = await captureStdout(async () => {
    report = await runTrials({ demo: "counter", variant: "unsafe", trials: 3, expected: 2, run: (t) => (t === 2 ? 1 : 2) });
  });
  assert.ok(report);
  assert.match(out, /counter — unsafe: 1 of 3 trials showed the anomaly \(33%\)/);
  assert.match(out, /trial\s+expected\s+observed\s+anomaly\s+ms/);
  assert.match(out, /\n\s+2\s+2\s+1\s+yes\s+\S+\s+</, "the anomalous trial is marked");
  assert.match(out, /\[chart\] unsafe: observed per trial \(expected 2\): 2, 1, 2/);
  assert.doesNotMatch(out, /<(table|svg)/);
});

test("inside Jupyter, runTrials sends an HTML table, an SVG chart and its one-line summary, each with a text/plain fallback", async () => {
  const { bundles, stdout } = await captureDisplays(async () => {
    assert.equal(inJupyter(), true);
    await runTrials({ demo: "<b>counter</b>", variant: "unsafe", trials: 4, expected: 2, run: (t) => (t === 2 ? 1 : 2) });
  });
  assert.equal(stdout, "", "nothing is printed as plain text in Jupyter");
  assert.equal(bundles.length, 3);
  const [table, chart, summary] = bundles;
  assert.match(summary["text/plain"], /^Two charts of <b>counter<\/b> — unsafe: .*; 1 of 4 trials differ from the expected 2\.$/);
  assert.match(summary["text/html"], /&lt;b&gt;counter/, "escaped in HTML");
  assert.deepEqual(Object.keys(table).sort(), ["text/html", "text/plain"]);
  assert.match(table["text/html"], /<table[\s\S]*<th[^>]*>observed<\/th>[\s\S]*<\/table>/);
  assert.match(table["text/html"], /&lt;b&gt;counter&lt;\/b&gt;/, "the demo's name is escaped");
  assert.doesNotMatch(table["text/html"], /<b>counter/);
  assert.equal((table["text/html"].match(/<tr/g) ?? []).length, 5, "a header row and one row per trial");
  assert.match(table["text/plain"], /trial\s+expected\s+observed/);
  assert.deepEqual(Object.keys(chart).sort(), ["image/svg+xml", "text/plain"]);
  assert.match(chart["image/svg+xml"], /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.match(chart["image/svg+xml"], /<rect width="\d+" height="\d+" fill="white"\/>/, "a white background for any theme");
  assert.match(chart["text/plain"], /expected 2/);
});

test("compareReports, showTable and showBarChart show a table and a chart with its one-line summary", async () => {
  const a = await runTrials({ demo: "counter", variant: "unsafe", trials: 2, expected: 2, run: () => 1, ...quiet });
  const b = await runTrials({ demo: "counter", variant: "safe", trials: 2, expected: 2, run: () => 2, ...quiet });
  const { bundles } = await captureDisplays(async () => {
    await compareReports([a, b]);
    showTable([{ primitive: "Lock", ms: 12.345 }], { title: "timings" });
    await showBarChart(
      [
        { label: "Lock", value: 12.5 },
        { label: "none", value: 3 },
      ],
      { title: "time", unit: "ms" },
    );
  });
  assert.deepEqual(
    bundles.map((x) => Object.keys(x).sort()[0]),
    ["text/html", "image/svg+xml", "text/html", "text/html", "image/svg+xml", "text/html"],
  );
  assert.match(bundles[0]["text/html"], /100%[\s\S]*0%/, "anomaly rates of both reports");
  assert.match(bundles[1]["image/svg+xml"], /unsafe[\s\S]*safe/);
  assert.match(bundles[2]["text/plain"], /^Comparison of 2 runs: unsafe: 2 of 2 trials with the anomaly/);
  assert.match(bundles[3]["text/html"], /12\.35/);
  assert.match(bundles[4]["image/svg+xml"], />12\.50 ms</);
  assert.match(bundles[4]["text/plain"], /Lock: 12\.50 ms/);
  assert.equal(bundles[5]["text/plain"], "Bar chart of time: Lock 12.50 ms; none 3 ms.");
});

test("show helpers: one display_data with a text fallback in Jupyter, plain text outside", async () => {
  const { bundles } = await captureDisplays(() => {
    showHtml("<i>hi</i>");
    showSvg('<svg xmlns="http://www.w3.org/2000/svg"></svg>', "a picture");
    showMarkdown("**bold**");
    showText("plain");
  });
  assert.deepEqual(bundles, [
    { "text/html": "<i>hi</i>", "text/plain": "hi" },
    { "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg"></svg>', "text/plain": "a picture" },
    { "text/markdown": "**bold**", "text/plain": "**bold**" },
    { "text/plain": "plain" },
  ]);
  const out = await captureStdout(() => {
    showHtml("<p>a &amp; b</p><br>c");
    showSvg("<svg></svg>");
    showMarkdown("# title");
    showText("plain");
  });
  assert.equal(out, "a & b\n\nc\n[chart: open the notebook in Jupyter to see it]\n# title\nplain\n");
});

test("tables escape every cell and align text", () => {
  assert.equal(escapeHtml(`<a href="x">&'</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  const html = htmlTable([{ name: "<script>", n: 1 }], { title: "<t>" });
  assert.doesNotMatch(html, /<script>|<t>/);
  assert.match(html, /&lt;script&gt;/);
  assert.equal(
    textTable([
      { a: 1, b: "x" },
      { a: 22, b: "yy" },
    ]),
    " a  b\n--  --\n 1  x\n22  yy",
  );
  assert.match(textTable([{ a: 1 }, { a: 2 }, { a: 3 }], { maxRows: 2 }), /… 1 more rows$/);
});

test("bad input throws RaceLabArgumentError naming the argument", async () => {
  const ok = { demo: "d", variant: "v", trials: 1, expected: 1, run: () => 1, show: false };
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ demo: "" }, /^demo must be/],
    [{ demo: 3 }, /^demo must be/],
    [{ variant: undefined }, /^variant must be/],
    [{ trials: 0 }, /^trials must be an integer from 1 to 1000/],
    [{ trials: 1001 }, /^trials must be/],
    [{ trials: 2.5 }, /^trials must be/],
    [{ expected: NaN }, /^expected must be a finite number/],
    [{ expected: "3" }, /^expected must be/],
    [{ run: 3 }, /^run must be a function/],
    [{ isAnomaly: "yes" }, /^isAnomaly must be a function/],
    [{ show: "no" }, /^show must be true or false/],
    [{ run: () => "3" }, /^the value run\(1\) returned must be a finite number or/],
    [{ run: () => ({ observed: "x" }) }, /^the observed value of trial 1 must be a finite number/],
    [{ isAnomaly: () => 1 }, /^the value isAnomaly returned must be true or false/],
  ];
  for (const [change, message] of bad) {
    await assert.rejects(
      runTrials({ ...ok, ...change } as never),
      (e: Error) => e instanceof RaceLabArgumentError && message.test(e.message),
      JSON.stringify(change),
    );
  }
  await assert.rejects(runTrials(undefined as never), RaceLabArgumentError);
  assert.throws(() => setLesson(""), /^RaceLabArgumentError: name must be a non-empty string/);
  assert.throws(() => setLesson(5 as never), RaceLabArgumentError);
  await assert.rejects(compareReports([] as never), /^RaceLabArgumentError: reports must be an array of 1 to 50/);
  await assert.rejects(
    compareReports([{ demo: "x" }] as never),
    /^RaceLabArgumentError: reports\[0\] must be a report returned by runTrials/,
  );
  assert.throws(() => showTable("rows" as never), /^RaceLabArgumentError: rows must be an array/);
  assert.throws(() => showTable([1] as never), /^RaceLabArgumentError: rows\[0\] must be an object/);
  assert.throws(() => showTable([], { title: 3 } as never), /^RaceLabArgumentError: title must be a string/);
  await assert.rejects(showBarChart([] as never, { title: "t", unit: "ms" }), /^RaceLabArgumentError: rows must be an array of 1 to 1000/);
  await assert.rejects(
    showBarChart([{ label: "a", value: Infinity }], {}),
    /^RaceLabArgumentError: rows\[0\]\.value must be a finite number/,
  );
  await assert.rejects(showBarChart([{ label: 1 as never, value: 1 }], {}), /^RaceLabArgumentError: rows\[0\]\.label must be a string/);
  await assert.rejects(showBarChart([{ label: "a", value: 1 }], { unit: 5 as never }), /^RaceLabArgumentError: unit must be a string/);
  assert.throws(() => showHtml(5 as never), /^RaceLabArgumentError: html must be a string/);
  assert.throws(() => showSvg("<div>"), /^RaceLabArgumentError: svg must be an SVG document/);
  assert.throws(() => showMarkdown(null as never), /^RaceLabArgumentError: md must be a string/);
  assert.throws(() => showText({} as never), /^RaceLabArgumentError: text must be a string/);
  assert.throws(() => showBundle({ "text/html": "x" }), /^RaceLabArgumentError: bundle must be an object with a "text\/plain" entry/);
  assert.throws(() => htmlTable([], { maxRows: 0 }), /^RaceLabArgumentError: maxRows must be a positive integer/);
  assert.throws(() => textTable([], { columns: [1] as never }), /^RaceLabArgumentError: columns must be an array of column names/);
  assert.throws(() => recordOutcome(null as never), /^RaceLabArgumentError: record must be/);
});
