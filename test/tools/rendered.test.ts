// The rules over what a student sees (test/harness/rendered.py), which the notebook harness applies
// to every lesson it runs, both versions: a fixture of executed outputs breaks each rule once, and
// one good chart passes. (The lessons themselves are judged by `npm run test:notebooks`.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { findHarnessPython } from "../../scripts/jupyter.mjs";

const ROOT = path.resolve(__dirname, "..", "..");
const CHECK = path.join(ROOT, "test", "harness", "rendered.py");
const FIXTURE = path.join(ROOT, "test", "fixtures", "rendered", "outputs.ipynb");

test("rendered outputs: each broken rule is reported with its cell, the good chart is not", (t) => {
  const python = findHarnessPython() ?? "python3";
  const r = spawnSync(python, [CHECK, FIXTURE], { encoding: "utf8", timeout: 60_000 });
  if (r.error) return t.skip(`no Python: ${r.error.message}`);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const lines = r.stdout
    .trim()
    .split("\n")
    .map((l) => l.replace(/^.*outputs\.ipynb: /, ""));
  assert.deepEqual(lines, [
    "cell 1: a chart 1044 px wide (at most 900)",
    "cell 2: chart text cut off: 'Value of 2000, ±1 × 2…'",
    "cell 3: chart text with six decimals: '3,000.000000'",
    "cell 4: chart text runs past the chart's edge (300 px): 'a legend label that runs far past the right edge of this chart'",
    `cell 5: a table cell holds JSON: '{"readErrors":"544 + 600"}'`,
  ]);
});

test("the notebook harness applies the rules to every notebook it runs (unless told not to)", () => {
  const harness = spawnSync("grep", ["-c", "rendered.notebook_problems(nb)", path.join(ROOT, "test", "harness", "run_notebooks.py")], {
    encoding: "utf8",
  });
  assert.equal(harness.stdout.trim(), "1");
});
