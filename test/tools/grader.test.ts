// The grader's parts, without a kernel: its messages are the same to both languages (grader/schema.json,
// validated by ajv in Node and jsonschema in Python), scoring finds each exercise's test by grade_id,
// and the judge hands a test every `expect*` helper the library exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { assemble, gradingNotebook } from "../../grader/assemble.mjs";
import { readNotebook } from "../../grader/notebook.mjs";
import { jobFor, type CellResult } from "../../grader/runner.mjs";
import { CELL_STATUS, ROLE } from "../../grader/schema.mjs";
import { score } from "../../grader/score.mjs";
import { validate } from "../../grader/validate.mjs";
import { findHarnessPython } from "../../scripts/jupyter.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const SOURCE = path.join(ROOT, "test", "fixtures", "grading", "notebooks", "grading-demo.ipynb");
const source = { name: "grading-demo.ipynb", file: SOURCE, nb: readNotebook(SOURCE) };

function job(): Record<string, any> {
  const graded = gradingNotebook(source, assemble(source, readNotebook(SOURCE)), { feedbackHiddenTests: false });
  return jobFor(graded, { cwd: "/tmp/grading-cwd", work: "/tmp/grading-work", timeout: 120, feedbackFile: null });
}

const verdict = { gradeId: "demo-ex1-test", passed: true, detail: "" };
const result = {
  cells: [
    { index: 0, role: "setup", grade_id: null, status: "ok", error: null, text: "", seconds: 0, resent: false },
    { index: 4, role: "test", grade_id: "demo-ex1-test", status: "ok", error: null, text: "", seconds: 0.5, resent: false, verdict },
    {
      index: 7,
      role: "test",
      grade_id: "demo-ex2-test",
      status: "timeout",
      error: "timed out after 8 s",
      text: "",
      seconds: 8,
      resent: false,
      verdict: null,
    },
  ],
  kernels: 2,
  restarts: [{ cell: 7, reason: "timed out after 8 s" }],
  leftovers: ["pid 12: sleep 300"],
  fatal: null,
};

/** Each message with what makes it invalid: both languages must reject every one. */
function brokenMessages(): [string, string, unknown][] {
  const guardRole = job();
  guardRole.notebook.cells[1].metadata.race_lab_grading.role = "guard";
  const noGradeId = job();
  delete noGradeId.notebook.cells[1].metadata.race_lab_grading.grade_id;
  const noTimeout = job();
  delete noTimeout.timeout;
  return [
    ["job", "a role the schema does not define", guardRole],
    ["job", "a cell without its grade_id", noGradeId],
    ["job", "no per-cell timeout", noTimeout],
    ["verdict", "passed as a string", { ...verdict, passed: "yes" }],
    ["verdict", "no grade_id", { passed: true, detail: "" }],
    ["result", "an exercise status as a cell status", { ...result, cells: [{ ...result.cells[0], status: "passed" }] }],
    ["result", "no fatal", { ...result, fatal: undefined }],
  ];
}

/** Whether Python's validator (grader/schema.py, jsonschema) accepts the message. */
function pythonAccepts(python: string, kind: string, message: unknown): { ok: boolean; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "race-lab-schema-"));
  try {
    const file = path.join(dir, "message.json");
    writeFileSync(file, JSON.stringify(message));
    const r = spawnSync(python, [path.join(ROOT, "grader", "schema.py"), kind, file], { encoding: "utf8", timeout: 60_000 });
    return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the job Node builds, a verdict and a result are valid to both Node and Python; each broken one is refused by both", () => {
  const python = findHarnessPython();
  assert.ok(python, "a Python with nbclient (and so jsonschema): npm run setup");
  const valid: [string, unknown][] = [
    ["job", job()],
    ["verdict", verdict],
    ["result", result],
  ];
  for (const [kind, message] of valid) {
    assert.doesNotThrow(() => validate(kind as "job", message), `Node refuses the ${kind}`);
    const py = pythonAccepts(python, kind, message);
    assert.ok(py.ok, `Python refuses the ${kind}: ${py.out}`);
  }
  for (const [kind, why, message] of brokenMessages()) {
    assert.throws(() => validate(kind as "job", message), new RegExp(`not a valid ${kind}`), `Node accepts a ${kind} with ${why}`);
    assert.equal(pythonAccepts(python, kind, message).ok, false, `Python accepts a ${kind} with ${why}`);
  }
});

test("roles and statuses come from the schema: naming one it does not define throws", () => {
  assert.equal(ROLE.test, "test");
  assert.equal(CELL_STATUS.timeout, "timeout");
  assert.throws(() => ROLE.guard, /has no value "guard"/);
});

/** Matching results to exercises by position (setup cell first): the broken variant the grade_id test must tell apart. */
function scoreByPosition(assembled: ReturnType<typeof assemble>, cells: CellResult[]) {
  const byIndex = new Map(cells.map((c) => [c.index, c]));
  return assembled.cells.flatMap((e, i) => {
    if (e.role !== "test" || !e.gradeId) return [];
    const passed = byIndex.get(i + 1)?.verdict?.passed === true;
    return [{ exercise: e.gradeId, points: passed ? e.points : 0 }];
  });
}

test("scoring finds each test's result by grade_id, whatever its position and the order of the results", () => {
  const assembled = assemble(source, readNotebook(SOURCE));
  // Results whose cell indices are not the assembled cells' positions (as after cells added or moved),
  // listed last to first. ex1 and ex3 pass, ex2 fails.
  const ran = (gradeId: string, index: number, passed: boolean): CellResult => ({
    index,
    role: "test",
    grade_id: gradeId,
    status: "ok",
    error: null,
    verdict: { gradeId, passed, detail: passed ? "" : "ExerciseFailedError: not solved" },
  });
  const cells = [ran("demo-ex3-test", 13, true), ran("demo-ex2-test", 9, false), ran("demo-ex1-test", 6, true)];
  const rows = score(assembled, cells).map((e) => `${e.exercise} ${e.points}/${e.maxPoints} ${e.status}`);
  assert.deepEqual(rows, ["demo-ex1-test 2/2 passed", "demo-ex2-test 0/1 failed", "demo-ex3-test 1/1 passed"]);
  assert.notDeepEqual(
    scoreByPosition(assembled, cells).map((e) => e.points),
    [2, 0, 1],
    "the input tells scoring by position apart from scoring by grade_id",
  );
  // A verdict for another exercise, or two results for one test, earns nothing.
  const misfiled = ran("demo-ex1-test", 5, true);
  misfiled.verdict = { gradeId: "demo-ex3-test", passed: true, detail: "" };
  assert.equal(score(assembled, [misfiled])[0].points, 0);
  assert.equal(score(assembled, [ran("demo-ex1-test", 5, true), ran("demo-ex1-test", 9, true)])[0].points, 0);
});

test("the judge gives a test every expect* helper race-lab exports, as the library loaded them", () => {
  // What the grader's first cell hands the judge: the public entries' names in one object.
  const library = Object.assign({}, require("race-lab"), require("race-lab/course"), require("race-lab/instructor")) as Record<
    string,
    unknown
  >;
  const { judgeHelpers } = require(path.join(ROOT, "grader", "judge.cjs")) as {
    judgeHelpers: (library: object, run: object) => Record<string, unknown>;
  };
  const expects = Object.keys(library).filter((name) => /^expect[A-Z]/.test(name) && typeof library[name] === "function");
  assert.ok(expects.length >= 4, `race-lab's expect* helpers: ${expects.join(", ")}`);
  const helpers = judgeHelpers(library, { checks: 0, pending: 0, failures: [] });
  const missing = expects.filter((name) => helpers[name] !== library[name]);
  assert.deepEqual(missing, [], "expect* exports of race-lab a test cannot reach through the judge");
  for (const name of ["check", "checkSolved", "gradingMode"]) assert.equal(typeof helpers[name], "function", name);
});

test("feedback charts: an SVG output gains an <img> of itself that untrusted notebooks render, its description as alt text", () => {
  const python = findHarnessPython();
  assert.ok(python, "a Python with nbclient (npm run setup -- --ci)");
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" role="img" aria-label="Bar chart of &quot;a&quot; &lt; b: 3 &amp; 4."><title>x</title></svg>';
  const cells = [
    {
      cell_type: "code",
      outputs: [
        { output_type: "display_data", data: { "image/svg+xml": svg, "text/plain": "[chart]" }, metadata: {} },
        {
          output_type: "display_data",
          data: { "image/svg+xml": ['<svg width="10" height="5">', "</svg>"], "text/plain": ["a chart ", "without a label"] },
          metadata: {},
        },
        { output_type: "display_data", data: { "image/svg+xml": svg, "text/html": "<b>kept</b>", "text/plain": "" }, metadata: {} },
        { output_type: "display_data", data: { "text/html": "<table></table>", "text/plain": "" }, metadata: {} },
        { output_type: "stream", name: "stdout", text: "<svg>" },
      ],
    },
    { cell_type: "markdown", source: "<svg></svg>" },
  ];
  const script = [
    "import json, sys",
    `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, "grader"))})`,
    "from feedback_charts import add_untrusted_charts",
    "cells = json.load(sys.stdin)",
    "print(json.dumps({'added': add_untrusted_charts(cells), 'cells': cells}))",
  ].join("\n");
  const r = spawnSync(python, ["-c", script], { input: JSON.stringify(cells), encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const { added, cells: out } = JSON.parse(r.stdout) as { added: number; cells: { outputs?: { data?: Record<string, string> }[] }[] };
  assert.equal(added, 2, "the two SVG outputs without HTML");
  const [first, second, third, fourth] = out[0].outputs!.map((o) => o.data);
  const src = /^<img src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)" width="240" height="160">$/.exec(
    first!["text/html"],
  );
  assert.ok(src, first!["text/html"]);
  assert.equal(Buffer.from(src[1], "base64").toString("utf8"), svg, "the image is the chart itself");
  assert.equal(src[2], "Bar chart of &quot;a&quot; &lt; b: 3 &amp; 4.", "the chart's aria-label, escaped once for HTML");
  assert.match(second!["text/html"], /alt="a chart without a label" width="10" height="5">$/, "no label: the output's text stands in");
  const secondSvg = Buffer.from(/base64,([^"]+)"/.exec(second!["text/html"])![1], "base64").toString("utf8");
  assert.equal(
    secondSvg,
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"></svg>',
    "an image of SVG gets the namespace it needs",
  );
  assert.equal(third!["text/html"], "<b>kept</b>", "an output with its own HTML is left alone");
  assert.equal(fourth!["text/html"], "<table></table>");
});
