// In a real tslab kernel: a cell defines a helper, the next sends a function that uses it to threads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { findHarnessPython } from "../../../scripts/jupyter.mjs";

const ROOT = path.resolve(__dirname, "..", "..", "..");

const HELPER = `import { ContextDecorator } from "race-lab";
function double(n: number) { return n * 2; }
class SimpleLock extends ContextDecorator { enter() {} exit() {} }`;
const SENDER = `import { runThreads } from "race-lab";
function work(n: number) { return new SimpleLock().run(() => double(n)); }
console.log(JSON.stringify(await runThreads(work, [[1], [2]])));`;

test("in a real kernel, a function sent to threads takes the previous cell's helper and class with it", (t) => {
  const python = findHarnessPython();
  if (!python) return t.skip("no Python with jupyter_client here");
  const r = spawnSync(python, [path.join(__dirname, "..", "helpers", "cells-kernel.py"), path.join(ROOT, "notebooks"), HELPER, SENDER], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  const why = `${r.stdout}\n${r.stderr}`;
  const [helper, sender] = JSON.parse(r.stdout.trim().split("\n").pop() || "[]");
  assert.equal(helper?.status, "ok", why);
  assert.equal(sender?.status, "ok", why);
  assert.equal(sender.printed.trim(), "[2,4]", why);
});
