// The contract with tslab, hook by hook, in a real kernel (through jupyter_client, as Jupyter runs
// it): each place kernel/tslab.ts reads or patches must still be where it looks. A tslab that moved
// one of them fails here by name, not somewhere in a lesson.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { findHarnessPython } from "../../../scripts/jupyter.mjs";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const KERNEL = 'require(require.resolve("race-lab").replace(/index\\.js$/, "kernel/tslab.js"))';

const CELLS = [
  // the version this file reads the internals of
  `const tslab = ${KERNEL};\nconsole.log("version", tslab.tslabVersion() === tslab.SUPPORTED_TSLAB);`,
  // lastWriteDisplayData: the display writer of the running cell
  `console.log("writer", typeof tslab.kernelDisplayWriter());`,
  // getCodeMetadata and lastWriteDisplayData patched: each run counted, each source seen
  `import { solutionCell } from "race-lab/course";\nconst cell = require(require.resolve("race-lab").replace(/index\\.js$/, "course/cell-watch.js"));\nconsole.log("watching", cell.watchingCells());
const firstRun = cell.cellRunNumber();`,
  // __tslab__.exports: an earlier cell's names
  `const answer = 42;`,
  `console.log("names", tslab.cellNames().answer, "runs counted", cell.cellRunNumber() - firstRun);`,
  // the kernel's compiler, loaded by tslab
  `console.log("compiler", typeof tslab.kernelCompiler()?.createSourceFile);`,
];

test("each tslab hook race-lab uses is where kernel/tslab.ts looks for it, in a real kernel", (t) => {
  const python = findHarnessPython();
  if (!python) return t.skip("no Python with jupyter_client here");
  const r = spawnSync(python, [path.join(__dirname, "..", "helpers", "cells-kernel.py"), path.join(ROOT, "notebooks"), ...CELLS], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  const why = `${r.stdout}\n${r.stderr}`;
  const cells: { status: string; printed: string }[] = JSON.parse(r.stdout.trim().split("\n").pop() || "[]");
  assert.equal(cells.length, CELLS.length, why);
  cells.forEach((c, i) => assert.equal(c.status, "ok", `cell ${i}: ${why}`));
  const printed = cells.map((c) => c.printed.trim()).filter(Boolean);
  assert.deepEqual(printed, ["version true", "writer function", "watching true", "names 42 runs counted 2", "compiler function"], why);
});
