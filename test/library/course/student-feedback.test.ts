// What a student reads from a run of trials: a safe run that never went wrong is one line, details are
// words not JSON, and an interrupt says what it stopped and keeps what was measured.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runTrials } from "race-lab/course";
import { describeDetail, RunInterruptedError } from "race-lab/internal";
import {
  interruptSummary,
  lastInterruptedCell,
  noteCellSource,
  noteInterruptedWorkers,
  topLevelNames,
} from "../../../src/core/interrupt-note";
import { noteTrialProgress, takeTrialProgress } from "../../../src/course/trial-progress";
import { missingNameTips, orderDiagnostics, studentStderr, withoutLibraryStack } from "../../../src/course/cell-watch";
import { captureDisplays } from "../kernel/fake-display";

test("a safe run whose every trial gave the expected value is one line of text, not a table and two flat charts", async () => {
  const { bundles } = await captureDisplays(() =>
    runTrials({ demo: "counter", variant: "safe", trials: 5, expected: 2000, run: () => 2000 }),
  );
  assert.equal(bundles.length, 1);
  assert.match(
    bundles[0]["text/plain"],
    /^✔ counter — safe: 0 of 5 trials showed the anomaly \(0%\), median .* per trial: every trial gave 2000, as expected\.$/,
  );
  assert.doesNotMatch(bundles[0]["text/html"], /<table|<svg/);
  const wrongOnce = await captureDisplays(() =>
    runTrials({ demo: "counter", variant: "safe", trials: 3, expected: 2, run: (t) => (t === 2 ? 1 : 2), isAnomaly: () => false }),
  );
  assert.equal(wrongOnce.bundles.length, 3, "a value other than the expected one is still shown in full: table, chart, its summary");
});

test("a trial's detail reads as words in the table, never as JSON", async () => {
  assert.equal(describeDetail({ readErrors: "544 + 600" }), "readErrors: 544 + 600");
  assert.equal(describeDetail({ lost: 3, who: ["a", "b"] }), "lost: 3; who: a, b");
  const { bundles } = await captureDisplays(() =>
    runTrials({ demo: "file", variant: "unsafe", trials: 2, expected: 2, run: () => ({ observed: 1, detail: { readErrors: "1 + 2" } }) }),
  );
  assert.match(bundles[0]["text/html"], /<td[^>]*>readErrors: 1 \+ 2<\/td>/);
  assert.doesNotMatch(bundles[0]["text/html"], /\{&quot;/);
});

test("an interrupt: one line saying what ended and how many trials were done; the finished trials are still shown", async () => {
  noteTrialProgress({ done: 12, of: 200, label: "counter — unsafe" });
  noteInterruptedWorkers("process", 2);
  noteCellSource('// the unsafe counter\nconst unsafe = await runTrials({ demo: "counter" });');
  const summary = interruptSummary(takeTrialProgress());
  assert.equal(
    summary,
    "Interrupted: ended 2 processes; 12 of 200 trials done (counter — unsafe), not kept. This cell did not finish, so `unsafe` has no value: run this cell again before the cells that use it. Cells queued after this one did not run.",
  );
  assert.doesNotMatch(summary, /follows/, "it promises nothing it does not show");
  noteInterruptedWorkers("thread", 1);
  noteCellSource("await showTimeline(log);");
  assert.equal(
    interruptSummary(takeTrialProgress()),
    "Interrupted: ended 1 thread. This cell did not finish: run it again if later cells need what it does. Cells queued after this one did not run.",
    "counts are reset after each report",
  );

  const { bundles } = await captureDisplays(() =>
    assert.rejects(
      runTrials({
        demo: "counter",
        variant: "unsafe",
        trials: 10,
        expected: 2,
        run: (t) => {
          if (t === 4) throw new RunInterruptedError("interrupted");
          return 1;
        },
      }),
      RunInterruptedError,
    ),
  );
  const table = bundles.find((b) => "text/html" in b && /<table/.test(b["text/html"]));
  assert.ok(table, "the three finished trials are shown");
  assert.equal((table["text/html"].match(/<tr/g) ?? []).length, 4, "a header and three trials");
});

test("after an interrupt, a report the interrupted cell did not make is named as such, without a stack", async () => {
  const { compareReports } = await import("race-lab/course");
  const plain = (await compareReports([undefined as never]).catch((e: Error) => e)) as Error;
  assert.match(
    plain.message,
    /^reports\[0\] is undefined, not a report returned by runTrials: the cell that makes it did not finish \(interrupted\?\): run the cell that makes it again, then this one\.$/,
  );
  // The same module as interruptSummary's (the source, not the built library): it names the interrupted cell.
  const { RaceLabArgumentError } = await import("../../../src/core/errors");
  noteCellSource('const unsafe = await runTrials({ demo: "counter" });');
  interruptSummary();
  const error = new RaceLabArgumentError("reports[0]", "a report returned by runTrials", undefined);
  assert.equal(
    error.message,
    'reports[0] is undefined, not a report returned by runTrials: the cell that makes it did not finish (interrupted?): run the cell that makes it again (the interrupted one starts `const unsafe = await runTrials({ demo: "counter" });`), then this one.',
  );
  assert.doesNotMatch(error.message, /\.\.|\)\.\)/, "no doubled punctuation");
  const printed = withoutLibraryStack(`${error.stack}\n  argument: 'reports[0]'\n}`);
  assert.equal(printed, `RaceLabArgumentError: ${error.message}\n`);
  assert.equal(
    withoutLibraryStack("TypeError: x is not a function\n    at <anonymous>:1:1"),
    "TypeError: x is not a function\n    at <anonymous>:1:1",
    "only race-lab's own errors lose their stack",
  );
  assert.deepEqual(topLevelNames("const { a, b: c } = f();\nlet [d, e] = g();\n  const inner = 1;\nexport const x = 2;"), [
    "a",
    "c",
    "d",
    "e",
    "x",
  ]);
});

test("after an interrupt, a TypeError about undefined keeps its message, loses its frames and says which cell to run again", () => {
  // A cell run once, then again and interrupted: tslab still knows its names, their values are gone.
  noteCellSource('const lostUpdate = await runTrials({ demo: "deposits" });');
  interruptSummary();
  const trace =
    "TypeError: Cannot read properties of undefined (reading 'rows')\n    at lostShare (evalmachine.<anonymous>:9:28)\n    at async Object.execute (/x/node_modules/tslab/dist/executor.js:173:17)\n";
  const shown = studentStderr(trace);
  assert.match(
    shown,
    /^TypeError: Cannot read properties of undefined \(reading 'rows'\)\nTip: `lostUpdate` may be undefined: the cell that makes it did not finish \(interrupted\?\)/,
  );
  assert.doesNotMatch(shown, /\n\s+at |executor\.js/, "no frame");
  assert.equal(
    studentStderr("TypeError: x is not a function\n    at f (evalmachine.<anonymous>:1:1)\n"),
    "TypeError: x is not a function\n    at f (evalmachine.<anonymous>:1:1)\n",
    "another error keeps its stack",
  );
});

test("after an interrupt, the names the interrupted cell declares are named once, with the cell to run again", () => {
  noteCellSource(
    "const THREADS = 8;\nfunction addMany(): void {}\nasync function countInThreads() { return 1; }\nconst plainReport = await countInThreads();",
  );
  interruptSummary();
  const next = [
    "1:28 - Cannot find name 'countInThreads'.\n",
    "2:23 - Cannot find name 'plainReport'.\n",
    "3:9 - Cannot find name 'plainReport'.\n",
  ];
  assert.deepEqual(missingNameTips(next, lastInterruptedCell()), [
    "Tip: 'countInThreads', 'plainReport' were to be made by the cell that was interrupted (it starts `const THREADS = 8;`): run that cell again, then this one.\n",
  ]);
  assert.match(
    missingNameTips(next.slice(1), lastInterruptedCell()).join(""),
    /^Tip: 'plainReport' was to be made/,
    "one name, used twice: 'was'",
  );
  assert.deepEqual(
    missingNameTips(["1:1 - Cannot find name 'retrun'.\n"], lastInterruptedCell()),
    [],
    "a name no cell declares (a typo) gets no tip",
  );
});

test("a failed check, as the grader prints it, loses its stack too", () => {
  assert.equal(
    withoutLibraryStack(
      "Error [ExerciseFailedError]: 04-ex2: not solved — the exercise still has its stub\n    at Object.checkSolved (/course/src/dist/course/exercises.js:268:15)\n",
    ),
    "ExerciseFailedError: 04-ex2: not solved — the exercise still has its stub\n",
  );
});

test("a cell's compile errors: each once, the one to fix first on top, no private-name echo of a missing name", () => {
  assert.deepEqual(
    orderDiagnostics([
      "1:30 - A function whose declared type is neither 'void' nor 'any' must return a value.\n",
      "1:48 - Unknown keyword or identifier. Did you mean 'return'?\n",
      "1:48 - Cannot find name 'retrun'.\n",
      "1:48 - Cannot find name 'retrun'.\n",
      "1:48 - Cannot find name 'retrun'.\n",
    ]),
    [
      "1:48 - Unknown keyword or identifier. Did you mean 'return'?\n",
      "1:48 - Cannot find name 'retrun'.\n",
      "1:30 - A function whose declared type is neither 'void' nor 'any' must return a value.\n",
    ],
  );
  assert.deepEqual(
    orderDiagnostics([
      "1:19 - Cannot find name 'Entry'.\n",
      "1:19 - Exported variable 'lastUnfenced' has or is using private name 'Entry'.\n",
    ]),
    ["1:19 - Cannot find name 'Entry'.\n"],
  );
});

test("hints go one step further with each failed check; a multiple-choice check never names the answer", async () => {
  const { checkSolved, expectChoice } = await import("race-lab/internal");
  const hints = ["the idea", "closer to the code", "the code itself"];
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { bundles } = await captureDisplays(() => checkSolved("fb-ex1", () => expectChoice("a", ["a", "b", "c"], "b", "why"), { hints }));
    seen.push(bundles[0]["text/plain"]);
  }
  assert.match(seen[0], /Hint: \(1 of 3; run the check again for the next\) the idea$/);
  assert.match(seen[1], /Hint: \(2 of 3; .*\) closer to the code$/);
  assert.match(seen[2], /Hint: \(3 of 3\) the code itself$/);
  assert.match(seen[3], /Hint: \(3 of 3\) the code itself$/, "the last hint stays");
  for (const text of seen) assert.doesNotMatch(text, /"b"|expected/, "the right choice is never shown");
  assert.match(seen[0], /why: not "a"/);
  assert.throws(() => expectChoice("d", ["a", "b", "c"], "b", "why"), /why: answer one of "a", "b", "c" \(got "d"\)/);
  assert.throws(() => expectChoice("a", ["a", "b"], "z", "why"), /correct must be one of the choices/);
});

test("a report's two charts and their legend fit 900 px, however many trials", async () => {
  for (const trials of [3, 20, 200]) {
    const { bundles } = await captureDisplays(() =>
      runTrials({
        demo: "a demo with a rather long name, as lessons have",
        variant: "unsafe",
        trials,
        expected: 2000,
        run: (t) => 2000 - (t % 7) * 13,
      }),
    );
    const svg = bundles.find((b) => "image/svg+xml" in b)!["image/svg+xml"];
    const width = Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)![1]);
    assert.ok(width <= 900, `${trials} trials: ${width} px`);
  }
});
